import type {
  AgentRecord,
  AuditEntry,
  AuditLevel,
  DeadlineRecord,
  DecisionRecord,
  FollowUpRecord,
  IncidentRecord,
  JobRecord,
  KbDocument,
  NotificationRecord,
  ResponderRecord,
  TenantRecord,
  WorkflowRecord,
} from '../machines/types.js';
import type { AuditLog } from './auditLog.js';
import type { Glance } from './rowGlance.js';

/** The keyed tables of the store; `audit_log` is append-only and kept apart. */
export interface Tables {
  jobs: JobRecord;
  incidents: IncidentRecord;
  kb_documents: KbDocument;
  notifications: NotificationRecord;
  agents: AgentRecord;
  workflows: WorkflowRecord;
  tenants: TenantRecord;
  deadlines: DeadlineRecord;
  responders: ResponderRecord;
  decisions: DecisionRecord;
  followups: FollowUpRecord;
}
export type TableName = keyof Tables;
export const TABLE_NAMES: readonly TableName[] = [
  'jobs',
  'incidents',
  'kb_documents',
  'notifications',
  'agents',
  'workflows',
  'tenants',
  'deadlines',
  'responders',
  'decisions',
  'followups',
];

/** The whole database as lowdb holds it. Tables are objects keyed by row id. */
export interface StoreData {
  schemaVersion: number;
  /** Small key/value facts (scenario name, seed, virtual time of the last commit...). */
  meta: Record<string, unknown>;
  /** The audit rows: on disk once committed (a file store keeps their byte offsets), indexed in memory (see AuditLog). */
  audit_log: AuditLog;
  tables: { [T in TableName]: Record<string, Tables[T]> };
  /**
   * The rows a write carries (the store core sets it before each `low.write()`, so a file
   * adapter writes only those) or a re-read brought (a follower's adapter sets it).
   * Absent: unknown, any row may have changed.
   */
  changes?: RowChanges;
}

/**
 * Rows touched, in order: a row put again after a remove counts as removed and moves to
 * the end, where it now sits in its table (so replaying the list keeps the table order).
 */
export interface RowChanges {
  rows: ReadonlyArray<{ table: TableName; id: string; removed: boolean }>;
  meta: boolean;
}

export interface AuditQuery {
  entityId?: string;
  /** Matches `meta.agent`. */
  agent?: string;
  /** Matches `meta.workflow`. */
  workflow?: string;
  level?: AuditLevel;
  action?: string;
  /** Inclusive ISO lower bound on `ts`. */
  since?: string;
  /** Exclusive ISO upper bound on `ts`. */
  until?: string;
  /** Free-text match on message, action, actor and entityId (case-insensitive). */
  text?: string;
  /** 'asc' (oldest first, default) or 'desc'. */
  order?: 'asc' | 'desc';
  offset?: number;
  limit?: number;
}

/** How `Store.put` takes a row. */
export interface PutOptions {
  /**
   * The caller hands the row over and never edits it again: the store keeps this object
   * instead of a shallow copy (the engine's records and deadline rows, built afresh for
   * each put). Default false: the caller may go on editing its object. The object the
   * store already holds for that id (from `get`) is copied even so.
   */
  handOver?: boolean;
}

export interface ListOptions {
  /** Only the last `last` matching rows (the newest), oldest first. */
  last?: number;
}

export interface AuditPage {
  total: number;
  rows: AuditEntry[];
}

/** What changed in a commit: listeners (the watcher, engine subscribers) read it. */
export interface StoreChange {
  audit: AuditEntry[];
  /**
   * `readded`: the row was removed and put again since the last commit, so it now sits
   * last in its table's order (a follower that cannot tell leaves it out).
   */
  rows: Array<{ table: TableName; id: string; row: unknown | null; readded?: true }>;
}

/**
 * The domain store. Mutations are synchronous and in memory; they are grouped and
 * written in one commit per burst of events. `flush()` is the durability point.
 */
export interface Store {
  /** File the store lives in (a PostgreSQL store: its URL, password hidden), or null for memory. */
  readonly path: string | null;
  readonly readonly: boolean;
  /**
   * True once `close()` was called (mutations are refused from then on). Optional, so a
   * Store written elsewhere still fits: `createIncidentEngine` refuses a store that says it
   * is closed, where an engine over it would fail at its first write.
   */
  readonly closed?: boolean;

  /**
   * Appends an audit row. `options.handOver`: the caller never edits `entry` (nor anything
   * in its `meta`) again, and a memory store keeps the object itself, serialized only when
   * read (the engine's rows, frozen whole); by default the row is serialized at once and
   * nothing of the object is kept.
   */
  appendAudit(entry: AuditEntry, options?: PutOptions): void;
  queryAudit(query?: AuditQuery): AuditPage;
  /**
   * The same query answered where the rows live: the PostgreSQL store pages it in the
   * database (a viewer over a million rows never loads them); the others answer it from
   * memory. Optional, so a Store written elsewhere still fits; callers fall back to `queryAudit`.
   */
  pageAudit?(query?: AuditQuery): Promise<AuditPage>;
  auditCount(): number;

