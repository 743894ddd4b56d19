import { BY_HALF, grown } from './grown.js';
import { keyHash, type Key } from './keyNumbers.js';

/** Most slots in use before the table doubles (linear probing stays short below it). */
const MAX_LOAD = 0.7;

/**
 * Values numbered 0, 1, 2... by their hash alone: a field index's numbers for a field whose
 * values are about one per row (a job's incident id), which KeyNumbers would keep the text
 * of (about 45 bytes a value) where this keeps 4 bytes of hash and 5–11 of table. Two
 * values with one hash share a number, so a lookup's rows hold the value or one that shares
 * its hash: the field index checks each row it takes (see TableIndex). Numbers are never
 * removed; the owner numbers its values again when it wants them dense (`hashAt`, `addHash`).
 * @example const c = new HashCodes(); c.add('inc_1'); c.get('inc_1') // 0
 */
export class HashCodes {
  /** Per number, its hash. */
  #hashes = new Uint32Array(16);
  #length = 0;
  /** Per slot, a number plus one (0: empty). */
  #slots = new Int32Array(32);
  #mask = 31;

  /** Numbers given out so far. */
  get length(): number {
    return this.#length;
  }

  /** The number of `value`'s hash (undefined: none yet). */
  get(value: Key): number | undefined {
    return this.numberOf(keyHash(value));
  }

  /** Numbers `value`'s hash (it has none yet: see `get`). */
  add(value: Key): number {
    return this.addHash(keyHash(value));
  }

  /** The hash numbered `no`. */
  hashAt(no: number): number {
    return this.#hashes[no];
  }

  /** Numbers a hash that has no number yet. */
  addHash(hash: number): number {
    const no = this.#length++;
    if (no === this.#hashes.length) this.#hashes = grown(this.#hashes, no, BY_HALF);
    this.#hashes[no] = hash;
    if (this.#length > this.#slots.length * MAX_LOAD) this.#grow();
    else this.#enter(hash, no);
    return no;
  }

  /** The number of a hash (undefined: none yet). */
  numberOf(hash: number): number | undefined {
    for (let slot = hash & this.#mask; ; slot = (slot + 1) & this.#mask) {
      const no = this.#slots[slot] - 1;
      if (no < 0) return undefined;
      if (this.#hashes[no] === hash) return no;
    }
  }

  #enter(hash: number, no: number): void {
    let slot = hash & this.#mask;
    while (this.#slots[slot] !== 0) slot = (slot + 1) & this.#mask;
    this.#slots[slot] = no + 1;
  }

  #grow(): void {
    const size = this.#slots.length * 2;
    [this.#slots, this.#mask] = [new Int32Array(size), size - 1];
    for (let no = 0; no < this.#length; no++) this.#enter(this.#hashes[no], no);
  }
}
