import { open, rename, unlink } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { writeAll } from './durableFs.js';
import { crc32 } from './crc32.js';
import { grown } from './grown.js';
import { KeyNumbers } from './keyNumbers.js';
import { GLANCED, glanceValues } from './rowGlance.js';
import type { PriorGlance, ScannedGlances } from './stateIndexScan.js';
import type { TableName } from './types.js';

export const FORMAT = 1;

/** A state file smaller than this is parsed whole at open as fast as its index would be read: it gets none. */
export const STATE_INDEX_FLOOR = 1024 * 1024;

/** One table of the state index: per row (in the state file's order) its id, where its JSON is, its line's CRC and glance. */
export interface IndexedTable {
  name: string;
  ids: string[];
  /** Where each row's JSON starts in the state file, and its length in bytes. */
  at: number[];
  length: number[];
  /** CRC-32 of each row's line (`"id":{...}`, no comma): a follower tells a changed row from it. */
  crc: number[];
  /** Rows that are not done with (see `isDone`), which a reader parses at open: their numbers. */
  open: number[];
  /**
   * The rows' glanced values (see GLANCED), a column per field: `values` holds each value
   * once, `codes[f][k]` is where row k's value of field f is in it (empty: no glance).
   */
  values: unknown[];
  codes: number[][];
}

/**
 * The state index file (`X.state.idx`): derived data a writer writes after each rewrite of
 * the state file, so a read-only open need not parse every row. It names the state file it
 * describes by generation, size and CRC-32 of all its bytes, and ends with the CRC-32 of
 * its own bytes before its last line.
 */
export interface StateIndex extends StateIndexStamp {
  tables: IndexedTable[];
}

/** The state file an index describes: its generation, size and CRC-32. */
export interface StateIndexStamp {
  generation: number;
  stateBytes: number;
  stateCrc: number;
}

/**
 * A writer's side of the state index file, fed while the state file is encoded: each
 * part written (`sum`) and each row placed (`row`).
 * @example const b = new StateIndexBuilder(); for await (const p of parts) b.sum(p); await b.write(files.stateIndex, 3);
 */
export class StateIndexBuilder {
  #crc = 0;
  #bytes = 0;
  readonly #tables = new Map<number, BuiltTable>();
  readonly #sizes: readonly number[];

  /**
   * `sizes`: each table's row count when known (a fold's image has them), so its arrays are
   * made once at that size: grown by a quarter at a time, the arrays given up along the way
   * came to about four times the final ones, garbage outside V8's heap until a full collection.
   */
  constructor(sizes: readonly number[] = []) {
    this.#sizes = sizes;
  }

  /** A part of the state file, in order. */
  sum(part: Buffer): void {
    if (part.length === 0) return;
    this.#crc = crc32(part, this.#crc);
    this.#bytes += part.length;
  }

  /**
   * Row `k` of table `t` (`name`), its line, where its JSON starts and how long it is,
   * whether it is done with, and its glanced values (computed from `row` when not given).
   */
  row(t: number, name: string, id: string, line: string | Buffer, at: number, length: number, done: boolean, glance: () => Glance): void {
    let table = this.#tables.get(t);
    if (!table) this.#tables.set(t, (table = new BuiltTable(name, this.#sizes[t])));
    table.add(id, line, at, length, done, glance);
  }

