import type { ServerResponse } from 'node:http';
import type { AuditEntry } from '../machines/types.js';
import type { StoreChange, TableName } from '../store/types.js';
import { SECURITY_HEADERS } from './http.js';

/** What one server-sent `change` event carries; the page refetches the tables named. */
export interface FeedMessage {
  /** Newest audit entries of the burst, oldest first, at most MAX_AUDIT. */
  audit: AuditEntry[];
  /** Entries of the burst left out of `audit`. */
  dropped: number;
  tables: TableName[];
  /** Ids of the rows that changed, per table (at most MAX_IDS each; `tables` lists every table touched). */
  ids: Partial<Record<TableName, string[]>>;
  /** Keys (`<connection>/<sessionId>`) of inspected actors that changed. */
  inspected: string[];
}

const MAX_AUDIT = 200;
const MAX_IDS = 100;
/** A burst of commits (a rehearsal writes hundreds a second) becomes one message. */
const BATCH_MS = 100;
const HEARTBEAT_MS = 15_000;
/** A client this far behind is dropped rather than buffered without end; EventSource reconnects. */
const MAX_BUFFERED = 1 << 20;

/**
 * The server-sent-events side of the watcher: collects changes, batches them and
 * writes them to every connected page.
 */
export class Feed {
  private clients = new Set<ServerResponse>();
  private audit: AuditEntry[] = [];
  private dropped = 0;
  private tables = new Map<TableName, Set<string>>();
  private inspected = new Set<string>();
  private timer: NodeJS.Timeout | null = null;
  private heartbeat: NodeJS.Timeout;

  constructor() {
    this.heartbeat = setInterval(() => this.write(': ping\n\n'), HEARTBEAT_MS);
    this.heartbeat.unref();
  }

  /** Starts an event stream on `res` and keeps it until the client goes. */
  attach(res: ServerResponse): void {
    res.writeHead(200, {
      ...SECURITY_HEADERS,
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      Connection: 'keep-alive',
    });
    // Reconnect quickly after a watcher restart.
    res.write('retry: 1000\n\n');
    res.write(`event: hello\ndata: ${JSON.stringify({ clients: this.clients.size + 1 })}\n\n`);
    this.clients.add(res);
    res.on('close', () => this.clients.delete(res));
  }

  get size(): number {
    return this.clients.size;
  }

  push(change: Partial<StoreChange>): void {
    for (const entry of change.audit ?? []) this.audit.push(entry);
    if (this.audit.length > MAX_AUDIT) this.dropped += this.audit.splice(0, this.audit.length - MAX_AUDIT).length;
    for (const row of change.rows ?? []) this.touchTable(row.table, row.id);
    this.schedule();
  }

  touchTable(table: TableName, id?: string): void {
    let ids = this.tables.get(table);
    if (!ids) this.tables.set(table, (ids = new Set()));
    if (id !== undefined && ids.size < MAX_IDS) ids.add(id);
    this.schedule();
  }

  touchInspected(key: string): void {
    this.inspected.add(key);
    this.schedule();
  }

  /** Tells pages something went wrong upstream (a refresh that failed), without dropping them. */
  warn(message: string): void {
    this.write(`event: warning\ndata: ${JSON.stringify({ message })}\n\n`);
  }

  close(): void {
    clearInterval(this.heartbeat);
    if (this.timer) clearTimeout(this.timer);
    for (const res of this.clients) res.end();
    this.clients.clear();
  }

  private schedule(): void {
    this.timer ??= setTimeout(() => this.flush(), BATCH_MS);
  }

  private flush(): void {
    this.timer = null;
    const message: FeedMessage = {
      audit: this.audit,
      dropped: this.dropped,
      tables: [...this.tables.keys()],
      ids: Object.fromEntries([...this.tables].map(([table, ids]) => [table, [...ids]])),
      inspected: [...this.inspected],
    };
    this.audit = [];
    this.dropped = 0;
    this.tables.clear();
    this.inspected.clear();
    this.write(`event: change\ndata: ${JSON.stringify(message)}\n\n`);
  }

  private write(frame: string): void {
    for (const res of this.clients) {
      if (res.writableLength > MAX_BUFFERED) {
        res.destroy();
        this.clients.delete(res);
        continue;
      }
      res.write(frame);
    }
  }
}
