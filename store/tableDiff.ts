import { canonicalJson } from './canonicalJson.js';
import type { RowChanges, StoreChange, StoreData, TableName } from './types.js';

type Tables = Record<string, Record<string, unknown>>;

/**
 * The rows that differ between two reads of another process's state file (read-only
 * stores). A follower's re-read keeps the object of every row whose line did not change,
 * so rows are first compared by identity; only other pairs are compared by canonical JSON.
 * @example diffTables(before, low.data.tables) // [{ table: 'jobs', id: 'job_1', row: {...} }]
 */
export function diffTables(before: StoreData['tables'], after: StoreData['tables']): StoreChange['rows'] {
  if (before === after) return [];
  const [old, now] = [before as unknown as Tables, after as unknown as Tables];
  const out: StoreChange['rows'] = [];
  for (const table of new Set([...Object.keys(old), ...Object.keys(now)])) {
    const prev = old[table] ?? {};
    const rows = now[table] ?? {};
    for (const id in rows) {
      const had = Object.hasOwn(prev, id) ? prev[id] : undefined;
      if (had === rows[id] || (had !== undefined && canonicalJson(had) === canonicalJson(rows[id]))) continue;
      out.push({ table: table as TableName, id, row: rows[id] });
    }
    for (const id in prev) if (!Object.hasOwn(rows, id)) out.push({ table: table as TableName, id, row: null });
  }
  return out;
}

/**
 * The rows a list of touches (RowChanges) changed, once each with its value now (null:
 * gone), and the index updates that replay them: a row removed and put again is unindexed
 * first, so it moves last, as it did in its table.
 * @example touchedRows(data.changes.rows, (table, id) => tables.get(table, id)).rows
 */
export function touchedRows(
  touches: RowChanges['rows'],
  get: (table: TableName, id: string) => unknown,
): { rows: StoreChange['rows']; index: StoreChange['rows'] } {
  const rows = new Map<string, StoreChange['rows'][number]>();
  const index: StoreChange['rows'] = [];
  for (const { table, id, removed } of touches) {
    const row = get(table, id) ?? null;
    const key = `${table}\u0000${id}`;
    if (!rows.has(key)) rows.set(key, removed && row !== null ? { table, id, row, readded: true } : { table, id, row });
    if (removed) index.push({ table, id, row: null });
    index.push({ table, id, row });
  }
  return { rows: [...rows.values()], index };
}
