import { grown } from './grown.js';
import { KeyNumbers } from './keyNumbers.js';
import type { RowNumbers } from './keyNumbers.js';

/** A row in the table object, in an Int32Array of places (see TableOrder's `#at`). */
const IN_MEMORY = -0x80000000;

/** Compact the numbers once removals have freed more than the rows hold (and at least this many). */
const COMPACT_AFTER = 1024;

/**
 * A file store writer's table whose done rows are kept on disk (see ColdRows): the ids of
 * all its rows in table order, outside V8's heap (KeyNumbers), each with where its JSON is
 * on disk, or NaN while the table object holds the row. A row kept on disk has no entry
 * in the table object: a done row costs its id's bytes and about 30 bytes of typed arrays,
 * none of them in the heap, where an entry and its id string cost about 70 bytes that V8
 * lets grow to 3–4 times what is live. Ids that read as array indexes (an object lists
 * them first, by value) are left out: their rows stay in the table object (see `tableIds`).
 * @example const order = TableOrder.of(rows); order.place('job_1', 812); order.at('job_1') // 812
 */
export class TableOrder {
  /** Per row number (table order), its id. */
  #ids = new KeyNumbers<string>();
  /**
   * Per row number, where the row is on disk (see `#place`): 4 bytes a row while every place
   * fits in an Int32Array (files under 2 GiB), IN_MEMORY for a row in the table object; 8 once
   * one does not (a Float64Array, NaN for a row in the table object).
   */
  #at: Int32Array | Float64Array = new Int32Array(16);

  /** The order of a table object's rows, all in memory. */
  static of(rows: Record<string, unknown> | undefined): TableOrder {
    const order = new TableOrder();
    for (const id in rows) order.add(id);
    return order;
  }

  /**
   * Each row's number (table order) and id, one for the other: a table index numbers its
   * rows by them (see TableIndex). A compaction makes new ones; these are not changed again.
   */
  get numbers(): RowNumbers {
    return this.#ids;
  }

  /** Rows held, array-index ids left out. */
  get size(): number {
    return this.#ids.size;
  }

  /** Where row `id` is kept on disk; NaN: in the table object; undefined: not a row here. */
  at(id: string): number | undefined {
    const no = this.#ids.get(id);
    return no === undefined ? undefined : this.#placeOf(no);
  }

