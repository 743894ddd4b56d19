import type { Low } from 'lowdb';
import { createCommitQueue } from './commitQueue.js';
import { fetchRows } from './fetchRows.js';
import type { LoadRows } from './fetchRows.js';
import { createListeners } from './listeners.js';
import { ioError } from './storeFiles.js';
import { DirtyRows } from './dirtyRows.js';
import { diffTables, touchedRows } from './tableDiff.js';
import { TableSet } from './tableSet.js';
import type { Glancer, Orders, Thaw } from './tableSet.js';
import { StoreError } from './types.js';
import type { AuditPage, AuditQuery, CommitRows, RowChanges, Store, StoreChange, StoreData, TableName, Tables } from './types.js';

/** What an adapter that keeps rows on disk offers the core, taken where CoreOptions does not give it. */
interface RowsOnDisk {
  thaw?: Thaw;
  glance?: Glancer;
  order?: Orders;
}

/** How the core runs; `openStore` and `createMemoryStore` fill it in. */
export interface CoreOptions {
  /** The store's file, for `Store.path` and messages; null for memory. */
  path: string | null;
  readonly?: boolean;
  /** Commit once per burst of mutations on its own (default true); else only on flush(). */
  autoCommit?: boolean;
  /** Answers `Store.pageAudit` where the rows live (default: from memory, as `queryAudit`). */
  pageAudit?: (query?: AuditQuery) => Promise<AuditPage>;
  /** Reads back a row the adapter keeps on disk only (its TableOrder, or a follower's table, holds where it is: see ColdRows). */
  thaw?: Thaw;
  /** The glanced values of a row kept on disk only, when the adapter has them (see GLANCED). */
  glance?: Glancer;
  /** The order of a table whose rows kept on disk have no entry in it (a file store writer's: see TableOrder). */
  order?: Orders;
  /** Reads rows kept elsewhere for `fetch` and `fetchList` (default: they read as `get` and `list` do). */
  load?: LoadRows;
  /** Runs once at the end of close(), after the last flush (release locks, close files). */
  onClose?: () => Promise<void> | void;
}

/**
 * The store core over any lowdb `Low<StoreData>` whose data is already read: synchronous
 * in-memory mutations and indexes, one `low.write()` per burst of mutations, commits
 * serialized, listeners told after each commit. Knows nothing about files.
 *
 * Rows handed out (`get`, `list`, changes) are the store's own objects: treat them as
 * read-only and `put` a changed copy. Audit entries (`queryAudit`, changes) are parsed
 * afresh from the log's JSON lines each time.
 * @example const store = createStore(new Low(new Memory<StoreData>(), emptyStoreData()), { path: null });
 */
