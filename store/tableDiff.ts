import { canonicalJson } from './canonicalJson.js';
import type { StoreChange, StoreData, TableName } from './types.js';

type Tables = Record<string, Record<string, unknown>>;

/**
 * Finds the rows that differ between two reads of another process's state file (for
 * read-only stores, whose rows are parsed anew on each refresh). Rows compare by their
 * canonical JSON; the JSON of the last read is kept so each refresh serializes each row once.
 */
export class TableDiff {
  #json = new Map<string, Map<string, string>>();

  /** Changed and removed rows (`row: null`), table by table. */
  diff(before: StoreData['tables'], after: StoreData['tables']): StoreChange['rows'] {
    if (before === after) return [];
    const [old, now] = [before as unknown as Tables, after as unknown as Tables];
    const out: StoreChange['rows'] = [];
    for (const table of new Set([...Object.keys(old), ...Object.keys(now)])) {
      const prev = old[table] ?? {};
      const rows = now[table] ?? {};
      const cache = this.#json.get(table);
      const next = new Map<string, string>();
      for (const id in rows) {
        const json = canonicalJson(rows[id]);
        next.set(id, json);
        const had = cache?.get(id) ?? (Object.hasOwn(prev, id) ? canonicalJson(prev[id]) : undefined);
        if (had !== json) out.push({ table: table as TableName, id, row: rows[id] });
      }
      for (const id in prev) if (!Object.hasOwn(rows, id)) out.push({ table: table as TableName, id, row: null });
      this.#json.set(table, next);
    }
    return out;
  }
}
