import { grown, TWICE } from './grown.js';

const SHIFT = 16;
const CHUNK = 1 << SHIFT;
const MASK = CHUNK - 1;

/** The largest value a chunk keeps in 4 bytes. */
const NARROW_MAX = 0xffffffff;

/**
 * A growable list of byte offsets (or any integers of magnitude below 2^53) in chunks of 65,536
 * that are never copied once full: 4 bytes an offset while the chunk's values are below
 * 4 GiB (a Uint32Array chunk, widened to a Float64Array once one is not), so a million
 * audit rows' ends take 4 MB, no heap objects per offset, and growing never holds two
 * copies of the list. The lists grow with a run (the audit rows' ends, a fold's places of
 * the rows it keeps on disk), so their 4 bytes more an entry were its memory too.
 * @example const ends = new ByteOffsets(); ends.push(120); ends.at(0) // 120
 */
export class ByteOffsets {
  readonly #chunks: Array<Uint32Array | Float64Array> = [];
  #length = 0;

  get length(): number {
    return this.#length;
  }

  push(value: number): void {
    const i = this.#length++;
    const k = i & MASK;
    let chunk = this.#chunks[i >>> SHIFT];
    if (!chunk) this.#chunks.push((chunk = new Uint32Array(1024)));
    else if (k === chunk.length) {
      // A chunk starts small (a small store stays small) and doubles up to CHUNK.
      this.#chunks[i >>> SHIFT] = chunk = grown(chunk, k, TWICE);
    }
    if (!(value >= 0 && value <= NARROW_MAX) && chunk instanceof Uint32Array) this.#chunks[i >>> SHIFT] = chunk = Float64Array.from(chunk);
    chunk[k] = value;
  }

  /** Bytes of the chunks held. */
  get bytes(): number {
    return this.#chunks.reduce((sum, chunk) => sum + chunk.byteLength, 0);
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