  /**
   * Writes the file (a temp file renamed over it; derived data, so not synced), or, for a
   * state file under STATE_INDEX_FLOOR, removes an older one. Resolves with the state file
   * it describes, null if none was written.
   */
  async write(file: string, generation: number): Promise<StateIndexStamp | null> {
    if (this.#bytes < STATE_INDEX_FLOOR) return unlink(file).then(() => null, () => null);
    const stamp: StateIndexStamp = { generation, stateBytes: this.#bytes, stateCrc: this.#crc >>> 0 };
    const tmp = `${file}.tmp`;
    let handle: FileHandle | null = null;
    try {
      handle = await open(tmp, 'w');
      // Written as it is encoded, a table's columns in runs (JSON.stringify of the whole
      // index made its text, the lines joined and their bytes, twice its size at once).
      const out = new SummedWriter(handle);
      await out.add(JSON.stringify({ stateIndex: FORMAT, ...stamp }));
      for (const table of this.#tables.values()) {
        await out.add('\n');
        for (const piece of tablePieces(table.columns())) await out.add(piece);
      }
      await out.add('\n');
      await out.end((crc) => `{"crc":${crc}}\n`);
      await handle.close();
      handle = null;
      await rename(tmp, file);
      return stamp;
    } catch {
      await handle?.close().catch(() => undefined);
      await unlink(tmp).catch(() => undefined);
      return null;
    }
  }
}

/** A row's glanced values: as values (GLANCED order), as an index file read back has them, or none (a table with no glance). */
type Glance = unknown[] | PriorGlance | null;

/**
 * One table of an index being built: its numbers in typed arrays (made at the table's row
 * count when known, else grown by a quarter), about 4 bytes a row a field where arrays of
 * numbers took 8 and more (held for a fold's length).
 */
class BuiltTable {
  /** The ids as the file has them (`"a","b"`), bytes outside V8's heap: a string an id was held for the fold's length. */
  readonly ids = new JsonItems();
  readonly open: number[] = [];
  #at: Float64Array;
  #length: Uint32Array;
  #crc: Uint32Array;
  #codes: Uint32Array[];
  /**
   * The values by field and JSON text (`2 "x"`: field 2's value "x"; many values are a row's
   * own, times and messages): a key's number is the value's number in the file's `values`,
   * given in order of first sight. The text is kept as bytes outside V8's heap (KeyNumbers):
   * the values themselves, held for a fold's length, were most of the heap a fold held (a
   * full collection during a fold counted them as live, and set the heap's next limit from that).
   */
  readonly #values = new KeyNumbers<string>();
  /** The value numbers of the index read back (a PriorGlance's table) met so far, and the field each was met in plus one (0: not yet). */
  #prior: { table: ScannedGlances; codes: Uint32Array; field: Uint8Array } | null = null;

  constructor(readonly name: string, rows = 0) {
    const fields = GLANCED[name as TableName] ?? [];
    const size = Math.max(rows, 1);
    [this.#at, this.#length, this.#crc] = [new Float64Array(size), new Uint32Array(size), new Uint32Array(size)];
    this.#codes = fields.map(() => new Uint32Array(size));
  }

  add(id: string, line: string | Buffer, at: number, length: number, done: boolean, glance: () => Glance): void {
    const k = this.ids.count;
    if (k === this.#at.length) this.#grow();
    if (!done) this.open.push(k);
    this.ids.add(id);
    [this.#at[k], this.#length[k], this.#crc[k]] = [at, length, crc32(line)];
    if (this.#codes.length === 0) return;
    const values = glance();
    if (values !== null && !Array.isArray(values)) {
      for (let f = 0; f < this.#codes.length; f++) this.#codes[f][k] = this.#priorNumber(f, values);
      return;
    }
    for (let f = 0; f < this.#codes.length; f++) this.#codes[f][k] = this.#numberOf(f, JSON.stringify(values?.[f]) ?? 'null');
  }

  /** The table as the file has it (IndexedTable's fields, in its order). */
  columns(): Record<string, unknown> {
    const n = this.ids.count;
    const [at, length, crc] = [this.#at.subarray(0, n), this.#length.subarray(0, n), this.#crc.subarray(0, n)];
    const keys = this.#values;
    const values = new TextRuns(keys.length, (v) => {
      const key = keys.keyAt(v) as string;
      return key.slice(key.indexOf(' ') + 1);
    });
    return { name: this.name, ids: this.ids, at, length, crc, open: this.open, values, codes: this.#codes.map((column) => column.subarray(0, n)) };
  }

  #grow(): void {
    const k = this.#at.length;
    [this.#at, this.#length, this.#crc] = [grown(this.#at, k), grown(this.#length, k), grown(this.#crc, k)];
    this.#codes = this.#codes.map((column) => grown(column, k));
  }

  /** The number in `values` of field `f`'s value whose JSON is `text`, given it if new. */
  #numberOf(f: number, text: string): number {
    const key = `${f} ${text}`;
    return this.#values.get(key) ?? this.#values.add(key);
  }

  /** The number of field `f`'s value of a row as the index read back has it: its text made a string once per value, not per row. */
  #priorNumber(f: number, { table, k }: PriorGlance): number {
    if (this.#prior?.table !== table) this.#prior = { table, codes: new Uint32Array(table.values.count), field: new Uint8Array(table.values.count) };
    const prior = this.#prior;
    const v = table.codes[f][k];
    if (prior.field[v] === f + 1) return prior.codes[v];
    const code = this.#numberOf(f, table.values.text(v));
    if (prior.field[v] === 0) [prior.field[v], prior.codes[v]] = [f + 1, code];
    return code;
  }
}

/** A JSON array's elements given as their text (`text(v)`), written a run of them at a time. */
class TextRuns {
  constructor(readonly count: number, readonly text: (v: number) => string) {}

  *pieces(): Generator<string> {
    for (let at = 0; at < this.count; at += RUN) {
      const run: string[] = [];
      for (let v = at; v < Math.min(this.count, at + RUN); v++) run.push(this.text(v));
      yield `${at > 0 ? ',' : ''}${run.join(',')}`;
    }
  }
}

/**
 * A JSON array's elements as its text has them (no brackets), appended into buffers of
 * up to PIECE_BYTES, a new one when the last is full: one buffer grown by doubling copied
 * the text each time and left the copies behind as garbage outside V8's heap.
 */
class JsonItems {
  readonly #full: Buffer[] = [];
  #buf = Buffer.allocUnsafe(0);
  #used = 0;
  count = 0;

  add(value: string): void {
    const text = `${this.count === 0 ? '' : ','}${JSON.stringify(value)}`;
    // At most 3 bytes of UTF-8 per UTF-16 unit.
    if (this.#used + text.length * 3 > this.#buf.length) {
      if (this.#used > 0) this.#full.push(this.#buf.subarray(0, this.#used));
      // Each buffer twice the last, up to PIECE_BYTES: a small table takes little.
      [this.#buf, this.#used] = [Buffer.allocUnsafe(Math.max(Math.min(PIECE_BYTES, 2 * this.#buf.length), 4096, text.length * 3)), 0];
    }
    this.#used += this.#buf.write(text, this.#used);
    this.count++;
  }

  /** The text, in the buffers that hold it (valid while nothing is added). */
  *pieces(): Generator<Buffer> {
    yield* this.#full;
    if (this.#used > 0) yield this.#buf.subarray(0, this.#used);
  }
}

const PIECE_BYTES = 1024 * 1024;

/** Array elements serialized at a time by `arrayPieces`. */
const RUN = 8192;

/** The text of `JSON.stringify(table)` in pieces: each of its arrays a run of elements at a time. */
function* tablePieces(table: Record<string, unknown>): Generator<string | Buffer> {
  let first = true;
  yield '{';
  for (const [key, field] of Object.entries(table)) {
    if (field === undefined) continue;
    yield `${first ? '' : ','}${JSON.stringify(key)}:`;
    if (field instanceof JsonItems || field instanceof TextRuns) {
      yield '[';
      yield* field.pieces();
      yield ']';
    } else if (isList(field)) yield* arrayPieces(field);
    else yield JSON.stringify(field);
    first = false;
  }
  yield '}';
}

/** The text of `JSON.stringify(array)` in pieces, a typed array's as a plain array's (an array of arrays, such as `codes`, each in pieces). */
function* arrayPieces(array: ArrayLike<unknown>): Generator<string> {
  yield '[';
  for (let at = 0; at < array.length; at += RUN) {
    const run: unknown[] = ArrayBuffer.isView(array) ? Array.from((array as Uint32Array).subarray(at, at + RUN)) : (array as unknown[]).slice(at, at + RUN);
    if (at > 0) yield ',';
    if (!run.some(isList)) {
      yield JSON.stringify(run).slice(1, -1);
      continue;
    }
    for (let k = 0; k < run.length; k++) {
      if (k > 0) yield ',';
      const item: unknown = run[k];
      if (isList(item)) yield* arrayPieces(item);
      else yield JSON.stringify(item) ?? 'null';
    }
  }
  yield ']';
}

/** An array, or a typed array (written as an array of its numbers). */
function isList(value: unknown): value is ArrayLike<unknown> {
  return Array.isArray(value) || ArrayBuffer.isView(value);
}

/**
 * Text (or its UTF-8 bytes) written to a file through one buffer of WRITE_BYTES filled again,
 * summed (CRC-32) on the way: a buffer concatenated per batch, and one per text, came to the
 * index file's size in garbage outside V8's heap at every fold. A piece larger than the
 * buffer is written on its own. Each `add` must be awaited before the next: the buffer is
 * filled again as soon as its write is started.
 */
class SummedWriter {
  readonly #buf = Buffer.allocUnsafe(WRITE_BYTES);
  #used = 0;
  #crc = 0;
  #position = 0;

  constructor(readonly handle: FileHandle) {}

  async add(text: string | Buffer): Promise<void> {
    // At most 3 bytes of UTF-8 per UTF-16 unit.
    const most = typeof text === 'string' ? text.length * 3 : text.length;
    if (this.#used + most > this.#buf.length) await this.#flush();
    if (most > this.#buf.length) return this.#write(typeof text === 'string' ? Buffer.from(text) : text);
    this.#used += typeof text === 'string' ? this.#buf.write(text, this.#used) : text.copy(this.#buf, this.#used);
  }

  /** Writes what is left, then the last line, given the CRC-32 of all bytes before it. */
  async end(tail: (crc: number) => string): Promise<void> {
    await this.#flush();
    await this.add(tail(this.#crc >>> 0));
    await this.#flush();
  }

  async #flush(): Promise<void> {
    const used = this.#used;
    this.#used = 0;
    if (used > 0) await this.#write(this.#buf.subarray(0, used));
  }

  async #write(bytes: Buffer): Promise<void> {
    this.#crc = crc32(bytes, this.#crc);
    this.#position += await writeAll(this.handle, [bytes], this.#position);
  }
}

const WRITE_BYTES = 1024 * 1024;

/** A row's glanced values from its state file line (`"id":{...}`, the JSON from byte `head`): a row kept on disk only is parsed for them. */
export function glanceOfLine(table: string, line: string | Buffer, head: number): unknown[] | null {
  if (!GLANCED[table as TableName]) return null;
  const json = (typeof line === 'string' ? Buffer.from(line) : line).toString('utf8', head);
  return glanceValues(table, JSON.parse(json) as Record<string, unknown>);
}

/**
 * The state index in `bytes`, if it holds up on its own: its last line's CRC matches the
 * bytes before it, and every table is well formed (same number of entries everywhere,
 * offsets increasing within the file). null otherwise: the caller parses the state file.
 * @example const index = decodeStateIndex(await readFile('run.state.idx'));
 */
export function decodeStateIndex(bytes: Buffer | null): StateIndex | null {
  if (!bytes || bytes.length < 2 || bytes[bytes.length - 1] !== 0x0a) return null;
  const last = bytes.lastIndexOf(0x0a, bytes.length - 2);
  if (last === -1) return null;
  try {
    const tail = JSON.parse(bytes.toString('utf8', last + 1)) as { crc?: unknown };
    if (tail.crc !== crc32(bytes.subarray(0, last + 1)) >>> 0) return null;
    // Line by line: the text of the whole file, and its lines, would be twice its size at once.
    const lines = function* (): Generator<Record<string, unknown>> {
      for (let at = 0; at < last; ) {
        const end = bytes.indexOf(0x0a, at);
        yield JSON.parse(bytes.toString('utf8', at, end)) as Record<string, unknown>;
        at = end + 1;
      }
    };
    const read = lines();
    const { stateIndex, generation, stateBytes, stateCrc } = read.next().value ?? {};
    if (stateIndex !== FORMAT || !isCount(generation) || !isCount(stateBytes) || !isCount(stateCrc)) return null;
    const out: StateIndex = { generation, stateBytes, stateCrc, tables: [] };
    for (const table of read) {
      if (!wellFormed(table, stateBytes)) return null;
      out.tables.push(table);
    }
    return out;
  } catch {
    return null;
  }
}

function wellFormed(t: Record<string, unknown>, size: number): t is IndexedTable & Record<string, unknown> {
  const { name, ids, at, length, crc, open, values, codes } = t;
  if (typeof name !== 'string' || !Array.isArray(ids) || !Array.isArray(at) || !Array.isArray(length) || !Array.isArray(crc) || !Array.isArray(open)) return false;
  const n = ids.length;
  if (at.length !== n || length.length !== n || crc.length !== n || !Array.isArray(values) || !Array.isArray(codes)) return false;
  if (codes.length !== (GLANCED[name as TableName]?.length ?? 0)) return false;
  let end = 0;
  for (let k = 0; k < n; k++) {
    if (typeof ids[k] !== 'string' || !isCount(at[k]) || !isCount(length[k]) || !isCount(crc[k]) || at[k] < end || at[k] + length[k] > size) return false;
    end = at[k] + length[k];
  }
  const inValues = (code: unknown) => isCount(code) && code < values.length;
  return open.every((k) => isCount(k) && k < n) && codes.every((column) => Array.isArray(column) && column.length === n && column.every(inValues));
}

function isCount(value: unknown): value is number {
  return Number.isInteger(value) && (value as number) >= 0;
}
