import { BY_HALF, grown } from './grown.js';
import { hashValue } from './valueTable.js';

export type Key = string | number | boolean | null;

/**
 * Most slots in use before the table doubles: linear probing compares a typed array's
 * hashes, cheap enough at 0.7 (2 probes to find a key, 6 to miss on average), and the table
 * is 4 bytes a slot: at 0.5 the 167,000 incident ids of a long rehearsal took 2 MB, at 0.7 1 MB.
 */
const MAX_LOAD = 0.7;

/**
 * How a number's key is kept: a string a byte a character (ASCII), a string two bytes a
 * UTF-16 unit, another key, an id packed (PACKED: see `idTail`); GONE marks one removed
 * (its kind kept).
 */
const [ASCII, WIDE, OTHER, GONE, PACKED] = [1, 2, 3, 4, 8];

/** The symbols of an id's tail (nanoid's, and the rehearsals' base32 among them), each 6 bits. */
const SYMBOLS = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_-';
const SYMBOL_OF = new Int8Array(128).fill(-1);
for (let i = 0; i < SYMBOLS.length; i++) SYMBOL_OF[SYMBOLS.charCodeAt(i)] = i;
/** An id's tail: 16 symbols after `<prefix>_`, kept as 12 bytes (4 symbols to 3 bytes) after its prefix's number. */
const TAIL = 16;
const PACKED_BYTES = 13;
/** Prefixes a KeyNumbers numbers at most (a byte each); ids of another prefix are kept as text. */
const MAX_PREFIXES = 255;

/**
 * Where `key`'s tail starts when it reads as an id, `<prefix>_<16 symbols>` (the engine's
 * `inc_…`, `job_…`: a short ASCII prefix and nanoid's symbols), else -1.
 */
function idTail(key: string): number {
  const tail = key.length - TAIL;
  if (tail < 2 || tail > 33 || key.charCodeAt(tail - 1) !== 0x5f) return -1;
  for (let i = tail; i < key.length; i++) {
    const c = key.charCodeAt(i);
    if (c >= 128 || SYMBOL_OF[c] < 0) return -1;
  }
  for (let i = 0; i < tail - 1; i++) if (key.charCodeAt(i) >= 128) return -1;
  return tail;
}

/**
 * Keys numbered 0, 1, 2... in the order they are added, found by key through an
 * open-addressing hash table of their numbers (linear probing, a typed array at most half
 * full): what a `Map<Key, number>` does, for the maps that grow with a run (a row number
 * per id of every row a table ever held, a value number per incident id a job names, the
 * ids of a writer's rows kept on disk: TableOrder). A Map entry costs about 40 bytes of
 * V8's heap and its key string 30 more, which V8 lets grow to 3–5 times what is live
 * between full collections; here a string key is kept as its bytes (one a character when
 * ASCII; an id, `inc_` and 16 of nanoid's symbols, packed into 13) in a buffer outside the heap, with its hash, its end and
 * its slot in typed arrays: about 10 bytes plus the text and 6–11 bytes of table (at most 70% full), none in
 * the heap. Keys that are not strings (null, booleans, numbers: a field's few values) are
 * kept as they are. `keyOf` makes the string again each time. A key removed frees its
 * number for good (`keyOf` gives undefined) and its bytes stay until the owner numbers its
 * keys again (when it wants them dense). Keys are equal as a Map's are (NaN is one key,
 * 0 and -0 are one).
 * @example const n = new KeyNumbers(); n.add('job_1'); n.get('job_1') // 0
 */
