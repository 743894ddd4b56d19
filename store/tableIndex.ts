import { canonicalJson } from './canonicalJson.js';
import { Posting } from './posting.js';

type Row = { id: string } & Record<string, unknown>;
type Key = string | number | boolean | null;
interface FieldIndex {
  /**
   * Per value, its rows: the id itself while one row holds it (an id-like value: a job's
   * incidentId, a closedAt time), a Posting once two do (about 200 bytes of heap less per
   * row for a field whose values are mostly unique); null once no row holds it (see
   * `dropValue`).
   */
  byValue: Map<Key, Posting | string | null>;
  /** The value each row was indexed under: a row mutated in place is still found and moved. */
  keyOf: Map<string, Key>;
  /** Values in `byValue` that no row holds (null entries). */
  dropped: number;
}

/**
 * Indexes for one table: the insertion order of its rows, and equality indexes on
 * top-level fields, each built the first time `list` filters on that field and kept up
 * to date afterwards (so `incidents` by status/agent/fingerprint, `jobs` by agent... cost
 * nothing until asked for, and one scan when first asked).
 */
export class TableIndex {
  #seq = new Map<string, number>();
  readonly #fields = new Map<string, FieldIndex>();
  #next = 0;
  /** Rows deleted from `#seq` since it was last rebuilt. */
  #removed = 0;

  constructor(rows: Record<string, unknown>) {
    for (const id in rows) this.#seq.set(id, this.#next++);
  }

  /** Records that row `id` became `row` (undefined: removed). */
  update(id: string, row: Row | undefined): void {
    if (!row) {
      if (this.#seq.delete(id) && ++this.#removed > REBUILD_AFTER && this.#removed > this.#seq.size) {
        this.#seq = new Map(this.#seq);
        this.#removed = 0;
      }
    } else if (!this.#seq.has(id)) this.#seq.set(id, this.#next++);
    for (const [field, index] of this.#fields) {
      const key = row && isKey(row[field]) ? (row[field] as Key) : undefined;
      // Most puts leave an indexed field as it was: nothing to move.
      if (key !== undefined && index.keyOf.has(id) && index.keyOf.get(id) === key) continue;
      // A row that moves keeps its keyOf entry (overwritten by indexAs): deleting and
      // re-adding it would leave a tombstone in keyOf per move.
      unindex(index, id, key === undefined);
      if (key !== undefined) this.#indexAs(index, id, key);
    }
  }

  /**
   * Rows in insertion order whose top-level fields equal `where`'s (undefined values
   * are ignored; objects and arrays compare by value); `last`: only the last that many.
   * A table may hold a number in place of a row kept on disk only (see ColdRows): `read`
   * gives the row of an id either way. Such a row is checked against the indexes, not
   * read, so a listing reads back only the rows it returns.
   */
  list<R>(rows: Record<string, R | number>, where: object = {}, last?: number, read: (id: string) => R = (id) => rows[id] as R): R[] {
    const conds = Object.entries(where).filter(([, v]) => v !== undefined);
    const tail = (ids: string[]) => (last === undefined ? ids : last > 0 ? ids.slice(-last) : []).map(read);
    if (conds.length === 0) return tail(Object.keys(rows));
    const matches = (row: Row) => conds.every(([field, value]) => equal(row[field], value));
    const accept = (id: string) => {
      if (!Object.hasOwn(rows, id)) return false;
      const row = rows[id];
      if (typeof row !== 'number') return matches(row as Row);
      return conds.every(([field, value]) => {
        const index = isKey(value) ? this.#fields.get(field) : undefined;
        return index ? index.keyOf.get(id) === value : equal((read(id) as Row)[field], value);
      });
    };
    let best: Posting | null = null;
    for (const [field, value] of conds) {
      if (!isKey(value)) continue;
      const found = this.#field(field, rows, read).byValue.get(value as Key);
      if (!found) return [];
      // One row holds the value: it is the answer, or there is none.
      if (typeof found === 'string') return accept(found) ? tail([found]) : [];
      if (!best || found.size < best.size) best = found;
    }
    if (!best) return tail(Object.keys(rows).filter(accept));
    // Entry order is table order: the last rows are read from the end, costing what they return.
    if (last !== undefined && best.inOrder) return best.tail(last, accept).reverse().map(read);
    const out: string[] = [];
    for (const id of best.ids) if (accept(id)) out.push(id);
    if (best.inOrder) return tail(out);
    // Ids entered this value's set out of table order (a row moved into it): sort them back.
    const seq = (id: string) => this.#seq.get(id) ?? 0;
    return tail(out.sort((a, b) => seq(a) - seq(b)));
  }

  #field(field: string, rows: Record<string, unknown>, read: (id: string) => unknown): FieldIndex {
    let index = this.#fields.get(field);
    if (!index) {
      index = { byValue: new Map(), keyOf: new Map(), dropped: 0 };
      for (const id in rows) {
        const value = (read(id) as Row)[field];
        if (isKey(value)) this.#indexAs(index, id, value as Key);
      }
      this.#fields.set(field, index);
    }
    return index;
  }

