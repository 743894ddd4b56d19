import type pg from 'pg';
import type { AuditEntry } from '../../machines/types.js';
import type { TableName } from '../types.js';
import { COLUMNS, fromColumns, toColumns, writtenColumns } from './rows.js';
import type { ColumnValues, PgTable, RowOf } from './rows.js';

/** Rows per statement: one JSON parameter each, so a big commit never builds one huge string. */
const BATCH = 2000;

/**
 * Inserts or updates rows of a keyed table, in the given order, on the caller's client
 * (inside its transaction). A new row takes the next `seq` (it goes last in `list`); an
 * updated row keeps its place. Rows travel as one JSON array per batch, spread into
 * columns by `json_populate_recordset`.
 * @example await upsertRows(client, 'incidents', [incident]);
 */
export async function upsertRows<T extends TableName>(client: pg.ClientBase, table: T, rows: readonly RowOf<T>[]): Promise<void> {
  const columns = writtenColumns(table);
  const list = columns.join(', ');
  const updates = columns.filter((col) => col !== 'id').map((col) => `${col} = EXCLUDED.${col}`).join(', ');
  const sql = `INSERT INTO ${table} (${list}) SELECT ${list} FROM json_populate_recordset(NULL::${table}, $1::json) WITH ORDINALITY AS r ORDER BY r.ordinality ON CONFLICT (id) DO UPDATE SET ${updates}`;
  for (let at = 0; at < rows.length; at += BATCH) {
    const batch = rows.slice(at, at + BATCH).map((row) => toColumns(table, row));
    await client.query(sql, [JSON.stringify(batch)]);
  }
}

/** Deletes rows of a keyed table by id. */
export async function deleteRows(client: pg.ClientBase, table: TableName, ids: readonly string[]): Promise<void> {
  for (let at = 0; at < ids.length; at += BATCH) await client.query(`DELETE FROM ${table} WHERE id = ANY($1::text[])`, [ids.slice(at, at + BATCH)]);
}

/**
 * Appends audit entries in the given order (each takes the next `seq`). Returns the seq
 * of the last one written (0 for none).
 * @example await appendAuditRows(client, [entry]);
 */
export async function appendAuditRows(client: pg.ClientBase, entries: readonly AuditEntry[]): Promise<number> {
  const columns = writtenColumns('audit_log').join(', ');
  const sql = `INSERT INTO audit_log (${columns}) SELECT ${columns} FROM json_populate_recordset(NULL::audit_log, $1::json) WITH ORDINALITY AS r ORDER BY r.ordinality RETURNING seq`;
  let last = 0;
  for (let at = 0; at < entries.length; at += BATCH) {
    const batch = entries.slice(at, at + BATCH).map((entry) => toColumns('audit_log', entry));
    const result = await client.query<{ seq: number }>(sql, [JSON.stringify(batch)]);
    for (const row of result.rows) last = Math.max(last, row.seq);
  }
  return last;
}

/** The SELECT list reading a table's rows back (`fromColumns` takes each result row). */
export function selectList(table: PgTable): string {
  return [...COLUMNS[table].map((s) => s.column), 'extra', 'seq'].join(', ');
}

/**
 * Reads rows of a table in `seq` order, `where` being SQL on its columns with `values`.
 * @example await readRows(client, 'incidents', 'status = $1', ['detected'])
 */
export async function readRows<T extends PgTable>(client: pg.ClientBase, table: T, where = 'TRUE', values: unknown[] = []): Promise<Array<{ seq: number; row: RowOf<T> }>> {
  const result = await client.query<ColumnValues & { seq: number }>(`SELECT ${selectList(table)} FROM ${table} WHERE ${where} ORDER BY seq`, values);
  return result.rows.map((values) => ({ seq: values.seq, row: fromColumns(table, values) }));
}
