import { grown } from './grown.js';

/** Rows a value's chain holds before they move into an array of their own. */
const CHAIN_MAX = 16;

/**
 * Per value number, the positions of the rows holding it, added in ascending order: for a
 * column with many values of a few rows each (an audit log's entity ids: an incident's id
 * is in about five rows, a job's in two). Each value's rows are a chain through one array
 * of the next position per row, with the value's first and last position in arrays indexed
 * by its number: 4 bytes a row and 12 a value, no object per value (a typed array per value
 * costs about 200 bytes of heap). A value past CHAIN_MAX rows (an agent, a level) gets an
 * array of its own, so that reading its rows does not walk a chain.
 * @example const p = new PostingChains(); p.add(3, 0); p.add(3, 4); p.positions(3, 10) // [0, 4]
 */
export class PostingChains {
  /** Per position: the next position holding its value, plus one (0: none). */
  #next = new Uint32Array(1024);
  /** Per value number: its first and last position, plus one (0: no row), and how many rows. */
  #head = new Uint32Array(256);
  #tail = new Uint32Array(256);
  #count = new Uint32Array(256);
  /** Values past CHAIN_MAX rows: their positions, ascending, and how many. */
  readonly #big = new Map<number, { arr: Uint32Array; len: number }>();

  /** Row `pos` holds value number `id` (`pos` above every position added before). */
  add(id: number, pos: number): void {
    if (id >= this.#count.length) this.#growValues(id);
    const count = ++this.#count[id];
    if (count > CHAIN_MAX) return this.#push(id, pos, count);
    if (pos >= this.#next.length) this.#next = grown(this.#next, pos);
    if (count === 1) this.#head[id] = pos + 1;
    else this.#next[this.#tail[id] - 1] = pos + 1;
    this.#tail[id] = pos + 1;
  }

  /** Bytes of the arrays held. */
  get bytes(): number {
    let sum = this.#next.byteLength + this.#head.byteLength + this.#tail.byteLength + this.#count.byteLength;
    for (const { arr } of this.#big.values()) sum += arr.byteLength;
    return sum;
  }

  /** The positions below `size` holding value number `id`, ascending. */
  positions(id: number, size: number): ArrayLike<number> {
    const big = this.#big.get(id);
    if (big) {
      let len = big.len;
      while (len > 0 && big.arr[len - 1] >= size) len--;
      return big.arr.subarray(0, len);
    }
    const count = id < this.#count.length ? this.#count[id] : 0;
    const out: number[] = [];
    for (let k = 0, at = count > 0 ? this.#head[id] : 0; k < count && at !== 0 && at - 1 < size; k++) {
      out.push(at - 1);
      at = this.#next[at - 1];
    }
    return out;
  }

  /** The next row of a value past CHAIN_MAX: its chain moves into an array on the first. */
  #push(id: number, pos: number, count: number): void {
    let big = this.#big.get(id);
    if (!big) {
      big = { arr: new Uint32Array(CHAIN_MAX * 4), len: 0 };
      for (let at = this.#head[id]; big.len < count - 1; at = this.#next[at - 1]) big.arr[big.len++] = at - 1;
      this.#big.set(id, big);
    }
    if (big.len === big.arr.length) big.arr = grown(big.arr, big.len);
    big.arr[big.len++] = pos;
  }

  #growValues(id: number): void {
    this.#head = grown(this.#head, id);
    this.#tail = grown(this.#tail, id);
    this.#count = grown(this.#count, id);
  }
}