export function createStore(low: Low<StoreData>, opts: CoreOptions): Store {
  const name = opts.path ?? 'the memory store';
  const readonly = opts.readonly ?? false;
  const autoCommit = opts.autoCommit ?? true;
  // An adapter that keeps rows on disk (SplitFileAdapter) reads them back itself: a store built
  // over one by hand, without these options, must not lose sight of its done rows.
  const adapter = low.adapter as RowsOnDisk;
  const tables = new TableSet(
    () => low.data.tables,
    opts.thaw ?? adapter.thaw?.bind(adapter),
    opts.glance ?? adapter.glance?.bind(adapter),
    opts.order ?? adapter.order?.bind(adapter),
  );
  const listeners = createListeners();
  let committedAudit = low.data.audit_log.length;
  /**
   * Rows touched since the last commit: per table, each row's note, and the notes in order
   * (a row inserted goes last, as in its table; a note taken back is marked `dead`).
   */
  let dirty = new DirtyRows();
  /** The rows of commits that failed, in order: the next commit writes them again, first. */
  let unwritten: RowChanges['rows'] = [];
  let dirtyMeta = false;
  let timer: NodeJS.Immediate | null = null;
  let closing: Promise<void> | null = null;
  /** Hooks run as each commit starts (beforeCommit); they write without the guard, for they run within a flush that close() may have begun. */
  const hooks = new Set<(rows: CommitRows) => void>();
  const hookRows: CommitRows = { put: (table, row) => putRow(table, row, true), remove: (table, id) => removeRow(table, id) };

  /** A row stored and noted for the next commit (a copy unless handed over). */
  function putRow<T extends TableName>(table: T, row: Tables[T], handOver: boolean): void {
    const id = checkId(`put(${table})`, row?.id);
    dirty.touch(table, id, tables.put(table, row, handOver) ? 'insert' : 'update');
  }
  /** A row removed and noted for the next commit; false when there was none. */
  function removeRow(table: TableName, id: string): boolean {
    if (!tables.remove(table, id)) return false;
    dirty.touch(table, id, 'remove');
    return true;
  }

  async function commit(): Promise<void> {
    if (!readonly) for (const hook of hooks) hook(hookRows);
    const to = low.data.audit_log.length;
    if (readonly || (to === committedAudit && dirty.size === 0 && unwritten.length === 0 && !dirtyMeta)) return;
    const [from, meta] = [committedAudit, dirtyMeta];
    const rows = [...unwritten, ...dirty.notes()];
    // Captured now: this is exactly what the write below puts on disk. The audit rows are
    // parsed from their lines (which never change) only if someone listens.
    const log = low.data.audit_log;
    const change: StoreChange = { audit: [], rows: touchedRows(rows, (table, id) => tables.get(table, id)).rows };
    [dirty, dirtyMeta, unwritten] = [new DirtyRows(), false, []];
    // The adapter writes these rows only (a file store appends them to its journal).
    low.data.changes = { rows, meta };
    try {
      await low.write();
    } catch (error) {
      // Nothing of this commit counts as done: keep it so the next commit retries it.
      unwritten = rows;
      dirtyMeta ||= meta;
      throw ioError(name, 'commit', error);
    } finally {
      low.data.changes = undefined;
    }
    committedAudit = to;
    if (listeners.size > 0) change.audit = log.entries(from, to);
    listeners.notify(change);
  }
  const queue = createCommitQueue(commit);

  /** Refuses mutations of a read-only or closed store. */
  function guard(op: string): void {
    if (readonly) throw new StoreError(`${name} is open read-only: ${op} is not allowed`, 'readonly', opts.path);
    if (closing) throw new StoreError(`${name} is closed: ${op} is not allowed`, 'closed', opts.path);
  }
  /** Group commit: one write per burst (every mutation until the event loop turns). */
  function changed(): void {
    if (!autoCommit || timer) return;
    timer = setImmediate(() => {
      timer = null;
      // A failed auto-commit keeps its changes pending: the next commit or flush() retries.
      queue.request().catch(() => undefined);
    });
  }
  function checkId(op: string, id: unknown): string {
    if (typeof id === 'string' && id !== '' && id !== '__proto__') return id;
    throw new TypeError(`incident-flow store: ${op}: expected a non-empty string id, got ${JSON.stringify(id)}`);
  }
  function flush(): Promise<void> {
    if (timer) clearImmediate(timer);
    timer = null;
    return queue.request();
  }
  async function refresh(): Promise<StoreChange> {
    if (!readonly || closing) return { audit: [], rows: [] };
    const before = low.data.tables;
    const seen = low.data.audit_log.length;
    low.data.changes = undefined;
    await low.read();
    // The adapter says which rows its re-read changed, or the tables are compared.
    const after: StoreData = low.data;
    const touched = after.changes ? touchedRows(after.changes.rows, (table, id) => tables.get(table, id)) : null;
    const rows = touched?.rows ?? diffTables(before, after.tables);
    const change: StoreChange = { audit: low.data.audit_log.entries(seen), rows };
    committedAudit = low.data.audit_log.length;
    tables.reindex(touched?.index ?? rows);
    listeners.notify(change);
    return change;
  }

  return {
    path: opts.path,
    readonly,
    get closed() {
      return closing !== null;
    },
    appendAudit(entry, options) {
      guard('appendAudit');
      checkId('appendAudit', entry?.id);
      // Indexed at once; serialized at once too, nothing of the object kept (no copy needed),
      // unless handed over to a memory store, which keeps it (see AuditLog.append).
      low.data.audit_log.append(entry, options?.handOver === true);
      changed();
    },
    queryAudit: (query) => low.data.audit_log.query(query),
    pageAudit: opts.pageAudit ?? (async (query) => low.data.audit_log.query(query)),
    auditCount: () => low.data.audit_log.length,
    put(table, row, options) {
      guard(`put(${table})`);
      // A copy unless handed over: the caller may go on editing its object, and the rows a
      // commit writes are the store's own, never edited in place.
      putRow(table, row, options?.handOver === true);
      changed();
    },
    get: (table, id) => tables.get(table, id),
    list: (table, where, options) => tables.list(table, where, options),
    ...fetchRows(tables, opts.load),
    each: (table, where) => tables.each(table, where),
    glance: (table) => tables.glance(table),
    remove(table, id) {
      guard(`remove(${table})`);
      if (removeRow(table, id)) changed();
    },
    getMeta: <V>(key: string) => (Object.hasOwn(low.data.meta, key) ? (low.data.meta[key] as V) : undefined),
    setMeta(key, value) {
      guard('setMeta');
      checkId('setMeta', key);
      if (value === undefined) delete low.data.meta[key];
      else low.data.meta[key] = value;
      dirtyMeta = true;
      changed();
    },
    subscribe: (listener) => listeners.subscribe(listener),
    beforeCommit(hook) {
      hooks.add(hook);
      return { changed, off: () => void hooks.delete(hook) };
    },
    flush,
    // In the commits' line, so a refresh never interleaves with a commit or another refresh.
    refresh: () => queue.exclusive(refresh),
    close() {
      // The last flush, then the files (onClose): if either fails, the store is not closed,
      // and the caller may retry once the disk is back.
      closing ??= flush()
        .then(() => opts.onClose?.())
        .catch((error: unknown) => {
          closing = null;
          throw error;
        });
      return closing;
    },
  };
}
