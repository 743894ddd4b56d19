import { canonicalJson } from './canonicalJson.js';

type Row = { id: string } & Record<string, unknown>;
type Key = string | number | boolean | null;
interface FieldIndex {
  byValue: Map<Key, Set<string>>;
  /** The value each row was indexed under: a row mutated in place is still found and moved. */
  keyOf: Map<string, Key>;
}

/**
 * Indexes for one table: the insertion order of its rows, and equality indexes on
 * top-level fields, each built the first time `list` filters on that field and kept up
 * to date afterwards (so `incidents` by status/agent/fingerprint, `jobs` by agent... cost
 * nothing until asked for, and one scan when first asked).
 */
export class TableIndex {
  readonly #seq = new Map<string, number>();
  readonly #fields = new Map<string, FieldIndex>();
  #next = 0;

  constructor(rows: Record<string, unknown>) {
    for (const id in rows) this.#seq.set(id, this.#next++);
  }

  /** Records that row `id` became `row` (undefined: removed). */
  update(id: string, row: Row | undefined): void {
    if (!row) this.#seq.delete(id);
    else if (!this.#seq.has(id)) this.#seq.set(id, this.#next++);
    for (const [field, index] of this.#fields) {
      const key = row && isKey(row[field]) ? (row[field] as Key) : undefined;
      // Most puts leave an indexed field as it was: nothing to move.
      if (key !== undefined && index.keyOf.has(id) && index.keyOf.get(id) === key) continue;
      unindex(index, id);
      if (key !== undefined) indexAs(index, id, key);
    }
  }

  /**
   * Rows in insertion order whose top-level fields equal `where`'s (undefined values
   * are ignored; objects and arrays compare by value).
   */
  list<R>(rows: Record<string, R>, where: object = {}): R[] {
    const conds = Object.entries(where).filter(([, v]) => v !== undefined);
    if (conds.length === 0) return Object.values(rows);
    const matches = (row: Row) => conds.every(([field, value]) => equal(row[field], value));
    let best: Set<string> | null = null;
    for (const [field, value] of conds) {
      if (!isKey(value)) continue;
      const found = this.#field(field, rows).byValue.get(value as Key);
      if (!found) return [];
      if (!best || found.size < best.size) best = found;
    }
    if (!best) return Object.values(rows).filter((row) => matches(row as Row));
    const out: R[] = [];
    for (const id of best) {
      const row = rows[id];
      if (row && matches(row as Row)) out.push(row);
    }
    // Index sets hold ids in the order they entered the set, not the table's order.
    const seq = (row: R) => this.#seq.get((row as Row).id) ?? 0;
    return out.sort((a, b) => seq(a) - seq(b));
  }

  #field(field: string, rows: Record<string, unknown>): FieldIndex {
    let index = this.#fields.get(field);
    if (!index) {
      index = { byValue: new Map(), keyOf: new Map() };
      for (const id in rows) {
        const value = (rows[id] as Row)[field];
        if (isKey(value)) indexAs(index, id, value as Key);
      }
      this.#fields.set(field, index);
    }
    return index;
  }
}

function indexAs(index: FieldIndex, id: string, key: Key): void {
  index.keyOf.set(id, key);
  const ids = index.byValue.get(key);
  if (ids) ids.add(id);
  else index.byValue.set(key, new Set([id]));
}

function unindex(index: FieldIndex, id: string): void {
  if (!index.keyOf.has(id)) return;
  const key = index.keyOf.get(id) as Key;
  index.keyOf.delete(id);
  const ids = index.byValue.get(key);
  ids?.delete(id);
  if (ids?.size === 0) index.byValue.delete(key);
}

function isKey(value: unknown): boolean {
  return value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
}

function equal(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  return typeof b === 'object' && b !== null && typeof a === 'object' && a !== null && canonicalJson(a) === canonicalJson(b);
}
