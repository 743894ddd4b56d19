import { readSync } from 'node:fs';
import { crc32 } from './crc32.js';
import { GLANCED } from './rowGlance.js';
import { FORMAT, type StateIndexStamp } from './stateIndexFile.js';
import type { TableName } from './types.js';

/** Bytes read from the file at a time. */
const CHUNK_BYTES = 1024 * 1024;

/** One table's glanced values as the index file has them: where each row is, per field a column of value numbers into `values`. */
export interface ScannedGlances {
  name: string;
  at: Float64Array;
  codes: Uint32Array[];
  values: JsonTexts;
}

/** A row's glanced values as an index file read back has them: row `k` of `table` (its value numbers and their text). */
export interface PriorGlance {
  table: ScannedGlances;
  k: number;
}

/**
 * The elements of a JSON array as their text, kept as the file's bytes (outside V8's heap):
 * element `v` is the JSON from `starts[v]` to `starts[v + 1] - 1` (before its comma).
 */
export class JsonTexts {
  readonly #bytes: Buffer;
  readonly #starts: Uint32Array;

  /** `bytes`: the array's text, brackets included; null when it is not an array of balanced elements. */
  static of(bytes: Buffer): JsonTexts | null {
    const commas: number[] = [];
    let [depth, inString] = [0, false];
    for (let i = 0; i < bytes.length; i++) {
      const c = bytes[i];
      if (inString) {
        if (c === 0x5c) i++;
        else if (c === 0x22) inString = false;
      } else if (c === 0x22) inString = true;
      else if (c === 0x5b || c === 0x7b) depth++;
      else if (c === 0x5d || c === 0x7d) depth--;
      else if (c === 0x2c && depth === 1) commas.push(i);
    }
    if (depth !== 0 || bytes[0] !== 0x5b || bytes[bytes.length - 1] !== 0x5d) return null;
    // An empty array has no element; otherwise one more than its commas.
    const empty = commas.length === 0 && bytes.length === 2;
    const starts = new Uint32Array(empty ? 1 : commas.length + 2);
    starts[0] = 1;
    commas.forEach((at, v) => (starts[v + 1] = at + 1));
    starts[starts.length - 1] = bytes.length;
    return new JsonTexts(bytes, starts);
  }

  private constructor(bytes: Buffer, starts: Uint32Array) {
    [this.#bytes, this.#starts] = [bytes, starts];
  }

  get count(): number {
    return this.#starts.length - 1;
  }

  /** Element `v`'s JSON text. */
  text(v: number): string {
    return this.#bytes.toString('utf8', this.#starts[v], this.#starts[v + 1] - 1);
  }
}

/**
 * The glanced values of a state index file (see `decodeStateIndex` for its layout) that
 * describes the state file `stamp` names, read a chunk at a time: `each` is handed each
 * table that has glanced values. No id is made a string (ids are skipped as bytes) and no
 * number an array element (they go into typed arrays): `JSON.parse` of the whole file made
 * every id a string and every offset, length and CRC an element, with the file's bytes
 * and a table's line as text beside them, a transient heap that grew with the run at
 * every fold. The values stay JSON text too (see JsonTexts). Only the file as this module's writer lays it out is read (the keys in the
 * order `StateIndexBuilder` writes them, no white space). False when the file is not that
 * index, is not well formed, or its CRC does not hold: the caller then has no glances.
 * @example scanStateIndex(fd, written, (table) => glances.add(table))
 */
export function scanStateIndex(fd: number, stamp: StateIndexStamp, each: (table: ScannedGlances) => void): boolean {
  const bytes = new IndexBytes(fd);
  bytes.capture();
  if (!bytes.skipLine()) return false;
  const head = parsed(bytes.captured().subarray(0, -1)) as Record<string, unknown> | undefined;
  if (head?.stateIndex !== FORMAT || head.generation !== stamp.generation || head.stateBytes !== stamp.stateBytes || head.stateCrc !== stamp.stateCrc) return false;
  bytes.lineStart();
  while (bytes.literal('{"')) {
    // The last line: `{"crc":N}`, N the CRC-32 of every byte before it.
    if (bytes.peek() === 0x63) {
      if (!bytes.literal('crc":')) return false;
      const crc = bytes.count();
      return crc === bytes.crcBeforeLine() >>> 0 && bytes.literal('}\n') && bytes.next() === -1;
    }
    const table = scanTable(bytes, stamp.stateBytes);
    if (!table || !bytes.literal('}\n')) return false;
    bytes.lineStart();
    if (table.codes.length > 0) each(table);
  }
  return false;
}

/** A table's line, after its `{"`: its glanced values; null when it is not well formed. */
function scanTable(bytes: IndexBytes, size: number): ScannedGlances | null {
  if (!bytes.literal('name":')) return null;
  bytes.capture();
  if (!bytes.skipString()) return null;
  const name = parsed(bytes.captured());
  if (typeof name !== 'string' || !bytes.literal(',"ids":[')) return null;
  let n = 0;
  for (let more = bytes.peek() !== 0x5d; more; more = bytes.literal(',')) {
    if (!bytes.skipString()) return null;
    n++;
  }
  const at = new Float64Array(n);
  if (!bytes.literal('],"at":') || bytes.counts((k, x) => (at[k] = x)) !== n || !bytes.literal(',"length":')) return null;
  // Each row's JSON within the file, and before the next row's.
  const fits = (k: number, length: number) => at[k] + length <= (k + 1 < n ? at[k + 1] : size);
  if (bytes.counts((k, length) => fits(k, length)) !== n || !bytes.literal(',"crc":') || bytes.counts() !== n) return null;
  if (!bytes.literal(',"open":') || bytes.counts((_, k) => k < n) < 0 || !bytes.literal(',"values":')) return null;
  bytes.capture();
  if (!bytes.skipValue()) return null;
  // Left as their text: parsed, the values (a row's times, an incident id...) were most of the heap a fold held.
  const values = JsonTexts.of(bytes.captured());
  const fields = GLANCED[name as TableName]?.length ?? 0;
  if (!values || !bytes.literal(',"codes":[')) return null;
  const codes: Uint32Array[] = [];
  for (let more = bytes.peek() !== 0x5d; more; more = bytes.literal(',')) {
    const column = new Uint32Array(n);
    if (codes.push(column) > fields || bytes.counts((k, code) => code < values.count && ((column[k] = code), true)) !== n) return null;
  }
  return codes.length === fields && bytes.literal(']') ? { name, at, codes, values } : null;
}

/** JSON text parsed; undefined when it is not JSON. */
function parsed(text: Buffer): unknown {
  try {
    return JSON.parse(text.toString('utf8'));
  } catch {
    return undefined;
  }
}

/**
 * A file's bytes read in order a chunk at a time through one buffer, with the CRC-32 of
 * the bytes before the line being read, and the bytes of a stretch asked for (`capture`).
 */
class IndexBytes {
  readonly #fd: number;
  readonly #buf = Buffer.allocUnsafe(CHUNK_BYTES);
  #end = 0;
  #at = 0;
  /** The CRC-32 of the bytes before `#buf[#summed]`, and of those before the current line. */
  #crc = 0;
  #summed = 0;
  #lineCrc = 0;
  /** While capturing: the bytes captured from earlier chunks, and where the capture starts in this one. */
  #pieces: Buffer[] | null = null;
  #from = 0;