  /** A new row, last, in the table object (an array-index id is not held). */
  add(id: string): void {
    if (isArrayIndex(id)) return;
    const no = this.#ids.add(id);
    if (no >= this.#at.length) this.#at = grown(this.#at, no);
    this.#place(no, NaN);
  }

  /** Row `id` is now kept on disk at `at` (NaN: in the table object again). False: not a row here. */
  place(id: string, at: number): boolean {
    const no = this.#ids.get(id);
    if (no === undefined) return false;
    this.#place(no, at);
    return true;
  }

  /** Forgets row `id`. */
  delete(id: string): void {
    if (this.#ids.delete(id) === undefined) return;
    const freed = this.#ids.length - this.#ids.size;
    if (freed > COMPACT_AFTER && freed > this.#ids.size) this.#compact();
  }

  /** Calls `each` with every row's id and place (NaN: in memory), in table order. */
  forEach(each: (id: string, at: number) => void): void {
    for (let no = 0; no < this.#ids.length; no++) {
      const id = this.#ids.keyOf(no);
      if (id !== undefined) each(id, this.#placeOf(no));
    }
  }

  /**
   * The rows as they stand now (`rows`: the table object, for those in memory), for a fold
   * that writes them while the table changes on: where each row is, copied into a typed
   * array, and the objects of the rows in memory; each id is read from the order's bytes
   * when asked for (`keyAt`: numbers only grow, and a compaction numbers the rows in a new
   * KeyNumbers, so this one's bytes stay as they are). No id is held as a string.
   */
  image(rows: Record<string, unknown>): RowsImage {
    const keys = this.#ids;
    const [nos, at, held] = [new Int32Array(keys.size), new Float64Array(keys.size), new Map<number, unknown>()];
    let k = 0;
    for (let no = 0; no < keys.length; no++) {
      if (!keys.has(no)) continue;
      [nos[k], at[k]] = [no, this.#placeOf(no)];
      if (Number.isNaN(at[k])) held.set(k, rows[keys.keyAt(no) as string]);
      k++;
    }
    return { size: k, id: (k) => keys.keyAt(nos[k]) as string, row: (k) => (Number.isNaN(at[k]) ? held.get(k) : at[k]) };
  }

  /** Numbers the rows 0, 1, 2... again: the arrays stay the size of the table, not of every row it ever held. */
  #compact(): void {
    const [before, ids] = [this, new KeyNumbers<string>()];
    const places: number[] = [];
    before.forEach((id, place) => {
      places[ids.add(id)] = place;
    });
    [this.#ids, this.#at] = [ids, new Int32Array(Math.max(16, ids.size * 2))];
    places.forEach((place, no) => this.#place(no, place));
  }

  /** Where row `no` is on disk; NaN: in the table object. */
  #placeOf(no: number): number {
    const at = this.#at[no];
    return at === IN_MEMORY && this.#at instanceof Int32Array ? NaN : at;
  }

  /** Row `no` is kept at `at` (NaN: in the table object); a place an Int32Array cannot hold widens the array. */
  #place(no: number, at: number): void {
    if (this.#at instanceof Int32Array) {
      if (Number.isNaN(at)) return void (this.#at[no] = IN_MEMORY);
      if (at > IN_MEMORY && at <= 0x7fffffff && Number.isInteger(at)) return void (this.#at[no] = at);
      const wide = new Float64Array(this.#at.length);
      for (let k = 0; k < wide.length; k++) wide[k] = this.#at[k] === IN_MEMORY ? NaN : this.#at[k];
      this.#at = wide;
    }
    this.#at[no] = at;
  }
}

/**
 * The ids of a table's rows in table order: the object's own keys, or with a TableOrder,
 * the array-index ids the object lists first, then the order's.
 */
export function tableIds(rows: Record<string, unknown>, order: TableOrder | undefined): string[] {
  if (!order) return Object.keys(rows);
  const ids = objectIds(rows, order);
  order.forEach((id) => ids.push(id));
  return ids;
}

/** The ids of the rows a table object lists itself: all of them, or with a TableOrder the array-index ids it lists first. */
function objectIds(rows: Record<string, unknown>, order: TableOrder | undefined): string[] {
  const ids: string[] = [];
  // An object enumerates its array-index keys first: the first other key ends them.
  for (const id in rows) {
    if (order && !isArrayIndex(id)) break;
    ids.push(id);
  }
  return ids;
}

/** A table's rows as they stood at one instant, in table order: row `k`'s id, and its object or where it is kept on disk. */
export interface RowsImage {
  size: number;
  id(k: number): string;
  row(k: number): unknown;
}

/**
 * A table's rows as they stand now, in table order (see `tableIds`), for a fold: a table
 * with a TableOrder without an array of its ids (see TableOrder.image).
 */
export function rowsImage(rows: Record<string, unknown>, order: TableOrder | undefined): RowsImage {
  const first = objectIds(rows, order);
  const objects = first.map((id) => rows[id]);
  const rest = order?.image(rows);
  const n = first.length;
  return {
    size: n + (rest?.size ?? 0),
    id: (k) => (k < n ? first[k] : (rest as RowsImage).id(k - n)),
    row: (k) => (k < n ? objects[k] : (rest as RowsImage).row(k - n)),
  };
}

/** A row of a table: its object, or (a row kept on disk) where it is; undefined: no such row. */
export function tableRow(rows: Record<string, unknown>, order: TableOrder | undefined, id: string): unknown {
  if (Object.hasOwn(rows, id)) return rows[id];
  const at = order?.at(id);
  return at === undefined || Number.isNaN(at) ? undefined : at;
}

/** Whether an object lists `id` among its array indexes (first, by value): a canonical integer below 2³² − 1. */
export function isArrayIndex(id: string): boolean {
  const c = id.charCodeAt(0);
  return c >= 0x30 && c <= 0x39 && /^(?:0|[1-9]\d{0,9})$/.test(id) && Number(id) < 4294967295;
}
