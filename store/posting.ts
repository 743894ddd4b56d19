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
    if (this.#len === this.#nos.length) {
      const grown = new Int32Array(this.#nos.length * 2);
      grown.set(this.#nos);
      this.#nos = grown;
    }
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
