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
 * Each row's JSON is cached by row identity: rows are copied on `put`, so a row object
 * that is still in the table is unchanged and a commit only serializes what changed.
 */
export class StateEncoder {
  /** Per table: row id -> the row last serialized and its `"id":{...}` line. */
  #lines = new Map<string, Map<string, { row: unknown; line: string }>>();

  /**
   * The file's text in parts of at most LINES_PER_PART rows, so that a large table
   * never has to become one string (V8 caps strings near 512 MB) and is written in slices.
   */
  encode(data: StoreData, auditCount: number): string[] {
    const parts = [`{"schemaVersion":${SCHEMA_VERSION},"auditCount":${auditCount},"meta":${canonicalJson(data.meta)},"tables":{\n`];
    const tables = data.tables as unknown as Record<string, Record<string, unknown> | undefined>;
    const names = tableOrder(tables);
    names.forEach((name, i) => {
      const lines = this.#table(name, tables[name] ?? {});
      const close = i < names.length - 1 ? '},\n' : '}\n';
      if (lines.length === 0) return parts.push(`${JSON.stringify(name)}:{${close}`);
      parts.push(`${JSON.stringify(name)}:{\n`);
      for (let at = 0; at < lines.length; at += LINES_PER_PART) {
        const last = at + LINES_PER_PART >= lines.length;
        parts.push(lines.slice(at, at + LINES_PER_PART).join(',\n') + (last ? `\n${close}` : ',\n'));
      }
    });
    parts.push('}}\n');
    return parts;
  }

  #table(name: string, rows: Record<string, unknown>): string[] {
    const cache = this.#lines.get(name);
    const next = new Map<string, { row: unknown; line: string }>();
    const lines: string[] = [];
    for (const id in rows) {
      const row = rows[id];
      let hit = cache?.get(id);
      if (!hit || hit.row !== row) hit = { row, line: `${JSON.stringify(id)}:${canonicalJson(row)}` };
      next.set(id, hit);
      lines.push(hit.line);
    }
    this.#lines.set(name, next);
    return lines;
  }
}

const LINES_PER_PART = 2048;

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
