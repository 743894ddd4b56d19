import { canonicalJson } from './canonicalJson.js';
import { jsonErrorLine } from './jsonErrorLine.js';
import { rowProblem } from './rowShapes.js';
import { rowsImage } from './tableOrder.js';
import type { RowsImage, TableOrder } from './tableOrder.js';
import { corrupt } from './storeFiles.js';
import { SCHEMA_VERSION, StoreError, TABLE_NAMES } from './types.js';
import type { StoreData } from './types.js';

/** The state file's content: everything but the audit rows, and how many of them it covers. */
export interface StateSnapshot {
  schemaVersion: number;
  /**
   * Counts the rewrites of the state file (0 for a version-1 file): a journal commit
   * applies only on top of the generation it names, so a journal that a rewrite already
   * folded in is never applied again.
   */
  generation: number;
  auditCount: number;
  meta: Record<string, unknown>;
  tables: StoreData['tables'];
}

/** A state as it stood at one instant, for `encodeState` to write out while it changes on. */
export interface StateImage {
  head: string;
  tables: Array<{ name: string } & RowsImage>;
}

/**
 * Captures the state to write: the header, and each table's ids and row objects (rows are
 * never edited in place, only replaced, so holding the objects is holding the rows), or
 * where a row kept on disk only is: in the table, or for a table with a TableOrder
 * (`orders`, a writer's), in the order, which also gives the table's order and its ids,
 * read from its bytes as the fold asks for them (no array of every id as a string).
 * @example encodeState(captureState(data.tables, data.meta, 3, data.audit_log.length))
 */
export function captureState(
  tables: StoreData['tables'],
  meta: Record<string, unknown>,
  generation: number,
  auditCount: number,
  orders: (table: string) => TableOrder | undefined = () => undefined,
): StateImage {
  const head = `{"schemaVersion":${SCHEMA_VERSION},"generation":${generation},"auditCount":${auditCount},"meta":${canonicalJson(meta)},"tables":{\n`;
  const byName = tables as unknown as Record<string, Record<string, unknown> | undefined>;
  return {
    head,
    tables: tableOrder(byName).map((name) => {
      const { size, id, row } = rowsImage(byName[name] ?? {}, orders(name));
      return { name, size, id, row };
    }),
  };
}

/** Bytes of the buffer a state file is encoded into (the part a rewrite writes at a time). */
const PART_BYTES = 4 * 1024 * 1024;
const ROW_END = Buffer.from(',\n');

/**
 * Serializes the state file: one row per line (readable, diffable), keys sorted, tables
 * in TABLE_NAMES order, no wall-clock time, so the same state gives the same bytes. Yields
 * the file in parts, serialized as they are asked for, each the same buffer of PART_BYTES
 * filled again (a part is valid until the next is asked for: the consumer writes or copies
 * it first): a large table never becomes one string (V8 caps them near 512 MB), nor sits
 * in memory whole, and a rewrite holds the same few megabytes whatever the file's size
 * (a buffer a part, as before, was garbage a full collection had to free). `reuse` may give
 * a row's line already made (as the state file on disk has it, see StateLineCursor, or as
 * a commit serialized it): copied as it is, not serialized again; it must for a row the
 * image holds as a number (a cold row, see ColdRows); the bytes it gives are copied before
 * it is called again. `placed` hears where each row's JSON starts in the file and its
 * length in bytes (row `k` of table `t` of the image, whose id is `id`), with the row's line,
 * whose JSON starts at byte (or character) `head`.
 * @example for await (const part of encodeState(image)) await handle.write(part);
 */
export async function* encodeState(
  image: StateImage,
  reuse?: (table: string, id: string, row: unknown) => Promise<string | Buffer | null>,
  placed?: (t: number, k: number, id: string, at: number, length: number, line: string | Buffer, head: number) => void,
  partBytes = PART_BYTES,
): AsyncGenerator<Buffer> {
  const part = new PartBuilder(partBytes);
  // (An empty buffer has room for anything: it grows.)
  part.before(image.head);
  part.add(image.head);
  let full: Buffer | null;
  for (let t = 0; t < image.tables.length; t++) {
    const table = image.tables[t];
    const [name, size] = [table.name, table.size];
    const close = t < image.tables.length - 1 ? ',\n' : '\n';
    const open = `${JSON.stringify(name)}:{${size === 0 ? `}${close}` : '\n'}`;
    const end = Buffer.from(`\n}${close}`);
    if ((full = part.before(open))) yield full;
    part.add(open);
    for (let k = 0; k < size; k++) {
      // The id made again from the image's bytes, for this row only.
      const [id, row] = [table.id(k), table.row(k)];
      const line = (reuse && (await reuse(name, id, row))) ?? `${JSON.stringify(id)}:${rowJson(name, id, row)}`;
      // Room for the line and what follows it: `,\n`, or `\n},\n` after the table's last row.
      if ((full = part.before(line, 4))) yield full;
      const [start, head] = [part.bytes, placed ? Buffer.byteLength(`${JSON.stringify(id)}:`) : 0];
      part.add(line);
      placed?.(t, k, id, start + head, part.bytes - start - head, line, head);
      part.add(k < size - 1 ? ROW_END : end);
    }
  }
  if ((full = part.before('}}\n'))) yield full;
  part.add('}}\n');
  yield part.take();
}

