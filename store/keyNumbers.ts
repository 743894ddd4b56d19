import { hashValue } from './valueTable.js';

export type Key = string | number | boolean | null;

/**
 * Keys numbered 0, 1, 2... in the order they are added, found by key through an
 * open-addressing hash table of their numbers (linear probing, a typed array at most half
 * full): what a `Map<Key, number>` does, for the maps of a table index that grow with a
 * run (a row number per id of every row a table ever held, a value number per incident id
 * a job names). A Map entry costs about 40 bytes of V8's heap, which V8 lets grow to 3–5
 * times what is live between full collections; here a key costs its slot in the key list
 * (4 bytes) and 8–16 bytes of table outside the heap. A key removed frees its number for
 * good (`keyOf` gives undefined); the owner numbers its keys again when it wants them dense.
 * Keys are equal as a Map's are (NaN is one key, 0 and -0 are one).
 * @example const n = new KeyNumbers(); n.add('job_1'); n.get('job_1') // 0
 */
export class KeyNumbers<K extends Key = Key> {
  /** Per number, its key (undefined: removed). */
  #keys: Array<K | undefined> = [];
  /** Per slot, a key's number plus one (0: empty). */
  #slots = new Int32Array(16);
  #mask = 15;
  #size = 0;

  /** Keys held now. */
  get size(): number {
    return this.#size;
  }

  /** Numbers given out so far (held or removed). */
  get length(): number {
    return this.#keys.length;
  }

  keyOf(no: number): K | undefined {
    return this.#keys[no];
  }

  get(key: K): number | undefined {
    const slot = this.#slotOf(key);
    return slot < 0 ? undefined : this.#slots[slot] - 1;
  }

  /** Numbers a key that is not held (the next number). */
  add(key: K): number {
    const no = this.#keys.length;
    this.#keys.push(key);
    if (++this.#size * 2 > this.#slots.length) this.#grow();
    else this.#enter(key, no);
    return no;
  }

  /** Forgets a key; its number stays unused. Returns the number, or undefined if it was not held. */
  delete(key: K): number | undefined {
    const slot = this.#slotOf(key);
    if (slot < 0) return undefined;
    const no = this.#slots[slot] - 1;
    this.#keys[no] = undefined;
    this.#size--;
    // Backward shift: later keys of the probe run move up into the hole, so no tombstone
    // is left for lookups to walk (a table whose rows come and go would fill with them).
    for (let hole = slot, next = (slot + 1) & this.#mask; ; next = (next + 1) & this.#mask) {
      const moved = this.#slots[next] - 1;
      if (moved < 0) {
        this.#slots[hole] = 0;
        break;
      }
      const home = hashOf(this.#keys[moved] as K) & this.#mask;
      // The key at `next` may fill the hole unless its home lies cyclically in (hole, next].
      if (((next - home) & this.#mask) < ((next - hole) & this.#mask)) continue;
      this.#slots[hole] = moved + 1;
      hole = next;
    }
    return no;
  }

  /** The slot holding the key, or -1. NaN is one key, as in a Map. */
  #slotOf(key: K): number {
    const keys = this.#keys;
    for (let slot = hashOf(key) & this.#mask; ; slot = (slot + 1) & this.#mask) {
      const no = this.#slots[slot] - 1;
      if (no < 0) return -1;
      if (keys[no] === key || (key !== key && keys[no] !== keys[no])) return slot;
    }
  }

  #enter(key: K, no: number): void {
    let slot = hashOf(key) & this.#mask;
    while (this.#slots[slot] !== 0) slot = (slot + 1) & this.#mask;
    this.#slots[slot] = no + 1;
  }

  #grow(): void {
    let size = this.#slots.length;
    while (this.#size * 2 > size) size *= 2;
    [this.#slots, this.#mask] = [new Int32Array(size), size - 1];
    for (let no = 0; no < this.#keys.length; no++) {
      const key = this.#keys[no];
      if (key !== undefined) this.#enter(key, no);
    }
  }
}

/** A key's hash: strings by their text, other keys by theirs with a mark of the type (1 and '1' are different keys). */
function hashOf(key: Key): number {
  return typeof key === 'string' ? hashValue(key) : hashValue(`\u0000${typeof key}:${String(key)}`);
}
