import type pg from 'pg';
import type { TableName } from '../types.js';
import { TABLE_NAMES } from '../types.js';
import { createClient, pgError } from './connection.js';
import type { PgTarget } from './connection.js';

/** What a follower must read again: the rows and meta notices named, or everything. */
export type Pending = 'all' | { rows: Map<TableName, Set<string>>; meta: boolean; audit: boolean };

const KNOWN = new Set<string>(TABLE_NAMES);
const RETRY_MS = [100, 500, 2000, 5000];
/**
 * Row ids kept for the next `take()` before the follower gives up naming them and says to
 * read everything: a process that never refreshes its copy (an engine process, whose host
 * reads the database itself) would otherwise keep every id the cluster ever changed.
 */
export const MAX_PENDING_IDS = 10_000;

/**
 * A read-only store's ear on the database: a connection of its own that LISTENs to the
 * store's channel and gathers what each commit's NOTIFY names, until `take()`. While the
 * connection is down (a server restart) it reconnects with backoff, and since notices
 * sent meanwhile are lost, the next `take()` says to read everything.
 * @example const follower = await Follower.start(target, 'incident_flow:s'); follower.take() // 'all' | {...}
 */
export class Follower {
  readonly #target: PgTarget;
  readonly #channel: string;
  #client: pg.Client | null = null;
  #pending: Pending = { rows: new Map(), meta: false, audit: false };
  /** Ids in #pending.rows. */
  #named = 0;
  readonly #maxNamed: number;
  #closed = false;
  #retry = 0;
  #timer: NodeJS.Timeout | null = null;

  private constructor(target: PgTarget, channel: string, maxNamed: number) {
    this.#target = target;
    this.#channel = channel;
    this.#maxNamed = maxNamed;
  }

  /** Listens before the store's first read, so no commit falls between the read and the listening. */
  static async start(target: PgTarget, channel: string, maxNamed = MAX_PENDING_IDS): Promise<Follower> {
    const follower = new Follower(target, channel, maxNamed);
    await follower.#listen();
    return follower;
  }

  /** Everything named since the last call (and forgets it). */
  take(): Pending {
    const pending = this.#pending;
    this.#pending = { rows: new Map(), meta: false, audit: false };
    this.#named = 0;
    return pending;
  }

  /** True when there is nothing to read again (no commit announced since the last take). */
  get idle(): boolean {
    const p = this.#pending;
    return p !== 'all' && p.rows.size === 0 && !p.meta && !p.audit;
  }

  /** A read failed half way: read everything next time. */
  missed(): void {
    this.#pending = 'all';
  }

  async close(): Promise<void> {
    this.#closed = true;
    if (this.#timer) clearTimeout(this.#timer);
    const client = this.#client;
    this.#client = null;
    await client?.end().catch(() => undefined);
  }

  async #listen(): Promise<void> {
    const client = createClient(this.#target);
    try {
      await client.connect();
      await client.query(`LISTEN "${this.#channel}"`);
    } catch (error) {
      await client.end().catch(() => undefined);
      throw pgError(this.#target, 'listen for commits', error);
    }
    client.on('notification', (msg) => this.#heard(msg.payload ?? ''));
    const lost = () => {
      if (this.#client !== client) return;
      this.#client = null;
      this.#pending = 'all';
      this.#reconnect();
    };
    client.on('error', lost);
    client.on('end', lost);
    this.#client = client;
    this.#retry = 0;
  }

  #reconnect(): void {
    if (this.#closed || this.#timer) return;
    const delay = RETRY_MS[Math.min(this.#retry++, RETRY_MS.length - 1)];
    this.#timer = setTimeout(() => {
      this.#timer = null;
      if (this.#closed) return;
      this.#listen().then(
        () => {
          // Whatever was committed while deaf is read in full.
          this.#pending = 'all';
          if (this.#closed) void this.close();
        },
        () => this.#reconnect(),
      );
    }, delay);
    this.#timer.unref();
  }

  #heard(payload: string): void {
    if (this.#pending === 'all') return;
    let notice: { all?: boolean; rows?: unknown; meta?: unknown; audit?: unknown };
    try {
      notice = JSON.parse(payload) as typeof notice;
    } catch {
      this.#pending = 'all';
      return;
    }
    if (notice.all === true || !Array.isArray(notice.rows)) {
      this.#pending = 'all';
      return;
    }
    for (const item of notice.rows as unknown[]) {
      if (!Array.isArray(item) || !KNOWN.has(String(item[0])) || typeof item[1] !== 'string') {
        this.#pending = 'all';
        return;
      }
      const table = item[0] as TableName;
      let ids = this.#pending.rows.get(table);
      if (!ids) this.#pending.rows.set(table, (ids = new Set()));
      if (ids.has(item[1])) continue;
      if (++this.#named > this.#maxNamed) {
        this.#pending = 'all';
        return;
      }
      ids.add(item[1]);
    }
    if (notice.meta === true) this.#pending.meta = true;
    if (typeof notice.audit === 'number' && notice.audit > 0) this.#pending.audit = true;
  }
}
