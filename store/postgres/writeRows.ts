import type pg from 'pg';
import type { AuditEntry } from '../../machines/types.js';
import type { TableName } from '../types.js';
import { prepared } from './connection.js';
import { COLUMNS, fromColumns, toColumns, writtenColumns } from './rows.js';
import type { ColumnKind, ColumnValues, PgTable, RowOf } from './rows.js';

/** Rows per statement, so a big commit never builds one huge parameter. */
const BATCH = 5000;

/**
 * Inserts or updates rows of a keyed table, in the given order, on the caller's client
 * (inside its transaction). A new row takes the next `seq` (it goes last in `list`); an
 * updated row keeps its place.
 * @example await upsertRows(client, 'incidents', [incident]);
 */
export async function upsertRows<T extends TableName>(client: pg.ClientBase, table: T, rows: readonly RowOf<T>[]): Promise<void> {
  for (let at = 0; at < rows.length; at += BATCH) await client.query(prepared(...upsertStatement(table, rows.slice(at, at + BATCH))));
}

/** The statement `upsertRows` sends for rows (at most a few thousand): its text and values. */
export function upsertStatement<T extends TableName>(table: T, rows: readonly RowOf<T>[]): [string, unknown[]] {
  const updates = writtenColumns(table).filter((col) => col !== 'id').map((col) => `${col} = EXCLUDED.${col}`).join(', ');
  return [`${insertSql(table)} ON CONFLICT (id) DO UPDATE SET ${updates}`, columnArrays(table, rows)];
}

/** The statement appending audit entries (at most a few thousand) in the given order: its text and values. */
export function appendStatement(entries: readonly AuditEntry[]): [string, unknown[]] {
  return [insertSql('audit_log'), columnArrays('audit_log', entries)];
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
  const sql = `${insertSql('audit_log')} RETURNING seq`;
  let last = 0;
  for (let at = 0; at < entries.length; at += BATCH) {
    const result = await client.query<{ seq: number }>(prepared(sql, columnArrays('audit_log', entries.slice(at, at + BATCH))));
    for (const row of result.rows) last = Math.max(last, row.seq);
  }
  return last;
}

/**
 * `INSERT … SELECT` from one text array per column (`unnest`), each cast to its column's
 * type, in the order given: about seven times cheaper for the server than spreading a
 * JSON array into records (json_populate_recordset), measured on 142,000 audit rows.
 */
function insertSql(table: PgTable): string {
  const specs = [...COLUMNS[table], { column: 'extra', kind: 'jsonb' as const }];
  const names = specs.map((_, i) => `c${i}`);
  const casts = specs.map((spec, i) => (spec.kind === 'text' ? `u.c${i}` : `u.c${i}::${spec.kind}`));
  const params = specs.map((_, i) => `$${i + 1}::text[]`);
  const columns = specs.map((s) => s.column);
  // An audit row's seq is taken here, after its transaction's id (AUDIT_SEQ); other tables' by their default.
  if (table === 'audit_log') {
    columns.unshift('seq');
    casts.unshift(AUDIT_SEQ);
  }
  return `INSERT INTO ${table} (${columns.join(', ')}) SELECT ${casts.join(', ')} FROM unnest(${params.join(', ')}) WITH ORDINALITY AS u(${names.join(', ')}, ord) ORDER BY u.ord`;
}

/**
 * The `seq` an audit row takes: the number its column's own default would give
 * (`nextval`, evaluated after the ORDER BY as volatile expressions are, so in the order
 * given), taken only once the transaction has its id, which the CASE asks for first
 * (`pg_current_xact_id()` assigns one to a transaction that has none yet). A follower takes
 * a skipped number as rolled back once every transaction older than its noting read has
 * ended (auditGaps.ts); `nextval` is not transactional, so a transaction that took its number
 * before it had an id would count as younger than that read, and its row, committed later,
 * would be missed for good. Most writers have an id by then (the cluster's row locks, an
 * earlier insert), not all (a step opening a new incident locks no row; a commit with only
 * audit rows writes nothing before them; one statement's parts run in no set order): every
 * writer of audit_log goes through here.
 */
const AUDIT_SEQ = `CASE WHEN pg_current_xact_id() IS NOT NULL THEN nextval((SELECT pg_get_serial_sequence('audit_log', 'seq')::regclass)) END`;

/** The rows as one array of texts per column (nulls as null), in the order of `insertSql`. */
function columnArrays<T extends PgTable>(table: T, rows: readonly RowOf<T>[]): Array<Array<string | null>> {
  const specs = [...COLUMNS[table], { column: 'extra', kind: 'jsonb' as const }];
  const arrays = specs.map(() => new Array<string | null>(rows.length));
  rows.forEach((row, r) => {
    const values = toColumns(table, row);
    specs.forEach((spec, i) => (arrays[i][r] = asText(spec.kind, values[spec.column])));
  });
  return arrays;
}

/** A column value as the text its type reads (`toColumns` has checked it fits). */
function asText(kind: ColumnKind, value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (kind === 'jsonb') return JSON.stringify(value);
  if (kind === 'text[]') return `{${(value as string[]).map((item) => `"${item.replace(/[\\"]/g, (ch) => `\\${ch}`)}"`).join(',')}}`;
  return String(value);
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

/**
 * Rows of a keyed table by id (an id with no row is absent from the map).
 * @example (await rowsById(client, 'incidents', ['inc_1'])).get('inc_1')
 */
export async function rowsById<T extends TableName>(client: pg.ClientBase, table: T, ids: readonly string[]): Promise<Map<string, RowOf<T>>> {
  return new Map((await readRows(client, table, 'id = ANY($1::text[])', [ids])).map(({ row }) => [row.id, row]));
}
