/** Row positions in ascending order, read one at a time (an array's, or rows found part by part). */
export interface Positions {
  readonly length: number;
  get(i: number): number;
}

/** An array's positions as Positions. */
export function listOf(list: ArrayLike<number>): Positions {
  return { length: list.length, get: (i) => list[i] };
}

/**
 * The values of one part's column and how many rows each has: value numbers ascending
 * (0, no value, left out) and, per value, where its rows end in the part's `orderOf`.
 * A few entries for an agent's or a level's column; kept per part for a field a query asks.
 */
export interface Directory {
  ids: Uint32Array;
  ends: Uint32Array;
}

/** The Directory of a part's column. */
export function directoryOf(column: Uint32Array): Directory {
  const counts = new Map<number, number>();
  for (let k = 0; k < column.length; k++) if (column[k] !== 0) counts.set(column[k], (counts.get(column[k]) ?? 0) + 1);
  const ids = Uint32Array.from(counts.keys()).sort();
  const ends = new Uint32Array(ids.length);
  for (let j = 0, end = 0; j < ids.length; j++) ends[j] = end += counts.get(ids[j]) as number;
  return { ids, ends };
}

/** Where value number `id` is in a Directory's `ids`, or -1. */
export function entryOf(dir: Directory, id: number): number {
  let [lo, hi] = [0, dir.ids.length];
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (dir.ids[mid] < id) lo = mid + 1;
    else hi = mid;
  }
  return lo < dir.ids.length && dir.ids[lo] === id ? lo : -1;
}

/** The part's row offsets grouped by value in `dir`'s order, ascending within a value: entry j's rows are [ends[j - 1], ends[j]). */
export function orderOf(column: Uint32Array, dir: Directory): Uint32Array {
  const next = new Uint32Array(dir.ids.length);
  for (let j = 1; j < next.length; j++) next[j] = dir.ends[j - 1];
  const order = new Uint32Array(next.length === 0 ? 0 : dir.ends[next.length - 1]);
  for (let k = 0; k < column.length; k++) if (column[k] !== 0) order[next[entryOf(dir, column[k])]++] = k;
  return order;
}

/** A value's rows in one part: the part, where they start in its `orderOf`, how many. */
export interface Run {
  part: number;
  start: number;
  count: number;
}

/**
 * A value's runs in the parts looked at so far, and the rows before each run: kept per value
 * a query asked for, and extended by the parts noted since, so a lookup does not search
 * every part's directory again.
 */
export class ValueRuns {
  readonly runs: Run[] = [];
  /** Rows before run k; the last, rows in all runs. */
  readonly before: number[] = [0];
  /** Parts looked at. */
  parts = 0;

  /** Adds the value's runs in the parts of `dirs` not looked at yet. */
  extend(dirs: readonly Directory[], id: number): this {
    for (; this.parts < dirs.length; this.parts++) {
      const dir = dirs[this.parts];
      const j = entryOf(dir, id);
      if (j < 0) continue;
      const start = j === 0 ? 0 : dir.ends[j - 1];
      this.runs.push({ part: this.parts, start, count: dir.ends[j] - start });
      this.before.push(this.before[this.before.length - 1] + dir.ends[j] - start);
    }
    return this;
  }
}

/**
 * A value's rows: runs in the side file's parts (each read back, through `order`, when a
 * position in it is asked for), then `tail`, the rows after the parts (positions from `base`).
 * Its length costs nothing, so a query picks its most selective list and counts its
 * matches without reading them; a page or a bisection reads the parts its positions are in.
 */
export class PartPositions implements Positions {
  readonly length: number;
  readonly #runs: readonly Run[];
  readonly #before: readonly number[];
  /** Runs and rows in them, as `runs` stood when this was made (they may grow after). */
  readonly #count: number;
  readonly #inParts: number;
  readonly #tail: ArrayLike<number>;
  readonly #base: number;
  readonly #order: (part: number) => { from: number; order: Uint32Array };

  constructor(runs: ValueRuns, tail: ArrayLike<number>, base: number, order: (part: number) => { from: number; order: Uint32Array }) {
    [this.#runs, this.#before, this.#count, this.#inParts] = [runs.runs, runs.before, runs.runs.length, runs.before[runs.runs.length]];
    [this.#tail, this.#base, this.#order] = [tail, base, order];
    this.length = this.#inParts + tail.length;
  }

  get(i: number): number {
    if (i >= this.#inParts) return this.#base + this.#tail[i - this.#inParts];
    let [lo, hi] = [0, this.#count - 1];
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (this.#before[mid] <= i) lo = mid;
      else hi = mid - 1;
    }
    const run = this.#runs[lo];
    const { from, order } = this.#order(run.part);
    return from + order[run.start + i - this.#before[lo]];
  }
}