  constructor(fd: number) {
    this.#fd = fd;
  }

  /** The next byte, -1 at the end of the file. */
  next(): number {
    return this.#at < this.#end || this.#fill() ? this.#buf[this.#at++] : -1;
  }

  peek(): number {
    return this.#at < this.#end || this.#fill() ? this.#buf[this.#at] : -1;
  }

  /** Whether the next bytes are `text` (ASCII), read past them (up to the first that differs, left unread). */
  literal(text: string): boolean {
    for (let i = 0; i < text.length; i++) {
      if (this.peek() !== text.charCodeAt(i)) return false;
      this.#at++;
    }
    return true;
  }

  /** A count: a non-negative integer, as JSON writes it; -1 when there is none. */
  count(): number {
    let [n, digits] = [0, 0];
    for (let c = this.peek(); c >= 0x30 && c <= 0x39; c = this.peek()) {
      if (digits++ > 0 && n === 0) return -1;
      n = n * 10 + (c - 0x30);
      this.#at++;
    }
    return digits > 0 && digits <= 16 ? n : -1;
  }

  /** An array of counts (`[1,2,3]`), each handed to `each` with its place (false: refused); how many there were, -1 when not well formed. */
  counts(each: (k: number, n: number) => unknown = () => true): number {
    if (!this.literal('[')) return -1;
    let k = 0;
    for (let more = this.peek() !== 0x5d; more; more = this.literal(',')) {
      const n = this.count();
      if (n < 0 || each(k, n) === false) return -1;
      k++;
    }
    return this.literal(']') ? k : -1;
  }

  /** Past a JSON string; false when there is none. */
  skipString(): boolean {
    if (this.next() !== 0x22) return false;
    for (let c = this.next(); c !== 0x22; c = this.next()) {
      if (c < 0x20) return false;
      if (c === 0x5c) this.next();
    }
    return true;
  }

  /** Past a JSON array or object, its strings and nested values included (checked only for balance: `JSON.parse` reads it). */
  skipValue(): boolean {
    let depth = 0;
    do {
      const c = this.peek();
      if (c === 0x22) {
        if (!this.skipString()) return false;
        continue;
      }
      this.#at++;
      if (c === 0x5b || c === 0x7b) depth++;
      else if (c === 0x5d || c === 0x7d) depth--;
      else if (c < 0x20) return false;
    } while (depth > 0);
    return depth === 0;
  }

  /** Past the end of the line (its newline); false at the end of the file. */
  skipLine(): boolean {
    for (let c = this.next(); c !== 0x0a; c = this.next()) if (c < 0) return false;
    return true;
  }

  /** A line starts here. */
  lineStart(): void {
    this.#sum();
    this.#lineCrc = this.#crc;
  }

  /** The CRC-32 of the bytes before the current line. */
  crcBeforeLine(): number {
    return this.#lineCrc;
  }

  /** Keeps the bytes read from here until `captured`. */
  capture(): void {
    [this.#pieces, this.#from] = [[], this.#at];
  }

  captured(): Buffer {
    const pieces = this.#pieces ?? [];
    this.#pieces = null;
    return Buffer.concat([...pieces, this.#buf.subarray(this.#from, this.#at)]);
  }

  #sum(): void {
    this.#crc = crc32(this.#buf.subarray(this.#summed, this.#at), this.#crc);
    this.#summed = this.#at;
  }

  #fill(): boolean {
    this.#sum();
    this.#pieces?.push(Buffer.from(this.#buf.subarray(this.#from, this.#end)));
    this.#end = readSync(this.#fd, this.#buf, 0, this.#buf.length, null);
    [this.#at, this.#summed, this.#from] = [0, 0, 0];
    return this.#end > 0;
  }
}
