import { canonicalJson } from './canonicalJson.js';
import { jsonErrorLine } from './jsonErrorLine.js';
import { rowProblem } from './rowShapes.js';
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
  tables: Array<{ name: string; ids: string[]; rows: unknown[] }>;
}

const ROWS_PER_PART = 1024;

/**
 * Captures the state to write: the header, and each table's ids and row objects (rows are
 * never edited in place, only replaced, so holding the objects is holding the rows).
 * @example encodeState(captureState(data.tables, data.meta, 3, data.audit_log.length))
 */
export function captureState(tables: StoreData['tables'], meta: Record<string, unknown>, generation: number, auditCount: number): StateImage {
  const head = `{"schemaVersion":${SCHEMA_VERSION},"generation":${generation},"auditCount":${auditCount},"meta":${canonicalJson(meta)},"tables":{\n`;
  const byName = tables as unknown as Record<string, Record<string, unknown> | undefined>;
  return {
    head,
    tables: tableOrder(byName).map((name) => {
      const rows = byName[name] ?? {};
      const ids = Object.keys(rows);
      return { name, ids, rows: ids.map((id) => rows[id]) };
    }),
  };
}

/**
 * Serializes the state file: one row per line (readable, diffable), keys sorted, tables
 * in TABLE_NAMES order, no wall-clock time, so the same state gives the same bytes. Yields
 * the file in parts of ROWS_PER_PART rows, serialized as they are asked for: a large table
 * never becomes one string (V8 caps them near 512 MB) nor sits in memory whole. `reuse`
 * may give a row's line already made (as the state file on disk has it, see
 * StateLineCursor, or as a commit serialized it): used as it is, not serialized again; it
 * must for a row the image holds as a number (a cold row, see ColdRows). `placed` hears
 * where each row's JSON starts in the file and its length in bytes (row `k` of table `t`
 * of the image), with the row's line, whose JSON starts at byte (or character) `head`.
 * @example for await (const part of encodeState(image)) await handle.write(part);
 */
export async function* encodeState(
  image: StateImage,
  reuse?: (table: string, id: string, row: unknown) => Promise<string | Buffer | null>,
  placed?: (t: number, k: number, at: number, length: number, line: string | Buffer, head: number) => void,
): AsyncGenerator<Buffer> {
  const part = new PartBuilder(image.head, placed !== undefined);
  for (let t = 0; t < image.tables.length; t++) {
    const { name, ids, rows } = image.tables[t];
    const close = t < image.tables.length - 1 ? ',\n' : '\n';
    if (ids.length === 0) {
      part.add(`${JSON.stringify(name)}:{}${close}`);
      continue;
    }
    part.add(`${JSON.stringify(name)}:{\n`);
    for (let at = 0; at < ids.length; at += ROWS_PER_PART) {
      const to = Math.min(ids.length, at + ROWS_PER_PART);
      for (let k = at; k < to; k++) {
        const line = (reuse && (await reuse(name, ids[k], rows[k]))) ?? `${JSON.stringify(ids[k])}:${rowJson(name, ids[k], rows[k])}`;
        const [start, head] = [part.bytes, placed ? Buffer.byteLength(`${JSON.stringify(ids[k])}:`) : 0];
        part.add(line);
        placed?.(t, k, start + head, part.bytes - start - head, line, head);
        part.add(k < ids.length - 1 ? ',\n' : `\n}${close}`);
      }
      yield part.take();
    }
  }
  part.add('}}\n');
  yield part.take();
}

function rowJson(table: string, id: string, row: unknown): string {
  if (typeof row === 'number') throw new Error(`incident-flow store: tables.${table}[${JSON.stringify(id)}] is on disk only and no line was given for it`);
  return canonicalJson(row);
}

/** Text and bytes in order, made into one buffer: runs of text are joined, then encoded once. */
class PartBuilder {
  #text: string[] = [];
  #buffers: Buffer[] = [];
  /** Bytes added so far (counted only when asked to). */
  bytes = 0;

  constructor(
    text: string,
    readonly count: boolean,
  ) {
    this.add(text);
  }

  add(piece: string | Buffer): void {
    if (this.count) this.bytes += typeof piece === 'string' ? Buffer.byteLength(piece) : piece.length;
    if (typeof piece === 'string') return void this.#text.push(piece);
    this.#flush();
    this.#buffers.push(piece);
  }

  take(): Buffer {
    this.#flush();
    const out = this.#buffers.length === 1 ? this.#buffers[0] : Buffer.concat(this.#buffers);
    this.#buffers = [];
    return out;
  }

  #flush(): void {
    if (this.#text.length) this.#buffers.push(Buffer.from(this.#text.join('')));
    this.#text = [];
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