  /** Stores `row` under its id: a copy of it, unless `options.handOver` (see PutOptions). */
  put<T extends TableName>(table: T, row: Tables[T], options?: PutOptions): void;
  get<T extends TableName>(table: T, id: string): Tables[T] | undefined;
  /**
   * `get` answered where the row lives: a PostgreSQL store opened `pagedAudit` (the
   * watcher's) holds a done row (coldRows.ts `isDone`) as its glance only, and reads it from
   * the database here (its `get` refuses such a row); the others answer from memory.
   * Optional, so a Store written elsewhere still fits; callers fall back to `get`.
   * @example const incident = await (store.fetch?.('incidents', id) ?? store.get('incidents', id));
   */
  fetch?<T extends TableName>(table: T, id: string): Promise<Tables[T] | undefined>;
  /**
   * `list` answered where the rows live, as `fetch` is: the rows held as their glance that
   * may match are read from the database in one query. Callers fall back to `list`.
   */
  fetchList?<T extends TableName>(table: T, where?: Partial<Tables[T]>, options?: ListOptions): Promise<Tables[T][]>;
  /**
   * Rows in insertion order; `where` matches top-level fields by equality. `options.last`:
   * only the last n of them, at the cost of n (an implementation reads them from the end
   * of an index, as `ORDER BY position DESC LIMIT n` would), still in insertion order.
   */
  list<T extends TableName>(table: T, where?: Partial<Tables[T]>, options?: ListOptions): Tables[T][];
  /**
   * The rows `list` returns, one at a time, for a pass over a long table (a rehearsal's
   * report reads every incident this way): a file store's writer reads each row it keeps
   * on disk back when its turn comes, so the pass holds one row, not the table. The rows
   * are chosen when `each` is called; a row removed before its turn is skipped, one
   * changed before its turn comes as it is then (skipped if it no longer matches
   * `where`), one added after the call is not visited.
   * @example for (const incident of store.each('incidents', { severity: 'P0' })) count++;
   */
  each<T extends TableName>(table: T, where?: Partial<Tables[T]>): IterableIterator<Tables[T]>;
  /**
   * Every row of a table in insertion order as a listing of many rows shows it (the
   * watcher's incident list): at least the fields GLANCED names (rowGlance.ts), which a
   * file store opened read-only has from its state index file without reading each row
   * back; a row held in memory is given whole. Optional, so a Store written elsewhere
   * still fits; callers fall back to `list`.
   */
  glance?<T extends TableName>(table: T): Glance<T>[];
  remove(table: TableName, id: string): void;

  getMeta<V = unknown>(key: string): V | undefined;
  setMeta(key: string, value: unknown): void;

  /** Called after each commit with what it changed. Returns an unsubscribe function. */
  subscribe(listener: (change: StoreChange) => void): () => void;
  /**
   * Runs `hook` at the start of every commit, before the commit takes its rows: what it
   * writes through `rows` is in that commit. For state kept elsewhere and stored only as it
   * stands at each commit (the engine's deadlines: one armed and fired between two commits
   * is never written). `changed()` asks for a commit as a mutation does; `off()` unhooks.
   * Optional, so a Store written elsewhere still fits; callers then write at once.
   */
  beforeCommit?(hook: (rows: CommitRows) => void): { changed(): void; off(): void };

  /** Resolves once every mutation made before the call is on disk, fsync included. */
  flush(): Promise<void>;
  /** For read-only stores: pick up what another process has committed since. */
  refresh(): Promise<StoreChange>;
  /** Flushes, closes the files, releases the lock, stops timers. A close that fails may be retried: the lock is kept until one goes through. */
  close(): Promise<void>;
}

/** What a `beforeCommit` hook writes with: puts (handed over) and removes that join the commit under way. */
export interface CommitRows {
  put<T extends TableName>(table: T, row: Tables[T]): void;
  remove(table: TableName, id: string): void;
}

/** 2: the state file has a generation and a row journal (`X.state.jsonl`) beside it. */
export const SCHEMA_VERSION = 2;

/**
 * Thrown for stores that cannot be used; the message names the file or database. `io` is a
 * failure of the machine (disk full, permission denied); `connect` (a database URL that is
 * malformed, unreachable or refuses the login), `missing` (no store there yet) and `folder`
 * (a folder where the store's file belongs) are the user's to mend, as `corrupt` and `newer-schema` are;
 * so is `not-empty` (a rehearsal given a store that already holds rows, which its report would count).
 */
export class StoreError extends Error {
  constructor(
    message: string,
    readonly code: 'corrupt' | 'newer-schema' | 'locked' | 'io' | 'readonly' | 'closed' | 'connect' | 'missing' | 'folder' | 'not-empty',
    readonly file: string | null,
    /** For `locked`: the pid of the process holding the store, when known. */
    readonly holder: number | null = null,
  ) {
    super(`incident-flow store: ${message}`);
    this.name = 'StoreError';
  }
}
