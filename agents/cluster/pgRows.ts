import type pg from 'pg';
import type { AuditEntry } from '../../machines/types.js';
import { prepared } from '../../store/postgres/connection.js';
import { fromColumns, type ColumnValues, type PgTable, type RowOf } from '../../store/postgres/rows.js';
import { appendAuditRows, appendStatement, selectList, upsertRows, upsertStatement } from '../../store/postgres/writeRows.js';
import type { TableName } from '../../store/types.js';

/** What the cluster reads and writes through: a client inside a transaction. */
export type Sql = pg.ClientBase;

/** What a single read goes through: a transaction's client, or a client outside any transaction. */
export type Reader = Pick<pg.ClientBase, 'query'>;

/** Rows and audit entries each open transaction wrote, for the NOTIFY that tells followers (the watcher). */
const touched = new WeakMap<Sql, { rows: Array<[TableName, string]>; audit: number }>();

/** Upserts rows with the store's own row ⇄ column mapping, and remembers them for the notice. */
export async function putRows<T extends TableName>(sql: Sql, table: T, rows: ReadonlyArray<RowOf<T>>): Promise<void> {
  if (rows.length === 0) return;
  await upsertRows(sql, table, rows);
  const t = touched.get(sql);
  if (t) for (const row of rows) t.rows.push([table, (row as { id: string }).id]);
}

export async function appendAudit(sql: Sql, entries: readonly AuditEntry[]): Promise<void> {
  if (entries.length === 0) return;
  await appendAuditRows(sql, entries);
  const t = touched.get(sql);
  if (t) t.audit += entries.length;
}

/**
 * Writes gathered, then sent as one statement (each table's rows, the audit entries and any
 * other statement a data-modifying `WITH` part of it): one round trip, one parse, one plan
 * (prepared) for what a step writes, instead of one per table. Rows put twice are written
 * once (the last version, in the first one's place); audit entries go in one part, in the
 * order appended. The parts must be independent of each other (none reads what another
 * writes): they all run on the statement's one snapshot. What is written is remembered for
 * the transaction's notice, as `putRows` does.
 * @example const batch = batchOf(sql); batch.put('incidents', [record]); batch.append(audit); await batch.flush(sql);
 */
export class WriteBatch {
  private readonly tables = new Map<TableName, Map<string, unknown>>();
  private readonly entries: AuditEntry[] = [];
  private readonly statements: Array<[string, unknown[]]> = [];

  /** What pg-boss's `insert` executes through (its `db` option): its statement joins the batch. */
  readonly db = { executeSql: async (text: string, values: unknown[]) => { this.add(text, values); return { rows: [] }; } };

  put<T extends TableName>(table: T, rows: ReadonlyArray<RowOf<T>>): void {
    if (rows.length === 0) return;
    const held = this.tables.get(table) ?? new Map<string, unknown>();
    this.tables.set(table, held);
    for (const row of rows) held.set((row as { id: string }).id, row);
  }

  /** A row put in this batch and not yet written (what a read in the same transaction would miss). */
  pending<T extends TableName>(table: T, id: string): RowOf<T> | undefined {
    return this.tables.get(table)?.get(id) as RowOf<T> | undefined;
  }

  /** The rows of `table` put in this batch and not yet written. */
  pendingIn<T extends TableName>(table: T): Array<RowOf<T>> {
    return [...(this.tables.get(table)?.values() ?? [])] as Array<RowOf<T>>;
  }

  append(entries: readonly AuditEntry[]): void {
    this.entries.push(...entries);
  }

  /** A statement of its own (one, numbering its values from $1). */
  add(text: string, values: unknown[]): void {
    this.statements.push([text, values]);
  }

  /** What waits to be written: how many audit entries, and the statements added whole (pg-boss's insert among them). */
  contents(): { audit: number; statements: ReadonlyArray<[string, unknown[]]> } {
    return { audit: this.entries.length, statements: [...this.statements] };
  }

  async flush(sql: Sql): Promise<void> {
    const statement = this.take(sql);
    if (statement) await sql.query(statement);
  }