function rowJson(table: string, id: string, row: unknown): string {
  if (typeof row === 'number') throw new Error(`incident-flow store: tables.${table}[${JSON.stringify(id)}] is on disk only and no line was given for it`);
  return canonicalJson(row);
}

/**
 * Text and bytes in order, encoded or copied into one buffer as they come: `before` hands
 * out what the buffer holds when the next piece may not fit, and the buffer is filled
 * again from its start (grown only for a piece larger than it).
 */
class PartBuilder {
  #buf: Buffer;
  #used = 0;
  /** Bytes handed out so far. */
  #out = 0;

  constructor(size: number) {
    this.#buf = Buffer.allocUnsafe(size);
  }

  /** Bytes added so far. */
  get bytes(): number {
    return this.#out + this.#used;
  }

  /**
   * What the buffer holds, when `piece` and `extra` bytes after it may not fit (yield it
   * before adding the piece: valid until the next `add`); null: they fit.
   */
  before(piece: string | Buffer, extra = 0): Buffer | null {
    // At most 3 bytes of UTF-8 per UTF-16 unit.
    const most = (typeof piece === 'string' ? piece.length * 3 : piece.length) + extra;
    if (this.#used + most <= this.#buf.length) return null;
    const full = this.take();
    if (most > this.#buf.length) this.#buf = Buffer.allocUnsafe(most);
    return full.length > 0 ? full : null;
  }

  /** Adds a piece `before` made room for. */
  add(piece: string | Buffer): void {
    if (typeof piece === 'string') this.#used += this.#buf.write(piece, this.#used);
    else if (piece.length > 8) this.#used += piece.copy(this.#buf, this.#used);
    // A row's end (`,\n`), a byte at a time: cheaper than a copy's call, once a row.
    else for (let i = 0; i < piece.length; i++) this.#buf[this.#used++] = piece[i];
  }

  /** What the buffer holds (valid until the next `add`), handed out: the buffer is filled again from its start. */
  take(): Buffer {
    const out = this.#buf.subarray(0, this.#used);
    this.#out += this.#used;
    this.#used = 0;
    return out;
  }
}

/**
 * Parses and checks a state file. Refuses, naming the file, invalid JSON (with its line),
 * a newer schema, or a shape that is not a store; never repairs anything.
 * @example decodeState('{"schemaVersion":1,"auditCount":0,"meta":{},"tables":{}}', 'run.json', false)
 */
export function decodeState(text: string, file: string, opened: boolean): StateSnapshot {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw corrupt(file, `is not valid JSON (line ${jsonErrorLine(text, error)})`, opened);
  }
  if (!isObject(raw)) throw corrupt(file, 'is not an incident-flow store (expected a JSON object)', opened);
  const { schemaVersion, generation = 0, auditCount, meta = {}, tables = {} } = raw;
  if (!Number.isInteger(schemaVersion) || (schemaVersion as number) < 1) {
    throw corrupt(file, 'is not an incident-flow store (schemaVersion: expected a positive integer)', opened);
  }
  if ((schemaVersion as number) > SCHEMA_VERSION) {
    throw new StoreError(
      `${file} was written by a newer schema version ${schemaVersion}; this build reads version ${SCHEMA_VERSION}: refusing to open; the file is left as it is`,
      'newer-schema',
      file,
    );
  }
  // Version 1 had no journal, so no generation: 0. From version 2 on, every file has one.
  if (!isCount(generation) || ((schemaVersion as number) >= 2 && !Object.hasOwn(raw, 'generation'))) {
    throw corrupt(file, 'generation: expected a non-negative integer', opened);
  }
  if (!isCount(auditCount)) throw corrupt(file, 'auditCount: expected a non-negative integer', opened);
  if (!isObject(meta)) throw corrupt(file, 'meta: expected an object', opened);
  if (!isObject(tables)) throw corrupt(file, 'tables: expected an object', opened);
  const out = {} as Record<string, Record<string, unknown>>;
  // Tables this build knows come first, in order; unknown ones are kept, not dropped.
  for (const name of tableOrder(tables)) {
    const rows = tables[name] ?? {};
    if (!isObject(rows)) throw corrupt(file, `tables.${name}: expected an object keyed by row id`, opened);
    for (const id in rows) {
      const row = rows[id];
      if (!isObject(row) || row.id !== id) {
        throw corrupt(file, `tables.${name}[${JSON.stringify(id)}]: expected a row whose id is its key`, opened);
      }
      const bad = rowProblem(name, row, file, 'row', opened);
      if (bad) throw bad;
    }
    out[name] = rows;
  }
  return {
    schemaVersion: schemaVersion as number,
    generation,
    auditCount,
    meta,
    tables: out as unknown as StoreData['tables'],
  };
}

function tableOrder(tables: object): string[] {
  const known: string[] = [...TABLE_NAMES];
  return [...known, ...Object.keys(tables).filter((name) => !known.includes(name))];
}

function isCount(value: unknown): value is number {
  return Number.isInteger(value) && (value as number) >= 0;
}

/** A plain JSON object (not null, not an array). */
export function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
