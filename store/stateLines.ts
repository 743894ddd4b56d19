import { decodeState } from './stateFile.js';
import type { StateSnapshot } from './stateFile.js';

/** A state file's rows as the writer laid them out: per table, row id -> line and parsed row. */
export type StateRows = Map<string, Map<string, { line: string; row: unknown }>>;

/**
 * Reads a state file for a follower without parsing what did not change: the writer puts
 * each row on its own line (see StateEncoder), so a row whose line is the same as in the
 * last read keeps its parsed object (and its identity: a refresh diff is then cheap), and
 * only changed lines are parsed. Returns null when the text is not in that layout or a
 * line does not parse; the caller then decodes the whole file, which names the bad line.
 * @example const next = rereadState(text, 'run.json', new Map()); // first read: parses every row
 */
export function rereadState(
  text: string,
  file: string,
  previous: StateRows,
  opened = true,
): { state: StateSnapshot; rows: StateRows } | null {
  const lines = text.split('\n');
  const head = lines[0];
  if (!head.startsWith('{"schemaVersion":') || !head.endsWith('"tables":{')) return null;
  // The header with the tables closed is a store with empty tables: decoded and checked as one.
  const state = decodeState(`${head}}}`, file, opened);
  const rows: StateRows = new Map();
  let table: Map<string, { line: string; row: unknown }> | null = null;
  let name = '';
  let k = 1;
  for (; k < lines.length; k++) {
    const line = lines[k];
    if (line === '}}') break;
    if (table && (line === '}' || line === '},')) {
      (state.tables as unknown as Record<string, unknown>)[name] = Object.fromEntries([...table].map(([id, r]) => [id, r.row]));
      table = null;
      continue;
    }
    const bare = line.endsWith(',') ? line.slice(0, -1) : line;
    const key = leadingString(bare);
    if (key === null || bare[key.end] !== ':') return null;
    const body = bare.slice(key.end + 1);
    if (!table) {
      if (body !== '{' && body !== '{}') return null;
      name = key.value;
      table = new Map();
      rows.set(name, table);
      if (body === '{}') {
        (state.tables as unknown as Record<string, unknown>)[name] = {};
        table = null;
      }
      continue;
    }
    const before = previous.get(name)?.get(key.value);
    if (before && before.line === bare) {
      table.set(key.value, before);
      continue;
    }
    let row: unknown;
    try {
      row = JSON.parse(body);
    } catch {
      return null;
    }
    if (row === null || typeof row !== 'object' || (row as { id?: unknown }).id !== key.value) return null;
    table.set(key.value, { line: bare, row });
  }
  if (table || lines.slice(k + 1).some((rest) => rest !== '')) return null;
  return { state, rows };
}

/** The JSON string a line starts with, decoded, and where it ends; null if none. */
function leadingString(line: string): { value: string; end: number } | null {
  if (line[0] !== '"') return null;
  for (let i = 1; i < line.length; i++) {
    if (line[i] === '\\') i++;
    else if (line[i] === '"') {
      try {
        return { value: JSON.parse(line.slice(0, i + 1)) as string, end: i + 1 };
      } catch {
        return null;
      }
    }
  }
  return null;
}