  #indexAs(index: FieldIndex, id: string, key: Key): void {
    index.keyOf.set(id, key);
    const ids = index.byValue.get(key);
    if (ids === undefined || ids === null) {
      if (ids === null) index.dropped--;
      index.byValue.set(key, id);
    } else if (typeof ids !== 'string') ids.add(id, this.#seq.get(id) ?? 0);
    else if (ids !== id) {
      const posting = new Posting();
      posting.add(ids, this.#seq.get(ids) ?? 0);
      posting.add(id, this.#seq.get(id) ?? 0);
      index.byValue.set(key, posting);
    }
  }
}

/** Takes `id` out of its value's set; `forget`: the row is gone, drop its keyOf entry too. */
function unindex(index: FieldIndex, id: string, forget: boolean): void {
  if (!index.keyOf.has(id)) return;
  const key = index.keyOf.get(id) as Key;
  if (forget) index.keyOf.delete(id);
  const ids = index.byValue.get(key);
  if (typeof ids === 'string') {
    if (ids === id) dropValue(index, key);
    return;
  }
  ids?.delete(id);
  if (ids?.size === 0) dropValue(index, key);
}

/**
 * Rebuild a map once it has dropped more keys than it holds (and at least this many):
 * V8's ordered hash maps keep a deleted entry in its bucket chain until the table is
 * rehashed, and a map whose size stays level (values that come and go: an incident id,
 * a status) is rarely rehashed, so every lookup walks more dead entries as a run goes on.
 */
const REBUILD_AFTER = 1024;

/**
 * Marks a value no row holds any more (its entry set to null, not deleted), and rebuilds
 * `byValue` without such entries once they outnumber the live ones. Deleting it would leave
 * a dead entry in its bucket each time a value empties and fills again: a job's
 * `incidentId` is null from its submit until its incident opens, so every job did that to
 * the null entry, in one chain, while the map of incident ids kept growing and was rarely
 * rehashed, and each lookup of null walked them all (9 µs a job at 20k jobs, 17 at 40k).
 */
function dropValue(index: FieldIndex, key: Key): void {
  index.byValue.set(key, null);
  if (++index.dropped > REBUILD_AFTER && index.dropped > index.byValue.size - index.dropped) {
    const live = new Map<Key, Posting | string | null>();
    for (const [value, ids] of index.byValue) if (ids !== null) live.set(value, ids);
    index.byValue = live;
    index.dropped = 0;
  }
}

function isKey(value: unknown): boolean {
  return value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
}

function equal(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  return typeof b === 'object' && b !== null && typeof a === 'object' && a !== null && canonicalJson(a) === canonicalJson(b);
}
