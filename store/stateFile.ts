import { canonicalJson } from './canonicalJson.js';
import { jsonErrorLine } from './jsonErrorLine.js';
import { corrupt } from './storeFiles.js';
import { SCHEMA_VERSION, StoreError, TABLE_NAMES } from './types.js';
import type { StoreData } from './types.js';

/** The state file's content: everything but the audit rows, and how many of them it covers. */
export interface StateSnapshot {
  schemaVersion: number;
  auditCount: number;
  meta: Record<string, unknown>;
  tables: StoreData['tables'];
}

/**
 * Serializes the state file: one row per line (readable, diffable), keys sorted, tables
 * in TABLE_NAMES order, no wall-clock time, so the same mutations give the same bytes.
 *
 * The state is rewritten on every commit, so the encoder does as little as it can again:
 * a row's line is cached by row identity (rows are copied on `put`, so an object still in
 * the table is unchanged), and the encoded bytes of each run of ROWS_PER_CHUNK rows are
 * reused while the run's lines are the same. A commit that changes a few incidents of
 * 100,000 serializes a few rows and re-encodes a few chunks; the rest is copied as is.
 */
export class StateEncoder {
  readonly #tables = new Map<string, TableCache>();

  /** The file's content in parts; a large table never becomes one string (V8 caps them near 512 MB). */
  encode(data: StoreData, auditCount: number): Array<string | Buffer> {
    const parts: Array<string | Buffer> = [
      `{"schemaVersion":${SCHEMA_VERSION},"auditCount":${auditCount},"meta":${canonicalJson(data.meta)},"tables":{\n`,
    ];
    const tables = data.tables as unknown as Record<string, Record<string, unknown> | undefined>;
    const names = tableOrder(tables);
    names.forEach((name, i) => {
      const close = i < names.length - 1 ? '},\n' : '}\n';
      const chunks = this.#table(name, tables[name] ?? {});
      if (chunks.length === 0) return parts.push(`${JSON.stringify(name)}:{${close}`);
      parts.push(`${JSON.stringify(name)}:{\n`);
      chunks.forEach((chunk, c) => parts.push(chunk, c < chunks.length - 1 ? ',\n' : `\n${close}`));
    });
    parts.push('}}\n');
    return parts;
  }

  #table(name: string, rows: Record<string, unknown>): Buffer[] {
    const cache = this.#tables.get(name) ?? { lines: new Map(), chunks: [] };
    const lines = new Map<string, { row: unknown; line: string }>();
    const all: string[] = [];
    for (const id in rows) {
      const row = rows[id];
      let hit = cache.lines.get(id);
      if (!hit || hit.row !== row) hit = { row, line: `${JSON.stringify(id)}:${canonicalJson(row)}` };
      lines.set(id, hit);
      all.push(hit.line);
    }
    const chunks: TableCache['chunks'] = [];
    for (let at = 0; at < all.length; at += ROWS_PER_CHUNK) {
      const slice = all.slice(at, at + ROWS_PER_CHUNK);
      const old = cache.chunks[chunks.length];
      // Same line objects compare by pointer, so an unchanged chunk costs little to check.
      const same = old && old.lines.length === slice.length && slice.every((line, k) => line === old.lines[k]);
      chunks.push(same ? old : { lines: slice, bytes: Buffer.from(slice.join(',\n')) });
    }
    this.#tables.set(name, { lines, chunks });
    return chunks.map((chunk) => chunk.bytes);
  }
}

interface TableCache {
  lines: Map<string, { row: unknown; line: string }>;
  chunks: Array<{ lines: string[]; bytes: Buffer }>;
}

const ROWS_PER_CHUNK = 1024;

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
  const { schemaVersion, auditCount, meta = {}, tables = {} } = raw;
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
  if (!Number.isInteger(auditCount) || (auditCount as number) < 0) {
    throw corrupt(file, 'auditCount: expected a non-negative integer', opened);
  }
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
    }
    out[name] = rows;
  }
  return {
    schemaVersion: schemaVersion as number,
    auditCount: auditCount as number,
    meta,
    tables: out as unknown as StoreData['tables'],
  };
}

function tableOrder(tables: object): string[] {
  const known: string[] = [...TABLE_NAMES];
  return [...known, ...Object.keys(tables).filter((name) => !known.includes(name))];
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
