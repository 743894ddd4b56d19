import { closeSync, openSync, readSync } from 'node:fs';
import { crc32 } from './crc32.js';
import { corrupt } from './storeFiles.js';

/** What a writer keeps read back from its side file's parts at once, at most (bytes). */
export const CACHE_BYTES = 4 * 1024 * 1024;
const NEWLINE = 0x0a;

/**
 * One part of the audit index's side file, as a writer finds it again: its rows [from, to),
 * the audit file bytes [start, end) their lines take (newlines included), where its row
 * lengths are in the side file (each INDEXED field's value numbers follow, 4 bytes a row),
 * and the CRC-32 of the lengths and of each column as written.
 */
export interface PartPlace {
  from: number;
  to: number;
  start: number;
  end: number;
  at: number;
  crcs: number[];
}

/** How a part's rows are found when the side file no longer holds them as written (gone, cut, changed). */
export interface PartRescue {
  /** The audit file, named when it no longer holds the rows either. */
  file(): string;
  /** Bytes [start, end) of the audit file. */
  read(start: number, end: number): Buffer;
  /** Rows [from, to)'s value numbers of INDEXED field `field`, from the rows themselves. */
  numbers(field: number, from: number, to: number): Uint32Array;
}

type Cached = Uint32Array | Float64Array;

/**
 * One of a part's arrays (its line ends, a field's column), read row by row: the part last
 * read is kept, so rows asked for in order (a query's matches, a run of lines) skip the
 * search for their part and the cache's key and reordering. A part's arrays never change
 * once it is added, and parts are only added, so what is kept stays true. Each reader (a
 * log's line ends, each indexed column) holds one part's array, which the cache may have let
 * go: beyond CACHE_BYTES and `cachedBytes`, at most 8 bytes a row of a part for the ends and
 * 4 for each column.
 * @example const ends = new PartRows(parts, (k) => parts.ends(k)); ends.at(1234)
 */
export class PartRows {
  readonly #parts: AuditParts;
  readonly #read: (k: number) => Cached;
  #from = 0;
  #to = 0;
  #array: Cached | null = null;