export class KeyNumbers<K extends Key = Key> {
  /** Per number: how its key is kept (ASCII, WIDE, OTHER; with GONE once removed), its hash, where its text ends in `#text`. */
  #kinds = new Uint8Array(16);
  #hashes = new Uint32Array(16);
  #ends = new Uint32Array(16);
  /** The string keys' text, one after another (a key starts where the number before it ends). */
  #text = Buffer.allocUnsafeSlow(256);
  #used = 0;
  /** The keys that are not strings, by number. */
  readonly #others = new Map<number, K>();
  /** The packed ids' prefixes, by number (a byte of each packed key), and back. */
  readonly #prefixes: string[] = [];
  readonly #prefixNos = new Map<string, number>();
  #length = 0;
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
    return this.#length;
  }

  keyOf(no: number): K | undefined {
    return this.has(no) ? this.keyAt(no) : undefined;
  }

  /** Whether number `no` holds a key now. */
  has(no: number): boolean {
    return no >= 0 && no < this.#length && (this.#kinds[no] & GONE) === 0;
  }

  /**
   * The key numbered `no`, held or removed since (a removed string key's bytes stay): what
   * a snapshot of the numbers taken before the removal reads (see TableOrder.image).
   */
  keyAt(no: number): K | undefined {
    if (!(no >= 0 && no < this.#length)) return undefined;
    const kind = this.#kinds[no] & ~GONE;
    if (kind === OTHER) return this.#others.get(no);
    const [from, to] = [no === 0 ? 0 : this.#ends[no - 1], this.#ends[no]];
    if (kind === PACKED) return this.#unpacked(from) as K;
    return this.#text.toString(kind === ASCII ? 'latin1' : 'utf16le', from, to) as K;
  }

  get(key: K): number | undefined {
    const slot = this.#slotOf(key, keyHash(key));
    return slot < 0 ? undefined : this.#slots[slot] - 1;
  }

  /** Numbers a key that is not held (the next number). */
  add(key: K): number {
    const no = this.#length++;
    if (no === this.#kinds.length) this.#growNumbers(no);
    const hash = keyHash(key);
    this.#hashes[no] = hash;
    this.#kinds[no] = typeof key === 'string' ? this.#write(key) : OTHER;
    this.#ends[no] = this.#used;
    if (this.#kinds[no] === OTHER) this.#others.set(no, key);
    if (++this.#size > this.#slots.length * MAX_LOAD) this.#grow();
    else this.#enter(hash, no);
    return no;
  }

  /** Forgets a key; its number stays unused. Returns the number, or undefined if it was not held. */
  delete(key: K): number | undefined {
    const slot = this.#slotOf(key, keyHash(key));
    if (slot < 0) return undefined;
    const no = this.#slots[slot] - 1;
    if (this.#kinds[no] === OTHER) this.#others.delete(no);
    this.#kinds[no] |= GONE;
    this.#size--;
    // Backward shift: later keys of the probe run move up into the hole, so no tombstone
    // is left for lookups to walk (a table whose rows come and go would fill with them).
    for (let hole = slot, next = (slot + 1) & this.#mask; ; next = (next + 1) & this.#mask) {
      const moved = this.#slots[next] - 1;
      if (moved < 0) {
        this.#slots[hole] = 0;
        break;
      }
      const home = this.#hashes[moved] & this.#mask;
      // The key at `next` may fill the hole unless its home lies cyclically in (hole, next].
      if (((next - home) & this.#mask) < ((next - hole) & this.#mask)) continue;
      this.#slots[hole] = moved + 1;
      hole = next;
    }
    return no;
  }

  /** The slot holding the key, or -1. NaN is one key, as in a Map. */
  #slotOf(key: K, hash: number): number {
    for (let slot = hash & this.#mask; ; slot = (slot + 1) & this.#mask) {
      const no = this.#slots[slot] - 1;
      if (no < 0) return -1;
      if (this.#hashes[no] === hash && this.#holds(no, key)) return slot;
    }
  }

  /** Whether number `no` is `key`. */
  #holds(no: number, key: K): boolean {
    const kind = this.#kinds[no];
    if (kind === OTHER) {
      const other = this.#others.get(no);
      return other === key || (key !== key && other !== other);
    }
    if (typeof key !== 'string') return false;
    const [text, from, to] = [this.#text, no === 0 ? 0 : this.#ends[no - 1], this.#ends[no]];
    if (kind === PACKED) return this.#holdsPacked(from, key);
    if (kind === ASCII) {
      if (to - from !== key.length) return false;
      for (let i = 0; i < key.length; i++) if (text[from + i] !== key.charCodeAt(i)) return false;
      return true;
    }
    if (to - from !== key.length * 2) return false;
    for (let i = 0; i < key.length; i++) if ((text[from + 2 * i] | (text[from + 2 * i + 1] << 8)) !== key.charCodeAt(i)) return false;
    return true;
  }

  /** Whether the id packed at `from` is `key`. */
  #holdsPacked(from: number, key: string): boolean {
    const [text, prefix] = [this.#text, this.#prefixes[this.#text[from]]];
    if (key.length !== prefix.length + 1 + TAIL || key.charCodeAt(prefix.length) !== 0x5f || !key.startsWith(prefix)) return false;
    for (let g = 0, at = from + 1, i = prefix.length + 1; g < TAIL / 4; g++, at += 3, i += 4) {
      const v = (text[at] << 16) | (text[at + 1] << 8) | text[at + 2];
      if (SYMBOLS.charCodeAt(v >>> 18) !== key.charCodeAt(i) || SYMBOLS.charCodeAt((v >>> 12) & 63) !== key.charCodeAt(i + 1)) return false;
      if (SYMBOLS.charCodeAt((v >>> 6) & 63) !== key.charCodeAt(i + 2) || SYMBOLS.charCodeAt(v & 63) !== key.charCodeAt(i + 3)) return false;
    }
    return true;
  }

  /** The id packed at `from`, as a string again. */
  #unpacked(from: number): string {
    const text = this.#text;
    let tail = '';
    for (let g = 0, at = from + 1; g < TAIL / 4; g++, at += 3) {
      const v = (text[at] << 16) | (text[at + 1] << 8) | text[at + 2];
      tail += SYMBOLS[v >>> 18] + SYMBOLS[(v >>> 12) & 63] + SYMBOLS[(v >>> 6) & 63] + SYMBOLS[v & 63];
    }
    return `${this.#prefixes[text[from]]}_${tail}`;
  }

  /** Room for `bytes` more bytes of text. */
  #room(bytes: number): void {
    if (this.#used + bytes <= this.#text.length) return;
    const text = Buffer.allocUnsafeSlow(Math.max(this.#used + bytes, this.#text.length + (this.#text.length >> 1)));
    this.#text.copy(text, 0, 0, this.#used);
    this.#text = text;
  }

  /** Packs an id (see `idTail`: `tail` is where its symbols start) after its prefix's number; false when no number is left for its prefix. */
  #writePacked(key: string, tail: number): boolean {
    const prefix = key.slice(0, tail - 1);
    let p = this.#prefixNos.get(prefix);
    if (p === undefined) {
      if (this.#prefixes.length === MAX_PREFIXES) return false;
      p = this.#prefixes.push(prefix) - 1;
      this.#prefixNos.set(prefix, p);
    }
    this.#room(PACKED_BYTES);
    const text = this.#text;
    let at = this.#used;
    text[at++] = p;
    for (let i = tail; i < key.length; i += 4, at += 3) {
      const v = (SYMBOL_OF[key.charCodeAt(i)] << 18) | (SYMBOL_OF[key.charCodeAt(i + 1)] << 12) | (SYMBOL_OF[key.charCodeAt(i + 2)] << 6) | SYMBOL_OF[key.charCodeAt(i + 3)];
      [text[at], text[at + 1], text[at + 2]] = [v >>> 16, (v >>> 8) & 255, v & 255];
    }
    this.#used = at;
    return true;
  }

  /** Appends a string key's text; PACKED, ASCII or WIDE, as it was kept. */
  #write(key: string): number {
    const tail = idTail(key);
    if (tail > 0 && this.#writePacked(key, tail)) return PACKED;
    let ascii = true;
    for (let i = 0; i < key.length && ascii; i++) ascii = key.charCodeAt(i) < 0x80;
    this.#room(ascii ? key.length : key.length * 2);
    this.#used += this.#text.write(key, this.#used, ascii ? 'latin1' : 'utf16le');
    return ascii ? ASCII : WIDE;
  }

  /** Room for number `no`, the arrays half as long again. */
  #growNumbers(no: number): void {
    [this.#kinds, this.#hashes, this.#ends] = [grown(this.#kinds, no, BY_HALF), grown(this.#hashes, no, BY_HALF), grown(this.#ends, no, BY_HALF)];
  }

  #enter(hash: number, no: number): void {
    let slot = hash & this.#mask;
    while (this.#slots[slot] !== 0) slot = (slot + 1) & this.#mask;
    this.#slots[slot] = no + 1;
  }

  #grow(): void {
    let size = this.#slots.length;
    while (this.#size > size * MAX_LOAD) size *= 2;
    [this.#slots, this.#mask] = [new Int32Array(size), size - 1];
    for (let no = 0; no < this.#length; no++) if ((this.#kinds[no] & GONE) === 0) this.#enter(this.#hashes[no], no);
  }
}

/** A key's hash: strings by their text, other keys by theirs with a mark of the type (1 and '1' are different keys). */
export function keyHash(key: Key): number {
  return typeof key === 'string' ? hashValue(key) : hashValue(`\u0000${typeof key}:${String(key)}`);
}

/** Row numbers and ids, one for the other: a KeyNumbers, read only (a TableOrder's, or a TableIndex's own). */
export type RowNumbers = Pick<KeyNumbers<string>, 'get' | 'keyOf' | 'length' | 'size'>;
