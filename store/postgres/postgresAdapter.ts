import type { Adapter } from 'lowdb';
import type pg from 'pg';
import type { AuditEntry } from '../../machines/types.js';
import { AuditLog } from '../auditLog.js';
import { SCHEMA_VERSION, StoreError, TABLE_NAMES } from '../types.js';
import type { RowChanges, StoreData, TableName, Tables } from '../types.js';
import { pgError } from './connection.js';
import type { PgTarget } from './connection.js';
import { AuditGaps } from './auditGaps.js';
import { AuditTail } from './auditTail.js';
import { DoneRows } from './doneRows.js';
import { Follower } from './follower.js';
import { UNREAD_AUDIT, type AuditCounted } from './pageAudit.js';
import { appendAuditRows, deleteRows, readRows, rowsById, upsertRows } from './writeRows.js';

/**
 * lowdb adapter over a PostgreSQL schema, for the store core (createStore): `read()`
 * loads every table and the audit trail into memory (the Store's reads are synchronous),
 * and each `write()` is one transaction with the rows the commit changed, the meta if it
 * changed, the new audit rows, and a NOTIFY naming them. A follower (read-only) reads
 * again only what the notifications named, or everything when it may have missed some.
 * @example const low = new Low(new PostgresAdapter(target, pool), emptyStoreData()); await low.read();
 */