  constructor(parts: AuditParts, read: (k: number) => Cached) {
    [this.#parts, this.#read] = [parts, read];
  }

  /** Row `pos`'s value in its part's array (`pos` < the parts' rows). */
  at(pos: number): number {
    if (pos < this.#from || pos >= this.#to || !this.#array) {
      const k = this.#parts.partOf(pos);
      const { from, to } = this.#parts.place(k);
      [this.#from, this.#to, this.#array] = [from, to, this.#read(k)];
    }
    return this.#array[pos - this.#from];
  }
}

/** The CRC-32 of an array's bytes, as a part's `crcs` hold them. */
export function crcOf(array: Uint32Array): number {
  return crc32(new Uint8Array(array.buffer, array.byteOffset, array.byteLength));
}

/**
 * A writer's audit rows that are in the side file: where each part is (a few numbers a
 * part), and what is read back from it when asked (a part's line ends, a field's column,
 * or what a caller makes of them: `cached`), in a cache of CACHE_BYTES at most, the least
 * recently used let go first. So what the writer holds for these rows here does not grow
 * with them (a field a query filters on keeps its values per part apart: see partPositions.ts).
 * A part whose arrays no longer match their CRC is read from the audit file instead.
 * @example const parts = new AuditParts('run.audit.idx', rescue); parts.add(place); parts.column(0, 1)
 */
export class AuditParts {
  readonly #path: string;
  readonly #rescue: PartRescue;
  readonly #places: PartPlace[] = [];
  readonly #cache = new Map<string, Cached>();
  #cachedBytes = 0;
  /** Parts whose side file arrays did not read back as written: read from the audit file from then on. */
  readonly #unreadable = new Set<number>();

  constructor(path: string, rescue: PartRescue) {
    [this.#path, this.#rescue] = [path, rescue];
  }

  /** How many parts there are. */
  get count(): number {
    return this.#places.length;
  }

  /** Rows [0, rows) are in the parts. */
  get rows(): number {
    return this.#places.length === 0 ? 0 : this.#places[this.#places.length - 1].to;
  }

  /** Audit bytes [0, bytes) are the parts' rows' lines. */
  get bytes(): number {
    return this.#places.length === 0 ? 0 : this.#places[this.#places.length - 1].end;
  }

  /** Bytes of what is read back and kept (at most CACHE_BYTES, but for the last thing read). */
  get cachedBytes(): number {
    return this.#cachedBytes;
  }

  /** The next part (its rows follow the last part's). */
  add(place: PartPlace): void {
    if (place.from !== this.rows || place.start !== this.bytes) throw new Error(`audit index part at row ${place.from} does not follow row ${this.rows}`);
    this.#places.push(place);
  }

  place(k: number): PartPlace {
    return this.#places[k];
  }

  /** The part holding row `pos` (< `rows`). */
  partOf(pos: number): number {
    let [lo, hi] = [0, this.#places.length - 1];
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (this.#places[mid].from <= pos) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /** Where each line of part `k` ends in the audit file, its newline included. */
  ends(k: number): Float64Array {
    return this.cached(`${k}:ends`, () => {
      const place = this.#places[k];
      const ends = new Float64Array(place.to - place.from);
      const lengths = this.#section(k, 0);
      if (lengths) {
        for (let i = 0, end = place.start; i < ends.length; i++) ends[i] = end += lengths[i] + 1;
        if (ends[ends.length - 1] === place.end) return ends;
      }
      // The side file no longer has them: the newlines of the part's bytes in the audit file.
      const bytes = this.#rescue.read(place.start, place.end);
      let i = 0;
      for (let at = bytes.indexOf(NEWLINE); at !== -1 && i < ends.length; at = bytes.indexOf(NEWLINE, at + 1)) ends[i++] = place.start + at + 1;
      if (i !== ends.length || ends[i - 1] !== place.end) {
        throw corrupt(this.#rescue.file(), `audit rows ${place.from} to ${place.to - 1} are no longer where this store wrote them (was the file changed by another program?)`, true);
      }
      return ends;
    });
  }

  /** Part `k`'s value numbers of INDEXED field `field`. */
  column(k: number, field: number): Uint32Array {
    return this.cached(`${k}:c${field}`, () => {
      const place = this.#places[k];
      return this.#section(k, 1 + field) ?? this.#rescue.numbers(field, place.from, place.to);
    });
  }

  /** What `make` makes (from a part's arrays), kept under `key` among what is read back. */
  cached<T extends Cached>(key: string, make: () => T): T {
    const found = this.#cache.get(key);
    if (found) {
      // Most recently used last: a Map iterates in insertion order.
      this.#cache.delete(key);
      this.#cache.set(key, found);
      return found as T;
    }
    const made = make();
    this.#cache.set(key, made);
    this.#cachedBytes += made.byteLength;
    for (const [old, value] of this.#cache) {
      if (this.#cachedBytes <= CACHE_BYTES || old === key) break;
      this.#cache.delete(old);
      this.#cachedBytes -= value.byteLength;
    }
    return made;
  }

  /** Array `s` of part `k` (0: line lengths, 1 + f: field f's numbers) read from the side file; null when it is not there as written. */
  #section(k: number, s: number): Uint32Array | null {
    if (this.#unreadable.has(k)) return null;
    const place = this.#places[k];
    const size = 4 * (place.to - place.from);
    // A buffer of its own: 4-byte aligned, and no pool kept alive by the cache.
    const buf = Buffer.allocUnsafeSlow(size);
    let fd: number | null = null;
    try {
      fd = openSync(this.#path, 'r');
      if (readSync(fd, buf, 0, size, place.at + s * size) !== size || crc32(buf) !== place.crcs[s]) {
        this.#unreadable.add(k);
        return null;
      }
    } catch {
      this.#unreadable.add(k);
      return null;
    } finally {
      if (fd !== null) closeSync(fd);
    }
    return new Uint32Array(buf.buffer, buf.byteOffset, size / 4);
  }
}
