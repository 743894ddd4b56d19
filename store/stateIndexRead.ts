import { closeSync, fstatSync, openSync, read, readSync } from 'node:fs';
import { open, readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { crc32 } from './crc32.js';
import { glancedValue } from './rowGlance.js';
import type { GlanceColumns } from './rowGlance.js';
import { rowProblem } from './rowShapes.js';
import { decodeState, isObject } from './stateFile.js';
import type { StateSnapshot } from './stateFile.js';
import { decodeStateIndex } from './stateIndexFile.js';
import { scanStateIndex } from './stateIndexScan.js';
import type { PriorGlance, ScannedGlances } from './stateIndexScan.js';
import type { IndexedTable, StateIndexStamp } from './stateIndexFile.js';
import type { StoreFiles } from './storeFiles.js';
import { StoreError } from './types.js';
import type { RowChanges, TableName } from './types.js';

const readAt = promisify(read);
const CHUNK = 8 * 1024 * 1024;
type Tables = Record<string, Record<string, unknown>>;

/**
 * What a reader keeps of a trusted state index: per table, its rows' offsets (increasing),
 * so the glanced values and line CRC of a row kept as its offset are found by a binary
 * search, with no map per row.
 */
export class ReaderIndex {
  readonly #tables = new Map<string, IndexedTable>();
  readonly #columns = new Map<string, GlanceColumns>();

  constructor(tables: IndexedTable[]) {
    for (const table of tables) {
      this.#tables.set(table.name, table);
      if (table.codes.length === 0) continue;
      const [values, codes, at] = [table.values.map(glancedValue), table.codes, table.at];
      this.#columns.set(table.name, { locate: (offset) => find(at, offset), value: (k, f) => values[codes[f][k]] });
    }
  }

  /** A table's glanced values (see GLANCED); undefined when the index has none for it. */
  columns(table: string): GlanceColumns | undefined {
    return this.#columns.get(table);
  }

  /** The line CRC and JSON length of the row at `at`. */
  sum(table: string, at: number): [number, number] | undefined {
    const t = this.#tables.get(table);
    const k = t ? find(t.at, at) : -1;
    return t && k >= 0 ? [t.crc[k], t.length[k]] : undefined;
  }
}

/** Where `at` is in the increasing `offsets` (-1: not there). */
function find(offsets: ArrayLike<number>, at: number): number {
  let [lo, hi] = [0, offsets.length - 1];
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    if (offsets[mid] === at) return mid;
    if (offsets[mid] < at) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

/**
 * The index file a writer wrote at its last fold, if it is still the one on disk (`stamp`
 * is what that fold wrote), read back for the next fold: the rows that fold kept on disk
 * have their glanced values there, so they need not be parsed for them again. Read a
 * chunk at a time, its ids left as bytes (see `scanStateIndex`).
 * @example const previous = await ownIndex(files.stateIndex, written);
 */
export async function ownIndex(file: string, stamp: StateIndexStamp): Promise<FoldGlances | null> {
  const glances = new FoldGlances();
  const fd = await open(file, 'r').catch(() => null);
  try {
    return fd && scanStateIndex(fd.fd, stamp, (table) => glances.add(table)) ? glances : null;
  } catch {
    return null;
  } finally {
    await fd?.close();
  }
}

/**
 * The glanced values of an index file's rows, by where each row is in the state file, as a
 * writer's fold takes them (see `ownIndex`): per table its offsets and a column of value
 * numbers per field in typed arrays, and its values; not its ids, CRCs or lengths. Held
 * through a fold: the index's tables as decoded were about 250 bytes an incident, for a
 * fold's whole length, and the next collection's heap limit is set from what is live then.
 */
export class FoldGlances {
  readonly #tables = new Map<string, ScannedGlances>();

  add(table: ScannedGlances): void {
    this.#tables.set(table.name, table);
  }

  /** The glanced values of the row at `at` as the index file has them: row `k` of its table there (see PriorGlance). */
  encoded(table: string, at: number): PriorGlance | undefined {
    const t = this.#tables.get(table);
    const k = t ? find(t.at, at) : -1;
    return t && k >= 0 ? { table: t, k } : undefined;
  }
}

/** A state read through its index: every row not done with parsed, the others where they are (offsets into `fd`). */
export interface IndexedState {
  state: StateSnapshot;
  stamp: string;
  bytes: number;
  /** The state file, open: the rows kept as offsets are read back from it (see ColdRows.adopt). */
  fd: number;
  index: ReaderIndex;
  /** On a re-read: the rows that differ from the previous read's (see `previous`). */
  changes?: RowChanges['rows'];
}

/**
 * A read-only open (or re-read) of the state file through its index file (`X.state.idx`),
 * when the index holds up: its own CRC, then the state file's size, CRC-32 of all its bytes
 * and generation are the ones it names. Then no row is parsed but those not done with (an
 * open incident, an agent...): the others stay offsets into the file, their glanced fields
 * come from the index. null when there is no index or it does not hold up (stale, torn,
 * edited, another state file's), and the caller parses the state file; a state file that
 * changed since `stamp` is not read here either. `previous`: the last read, through the
 * index, whose rows are compared with these by CRC (a row parsed then, by its JSON).
 * @example const read = await readIndexedState(storeFiles('run.json'), false, null, stampOf);
 */
export async function readIndexedState(
  files: StoreFiles,
  opened: boolean,
  stamp: string,
  stampOf: (st: { ino: number; size: number; mtimeMs: number; ctimeMs: number }) => string,
  previous: { tables: StateSnapshot['tables']; index: ReaderIndex } | null,
): Promise<IndexedState | null> {
  const index = decodeStateIndex(await readFile(files.stateIndex).catch(() => null));
  if (!index) return null;
  let fd = -1;
  try {
    fd = openSync(files.state, 'r');
    const st = fstatSync(fd);
    // The file the caller stamped (a rewrite since then: the caller reads it its own way).
    if (stampOf(st) !== stamp || st.size !== index.stateBytes) return null;
    const head = await checkedHead(fd, st.size, index.stateCrc);
    if (head === null || !head.startsWith('{"schemaVersion":') || !head.endsWith('"tables":{')) return null;
    const state = decodeState(`${head}}}`, files.state, opened);
    if (state.generation !== index.generation) return null;
    const tables = state.tables as unknown as Tables;
    const changes: RowChanges['rows'][number][] = [];
    for (const table of index.tables) {
      if (table.name === '__proto__') return null;
      const rows = (tables[table.name] ??= {});
      const before = previous ? ((previous.tables as unknown as Tables)[table.name] ?? {}) : null;
      const open = new Set(table.open);
      for (let k = 0; k < table.ids.length; k++) {
        const id = table.ids[k];
        if (id === '__proto__' || Object.hasOwn(rows, id)) return null;
        const had = before && Object.hasOwn(before, id) ? before[id] : undefined;
        const text = open.has(k) || (had !== undefined && typeof had !== 'number') ? rowText(fd, table.at[k], table.length[k]) : null;
        const row = open.has(k) && text !== null ? parsedRow(table.name, id, text, files.state, opened) : table.at[k];
        if (row === null) return null;
        rows[id] = row;
        if (!before) continue;
        // A row the last read kept as an offset compares by CRC, one it parsed by its JSON.
        const sum = typeof had === 'number' ? previous?.index.sum(table.name, had) : undefined;
        const same = had === undefined ? false : typeof had === 'number' ? sum?.[0] === table.crc[k] && sum[1] === table.length[k] : JSON.stringify(had) === text;
        if (!same) changes.push({ table: table.name as TableName, id, removed: false });
        // An unchanged row parsed then stays the object it was.
        else if (typeof had !== 'number') rows[id] = had;
      }
    }
    if (previous) {
      const now = tables;
      for (const [name, rows] of Object.entries(previous.tables as unknown as Tables)) {
        for (const id in rows) if (!Object.hasOwn(now[name] ?? {}, id)) changes.push({ table: name as TableName, id, removed: true });
      }
    }
    const read: IndexedState = { state, stamp, bytes: st.size, fd, index: new ReaderIndex(index.tables), changes: previous ? changes : undefined };
    fd = -1;
    return read;
  } catch (error) {
    // A newer schema is refused as the whole read would refuse it; anything else: parse the state file.
    if (error instanceof StoreError && error.code === 'newer-schema') throw error;
    return null;
  } finally {
    if (fd >= 0) closeSync(fd);
  }
}

/** The state file's first line, once all its bytes are read and their CRC-32 is `crc`; null otherwise. */
async function checkedHead(fd: number, size: number, crc: number): Promise<string | null> {
  const buf = Buffer.allocUnsafe(Math.min(CHUNK, Math.max(size, 1)));
  let [sum, position, head] = [0, 0, null as string | null];
  while (position < size) {
    const { bytesRead } = await readAt(fd, buf, 0, Math.min(buf.length, size - position), position);
    if (bytesRead === 0) return null;
    const part = buf.subarray(0, bytesRead);
    if (position === 0) {
      const nl = part.indexOf(0x0a);
      if (nl === -1) return null;
      head = part.toString('utf8', 0, nl);
    }
    sum = crc32(part, sum);
    position += bytesRead;
  }
  return sum >>> 0 === crc ? head : null;
}

function rowText(fd: number, at: number, length: number): string | null {
  const buf = Buffer.allocUnsafe(length);
  return readSync(fd, buf, 0, length, at) === length ? buf.toString('utf8') : null;
}

/** A row not done with, parsed and checked as a read of the whole file checks it; null: not a row. */
function parsedRow(table: string, id: string, text: string, file: string, opened: boolean): Record<string, unknown> | null {
  const row: unknown = JSON.parse(text);
  if (!isObject(row) || row.id !== id || rowProblem(table, row, file, 'row', opened)) return null;
  return row;
}
