import { BY_HALF, grown, TWICE } from './grown.js';

/**
 * The rows that hold one value of one indexed field, as row numbers (a table's insertion
 * order, see TableIndex) in a typed array: 4 bytes a row, no object per row. Whether a row
 * still holds the value is the field's column's to say (`holds`): a row that left keeps
 * its entry until there are more such entries than live ones. Row numbers entered out of
 * order (a row moved into the value) are sorted back on the next read, so a read walks
 * them in table order and "the last n" is read from the end.
 * @example const p = new Posting(); p.add(3); p.add(7); p.tail(1, () => true, () => true); // [7]
 */
export class Posting {
  #nos = new Int32Array(4);
  #len = 0;
  /** Rows that hold the value now. */
  size = 0;
  #sorted = true;

  /** Row `no` now holds the value (it did not just before). */
  add(no: number): void {
    this.size++;
    const last = this.#len > 0 ? this.#nos[this.#len - 1] : -1;
    // Back in the value it left last: its entry is still there.
    if (no === last) return;
    if (no < last) this.#sorted = false;
    if (this.#len === this.#nos.length) this.#nos = grown(this.#nos, this.#len, TWICE);
    this.#nos[this.#len++] = no;
  }

  /** Row `no` no longer holds the value; `holds` tells which rows still do. */
  delete(holds: (no: number) => boolean): void {
    this.size--;
    if (this.#len - this.size > 32 && this.#len - this.size > this.size) this.#normalize(holds);
  }

  /** The rows holding the value, in table order. */
  all(holds: (no: number) => boolean): number[] {
    this.#normalize(holds);
    return Array.from(this.#nos.subarray(0, this.#len));
  }

  /** Up to `n` rows holding the value that `take` accepts, newest first, reading from the end. */
  tail(n: number, holds: (no: number) => boolean, take: (no: number) => boolean): number[] {
    if (!this.#sorted) this.#normalize(holds);
    const out: number[] = [];
    for (let i = this.#len - 1; i >= 0 && out.length < n; i--) {
      const no = this.#nos[i];
      if (holds(no) && take(no)) out.push(no);
    }
    return out;
  }

  /** Keeps only the rows holding the value, each once, in order. */
  #normalize(holds: (no: number) => boolean): void {
    let kept = this.#nos.subarray(0, this.#len);
    if (!this.#sorted) kept = kept.slice().sort();
    let len = 0;
    for (let i = 0; i < kept.length; i++) {
      const no = kept[i];
      if ((len === 0 || this.#nos[len - 1] !== no) && holds(no)) this.#nos[len++] = no;
    }
    this.#len = len;
    this.#sorted = true;
    if (this.#nos.length > 8 && len < this.#nos.length / 4) this.#nos = this.#nos.slice(0, Math.max(4, len * 2));
  }
}

/**
 * Per value number of an indexed field, the rows holding it: none, one row's number, or a
 * Posting once two do. The numbers are a typed array (4 bytes a value) and only the values
 * of two rows or more have an object: a field of about a value per row (a job's incident
 * id) held a slot of V8's heap per value in a plain array, 1.9 MB at the fleet's 8×, which
 * V8 lets grow to three times what is live between full collections.
 * @example const p = new Posts(); p.push(); p.set(1, 7); p.get(1) // 7
 */
export class Posts {
  /** Per value number: 0 none, n > 0 the one row n - 1, -1 a Posting in `#many`. */
  #one: Int32Array;
  #length: number;
  readonly #many = new Map<number, Posting>();

  /** `length` value numbers (0 to length - 1), none held by a row. */
  constructor(length = 1) {
    this.#one = new Int32Array(Math.max(16, length));
    this.#length = length;
  }

  /** Value numbers given (0 first, which no value has). */
  get length(): number {
    return this.#length;
  }

  get(code: number): Posting | number | undefined {
    const one = this.#one[code];
    return one > 0 ? one - 1 : one === 0 ? undefined : this.#many.get(code);
  }

  set(code: number, post: Posting | number | undefined): void {
    if (this.#one[code] < 0) this.#many.delete(code);
    if (post === undefined) this.#one[code] = 0;
    else if (typeof post === 'number') this.#one[code] = post + 1;
    else {
      this.#one[code] = -1;
      this.#many.set(code, post);
    }
  }

  /** One more value number, held by no row. */
  push(): void {
    if (this.#length === this.#one.length) this.#one = grown(this.#one, this.#length, BY_HALF);
    this.#one[this.#length++] = 0;
  }
}
