/**
 * The ids of the rows that hold one value of one indexed field: a set for membership, and
 * the order they entered in, so "the last n" is read from the end without listing them all.
 * @example const p = new Posting(); p.add('job_1', 0); p.add('job_2', 1); p.tail(1, () => true); // ['job_2']
 */
export class Posting {
  readonly ids = new Set<string>();
  /** Entry order, oldest first; may hold ids since removed, or re-entered (the later one counts). */
  #order: string[] = [];
  #stale = 0;
  #lastSeq = -1;
  /** Every id entered with a higher table position than the one before: entry order is table order. */
  inOrder = true;

  get size(): number {
    return this.ids.size;
  }

  add(id: string, seq: number): void {
    this.ids.add(id);
    this.#order.push(id);
    if (seq < this.#lastSeq) this.inOrder = false;
    else this.#lastSeq = seq;
  }

  delete(id: string): void {
    if (!this.ids.delete(id)) return;
    // A Set iterates in entry order too: rebuild the array from it once it is mostly stale.
    if (++this.#stale > 32 && this.#stale > this.ids.size) [this.#order, this.#stale] = [[...this.ids], 0];
  }

  /** Up to `n` ids that `take` accepts, newest first, reading from the end. */
  tail(n: number, take: (id: string) => boolean): string[] {
    const out: string[] = [];
    const seen = new Set<string>();
    for (let i = this.#order.length - 1; i >= 0 && out.length < n; i--) {
      const id = this.#order[i];
      if (seen.has(id) || !this.ids.has(id)) continue;
      seen.add(id);
      if (take(id)) out.push(id);
    }
    return out;
  }
}
