const SHIFT = 16;
const CHUNK = 1 << SHIFT;
const MASK = CHUNK - 1;

/**
 * A growable list of byte offsets (or any integers below 2^53) at 8 bytes each, in
 * Float64Array chunks of 65,536 that are never copied once full: a million offsets take
 * 8 MB, no heap objects per offset, and growing never holds two copies of the list.
 * @example const ends = new ByteOffsets(); ends.push(120); ends.at(0) // 120
 */
export class ByteOffsets {
  readonly #chunks: Float64Array[] = [];
  #length = 0;

  get length(): number {
    return this.#length;
  }

  push(value: number): void {
    const i = this.#length++;
    const k = i & MASK;
    let chunk = this.#chunks[i >>> SHIFT];
    if (!chunk) this.#chunks.push((chunk = new Float64Array(1024)));
    else if (k === chunk.length) {
      // A chunk starts small (a small store stays small) and doubles up to CHUNK.
      const grown = new Float64Array(chunk.length * 2);
      grown.set(chunk);
      this.#chunks[i >>> SHIFT] = chunk = grown;
    }
    chunk[k] = value;
  }

  at(i: number): number {
    return this.#chunks[i >>> SHIFT][i & MASK];
  }

  /** Forgets the offsets from `length` on. */
  truncate(length: number): void {
    this.#length = Math.min(this.#length, length);
    this.#chunks.length = Math.ceil(this.#length / CHUNK);
  }
}