export class PostgresAdapter implements Adapter<StoreData> {
  readonly #target: PgTarget;
  readonly #pool: pg.Pool;
  readonly #follower: Follower | null;
  /** A follower, or a one-time reader: writes are refused. */
  readonly #readonly: boolean;
  /** Read-only without a follower (`follow: false`): read once, audit gaps not tracked. */
  get #oneTime(): boolean {
    return this.#readonly && this.#follower === null;
  }
  /** An AuditTail when the audit is left in the database (`pagedAudit`), set at the first read. */
  #audit: AuditLog | AuditTail = new AuditLog();
  readonly #paged: boolean;
  /** The done rows held as their glance (`pagedAudit`: see DoneRows); null: every row is held whole. */
  readonly #done: DoneRows | null;
  #tables: StoreData['tables'] | null = null;
  #meta: Record<string, unknown> = {};
  /** Audit rows written or read so far, and the seq of the last one read from the database. */
  #written = 0;
  #lastSeq = 0;
  /** Audit seq numbers skipped over by a follower's reads, until read or known rolled back (see #readAudit). */
  readonly #gaps = new AuditGaps();

  /**
   * `pagedAudit` (a follower only): keep no audit row read at open, only their count, and
   * of later rows only those of the last re-read (see AuditTail); the audit is read in SQL.
   * Of the rows done with, only their glance is held (see DoneRows); `load` reads them.
   */
  constructor(target: PgTarget, pool: pg.Pool, follower: Follower | null = null, opts: { pagedAudit?: boolean; readonly?: boolean } = {}) {
    this.#target = target;
    this.#pool = pool;
    this.#follower = follower;
    this.#readonly = follower !== null || opts.readonly === true;
    this.#paged = follower !== null && opts.pagedAudit === true;
    this.#done = this.#paged ? new DoneRows(target.shown) : null;
  }

  /** The rows held as glances (null when every row is held whole). */
  get doneRows(): DoneRows | null {
    return this.#done;
  }

  /** Rows of a table by id, read now: `Store.fetch` of the rows held as their glance. */
  async load(table: TableName, ids: string[]): Promise<Map<string, unknown>> {
    const client = await this.#connect('read rows');
    try {
      return await rowsById(client, table, ids);
    } catch (error) {
      throw pgError(this.#target, `read rows of ${table}`, error);
    } finally {
      client.release();
    }
  }

  async read(): Promise<StoreData> {
    // A follower no notice reached has nothing to read: no round trip.
    if (this.#tables && this.#follower?.idle) return this.#data({ rows: [], meta: false });
    this.#done?.settle(this.#tables);
    const client = await this.#connect('read the store');
    try {
      // One snapshot of the whole database, so tables and audit agree.
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      const pending = this.#follower?.take() ?? 'all';
      const first = this.#tables === null;
      const apply = first || pending === 'all' ? await this.#readAll(client) : await this.#readSome(client, pending);
      const applyAudit = first && this.#paged ? await this.#countAudit(client) : await this.#readAudit(client);
      await client.query('COMMIT');
      // Only a read that went through changes what is held: the tables and audit the core
      // last got stay what its next comparison starts from, and its rows are read again.
      const changes = apply();
      applyAudit();
      this.#done?.committed();
      return this.#data(changes);
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      this.#done?.rolledBack();
      // Whatever was named and not read is read again next time.
      this.#follower?.missed();
      throw pgError(this.#target, 'read the store', error);
    } finally {
      client.release();
    }
  }

  async write(data: StoreData): Promise<void> {
    if (this.#readonly) throw new StoreError(`${this.#target.shown} is open read-only`, 'readonly', this.#target.shown);
    // Captured before the first await: later mutations belong to the next commit.
    const plan = planRows(data);
    const meta = data.changes?.meta !== false ? { ...data.meta } : null;
    const end = data.audit_log.length;
    const entries = end > this.#written ? data.audit_log.entries(this.#written, end) : [];
    const client = await this.#connect('commit');
    try {
      await client.query('BEGIN');
      for (const [table, { removed, rows }] of plan) {
        if (removed.length) await deleteRows(client, table, removed);
        if (rows.length) await upsertRows(client, table, rows);
      }
      if (meta) {
        await client.query('DELETE FROM meta');
        await client.query('INSERT INTO meta (key, value) SELECT key, value FROM jsonb_each($1::jsonb)', [JSON.stringify(meta)]);
      }
      if (entries.length) this.#lastSeq = Math.max(this.#lastSeq, await appendAuditRows(client, entries));
      await client.query('SELECT pg_notify($1, $2)', [channelOf(this.#target), notice(plan, meta !== null, entries.length)]);
      await client.query('COMMIT');
      this.#written = end;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw pgError(this.#target, 'commit', error);
    } finally {
      client.release();
    }
  }

  /**
   * A paged follower's count of the audit as of its last read (null otherwise), for pageAudit:
   * taken between reads, so the count, the last seq and the gaps agree.
   */
  counted(): AuditCounted | null {
    return this.#audit instanceof AuditTail ? { count: this.#audit.length, lastSeq: this.#lastSeq, gaps: this.#gaps.list() } : null;
  }

  #data(changes: RowChanges | undefined): StoreData {
    return { schemaVersion: SCHEMA_VERSION, meta: this.#meta, tables: this.#tables as StoreData['tables'], audit_log: this.#audit, changes };
  }

  async #connect(step: string): Promise<pg.PoolClient> {
    try {
      return await this.#pool.connect();
    } catch (error) {
      throw pgError(this.#target, step, error);
    }
  }

  /** Every table and the meta, afresh (the first read, or a follower that may have missed a notice); held once the read commits. */
  async #readAll(client: pg.ClientBase): Promise<() => undefined> {
    let tables: StoreData['tables'];
    if (this.#done) {
      tables = await this.#done.readAll(client, this.#tables);
    } else {
      const read = {} as Record<TableName, Record<string, unknown>>;
      for (const table of TABLE_NAMES) {
        const rows: Record<string, unknown> = {};
        for (const { row } of await readRows(client, table)) rows[row.id] = row;
        read[table] = rows;
      }
      tables = read as StoreData['tables'];
    }
    const meta = await readMeta(client);
    return () => {
      this.#tables = tables;
      this.#meta = meta;
      return undefined; // unknown: the core compares the tables
    };
  }

  /** The rows and meta the notifications named, put in place in the tables held once the read commits. */
  async #readSome(client: pg.ClientBase, pending: { rows: Map<TableName, Set<string>>; meta: boolean }): Promise<() => RowChanges> {
    const read: Array<[TableName, string[], Map<string, unknown>]> = [];
    for (const [table, idSet] of pending.rows) {
      const ids = [...idSet];
      read.push([table, ids, await rowsById(client, table, ids)]);
    }
    const meta = pending.meta ? await readMeta(client) : null;
    return () => {
      const tables = this.#tables as unknown as Record<TableName, Record<string, unknown>>;
      const touched: Array<RowChanges['rows'][number]> = [];
      for (const [table, ids, found] of read) {
        for (const id of ids) {
          const row = found.get(id);
          this.#done?.replaced(table, tables[table], id, row);
          if (row) tables[table][id] = row;
          else delete tables[table][id];
          touched.push({ table, id, removed: !row });
        }
      }
      if (meta) this.#meta = meta;
      return { rows: touched, meta: meta !== null };
    };
  }

  /**
   * The paged follower's first read: how many audit rows there are and the newest seq, and
   * the holes in the numbering, noted as gaps by the rule #readAudit applies to the rows it
   * reads (a run of holes is noted up to MAX_GAPS below the row after it), reading no row:
   * a number taken by a transaction still under way may lie anywhere below the newest, as
   * far back as that transaction began. Held once the read commits.
   */
  async #countAudit(client: pg.ClientBase): Promise<() => void> {
    const top = await client.query<{ n: number; top: string | null }>('SELECT count(*)::int AS n, max(seq) AS top FROM audit_log');
    const { n, top: last } = top.rows[0] ?? { n: 0, top: null };
    const lastSeq = Number(last ?? 0);
    let holes: Array<{ seq: string; prev: string }> = [];
    let snapshot: Snapshot | null = null;
    // Numbers start at 1: as many rows as the newest number, no hole (one writer, no rollback).
    if (n < lastSeq) {
      // Each row after a hole, with the row before it (0 for none), in one pass over the seq index.
      holes = (await client.query<{ seq: string; prev: string }>(
        'SELECT seq, prev FROM (SELECT seq, lag(seq, 1, 0::bigint) OVER (ORDER BY seq) AS prev FROM audit_log) AS s WHERE seq > prev + 1',
      )).rows;
      snapshot = await this.#snapshot(client, true);
    }
    return () => {
      this.#lastSeq = lastSeq;
      for (const { seq, prev } of holes) this.#gaps.note(Number(prev), Number(seq));
      if (snapshot) this.#settleGaps(snapshot);
      this.#audit = new AuditTail(this.#target.shown, n);
      this.#written = n;
    };
  }

  /**
   * Audit rows committed since the last read, appended to the log once the read commits.
   * Engine processes writing at once (agents/cluster/) take `seq` numbers in one order and
   * commit in another: a number skipped over is a transaction still under way, read once it
   * commits, however long that takes (or known rolled back from the snapshots: AuditGaps).
   */
  async #readAudit(client: pg.ClientBase): Promise<() => void> {
    const rows = await readRows(client, 'audit_log', UNREAD_AUDIT, [this.#lastSeq, this.#gaps.list()]);
    // Whether these rows skip numbers, which are noted below and take this read's id.
    let newest = this.#lastSeq;
    let skips = false;
    for (const { seq } of rows) {
      if (seq <= newest) continue;
      skips ||= seq > newest + 1;
      newest = seq;
    }
    // Gaps matter to a store that reads again: a one-time reader takes no transaction id for
    // them, which a hot-standby replica could not give.
    const snapshot = !this.#oneTime && (this.#gaps.size > 0 || skips) ? await this.#snapshot(client, skips || this.#gaps.unbound) : null;
    return () => {
      if (this.#audit instanceof AuditTail) this.#audit.startRead();
      for (const { seq, row } of rows) {
        this.#audit.append(row as AuditEntry);
        if (seq < this.#lastSeq) {
          this.#gaps.filled(seq);
          continue;
        }
        this.#gaps.note(this.#lastSeq, seq);
        this.#lastSeq = seq;
      }
      this.#written = this.#audit.length;
      if (snapshot) this.#settleGaps(snapshot);
    };
  }

  /**
   * In the read's transaction, after its rows, while there are gaps: the snapshot's xmin and,
   * when `unbound` (gaps this read notes), the transaction id pg_current_xact_id assigns to
   * this read-only transaction, after its snapshot: a bound on every holder's (see AuditGaps).
   */
  async #snapshot(client: pg.ClientBase, unbound: boolean): Promise<Snapshot> {
    const { rows } = await client.query<{ xmin: string; xid: string | null }>(
      'SELECT pg_snapshot_xmin(pg_current_snapshot())::text AS xmin, CASE WHEN $1 THEN pg_current_xact_id()::text END AS xid', [unbound]);
    return rows[0];
  }

  /** Once the read is held: the gaps its snapshot shows rolled back go, and those it noted take its id. */
  #settleGaps({ xmin, xid }: Snapshot): void {
    this.#gaps.settle(BigInt(xmin));
    if (xid !== null) this.#gaps.bind(BigInt(xid));
  }
}

/** What #snapshot read: the snapshot's xmin, and the read's own transaction id when asked. */
type Snapshot = { xmin: string; xid: string | null };

type Plan = Map<TableName, { removed: string[]; rows: Array<Tables[TableName]> }>;

/** Per table, the ids to delete first (removed, or removed and put again) and the rows to write, in order. */
function planRows(data: StoreData): Plan {
  const plan: Plan = new Map();
  const seen = new Set<string>();
  const touches = data.changes?.rows ?? TABLE_NAMES.flatMap((table) => Object.keys(data.tables[table]).map((id) => ({ table, id, removed: false })));
  for (const { table, id, removed } of touches) {
    const key = `${table}\u0000${id}`;
    let entry = plan.get(table);
    if (!entry) plan.set(table, (entry = { removed: [], rows: [] }));
    if (removed && !entry.removed.includes(id)) entry.removed.push(id);
    if (seen.has(key)) continue;
    seen.add(key);
    const rows = data.tables[table] as Record<string, Tables[TableName]>;
    if (Object.hasOwn(rows, id)) entry.rows.push(rows[id]);
  }
  return plan;
}

async function readMeta(client: pg.ClientBase): Promise<Record<string, unknown>> {
  const result = await client.query<{ key: string; value: unknown }>('SELECT key, value FROM meta ORDER BY key');
  return Object.fromEntries(result.rows.map((r) => [r.key, r.value]));
}

/** The channel a store's commits are announced on (one per schema). */
export function channelOf(target: PgTarget): string {
  return `incident_flow:${target.schema}`;
}

/** NOTIFY payloads must stay under 8000 bytes: past that, followers read everything again. */
const MAX_NOTICE = 7900;

/** What a commit changed, for followers: `{"rows":[[table,id]…],"meta":bool,"audit":n}` or `{"all":true}`. */
function notice(plan: Plan, meta: boolean, audit: number): string {
  const rows: Array<[TableName, string]> = [];
  for (const [table, { removed, rows: written }] of plan) {
    for (const id of removed) rows.push([table, id]);
    for (const row of written) rows.push([table, row.id]);
  }
  const text = JSON.stringify({ rows, meta, audit });
  return Buffer.byteLength(text) <= MAX_NOTICE ? text : '{"all":true}';
}