  /**
   * What `flush` sends, as one prepared statement (null: nothing to write), the batch
   * emptied and its rows remembered for the transaction's notice as if sent: for a caller
   * that sends it itself (ClusterHost.tx, with the COMMIT).
   */
  take(sql: Sql): pg.QueryConfig | null {
    const parts: Array<[string, unknown[]]> = [];
    for (const [table, rows] of this.tables) parts.push(upsertStatement(table, [...rows.values()] as never));
    if (this.entries.length > 0) parts.push(appendStatement(this.entries));
    parts.push(...this.statements);
    if (parts.length === 0) return null;
    let statement: pg.QueryConfig;
    if (parts.length === 1) statement = prepared(...parts[0]);
    else {
      const values: unknown[] = [];
      const withs = parts.map(([text, own], i) => {
        const offset = values.length;
        values.push(...own);
        return `w${i} AS (${text.replace(/\$(\d+)/g, (_, n: string) => `$${Number(n) + offset}`)})`;
      });
      statement = prepared(`WITH ${withs.join(',\n')}\nSELECT 1`, values);
    }
    const t = touched.get(sql);
    if (t) {
      for (const [table, rows] of this.tables) for (const id of rows.keys()) t.rows.push([table, id]);
      t.audit += this.entries.length;
    }
    this.tables.clear();
    this.entries.length = 0;
    this.statements.length = 0;
    return statement;
  }
}

const batches = new WeakMap<Sql, WriteBatch>();

/** The open transaction's batch of writes (flushed by the step that commits it, or before the commit). */
export function batchOf(sql: Sql): WriteBatch {
  let batch = batches.get(sql);
  if (!batch) batches.set(sql, (batch = new WriteBatch()));
  return batch;
}

/** Starts recording what this transaction writes (and drops what a failed try left unwritten). */
export function track(sql: Sql): void {
  touched.set(sql, { rows: [], audit: 0 });
  batches.delete(sql);
}

/**
 * The statement announcing the transaction's writes on the store's channel, in the
 * PostgreSQL store's notice format (followers read the rows named; past 7,900 bytes,
 * everything): sent right after the COMMIT, in its round trip (transaction's `afterCommit`).
 * Null when the transaction wrote nothing.
 */
export function announcement(sql: Sql, channel: string): pg.QueryConfig | null {
  const t = touched.get(sql);
  touched.delete(sql);
  if (!t || (t.rows.length === 0 && t.audit === 0)) return null;
  const text = JSON.stringify({ rows: t.rows, meta: false, audit: t.audit });
  return prepared('SELECT pg_notify($1, $2)', [channel, Buffer.byteLength(text) <= 7900 ? text : '{"all":true}']);
}

/** One row by id; `lock` takes the row lock (`FOR UPDATE`) until the transaction ends. */
export async function getRow<T extends PgTable>(sql: Reader, table: T, id: string, lock = false): Promise<RowOf<T> | undefined> {
  const { rows } = await sql.query<ColumnValues>(rowQuery(table, id, lock));
  return rows[0] ? fromColumns(table, rows[0]) : undefined;
}

/**
 * `getRow`'s statement (prepared), for a round trip that carries several statements (a
 * transaction's `withBegin`); `fromColumns` reads its row.
 */
export function rowQuery(table: PgTable, id: string, lock = false): pg.QueryConfig {
  return prepared(`SELECT ${selectList(table)} FROM ${table} WHERE id = $1${lock ? ' FOR UPDATE' : ''}`, [id]);
}

/** Rows matching a WHERE clause over the table's columns, in insertion order; `lock` as for `getRow` (taken in that order). */
export async function listRows<T extends PgTable>(sql: Reader, table: T, where: string, params: unknown[], lock = false): Promise<Array<RowOf<T>>> {
  const { rows } = await sql.query<ColumnValues>(prepared(`SELECT ${selectList(table)} FROM ${table} WHERE ${where} ORDER BY seq${lock ? ' FOR UPDATE' : ''}`, params));
  return rows.map((row) => fromColumns(table, row));
}
