import type { FileHandle } from 'node:fs/promises';
import { decodeState, isObject } from './stateFile.js';
import type { StateSnapshot } from './stateFile.js';
import { rowProblem } from './rowShapes.js';
import { corrupt, parseJsonLine } from './storeFiles.js';
import type { RowChanges, TableName } from './types.js';

type Tables = Record<string, Record<string, unknown>>;

const CHUNK = 8 * 1024 * 1024;
const NEWLINE = 0x0a;
const [QUOTE, COLON, BACKSLASH] = [0x22, 0x3a, 0x5c];

/**
 * Reads the newline-terminated lines of a file from byte `from`, in chunks, so a large
 * file never becomes one string. Each line goes to `onLine` with the byte offset just
 * past its newline; `onLine` returns false to stop. An unterminated last line is left
 * out: `end` is where the last line read ends, `size` the file's size.
 * @example await eachLine(handle, 0, (line, end) => { lines.push(line); return true; })
 */
export async function eachLine(handle: FileHandle, from: number, onLine: (line: string, end: number) => boolean): Promise<{ end: number; size: number }> {
  const size = (await handle.stat()).size;
  let position = from;
  let end = from;
  let carry = Buffer.alloc(0);
  while (position < size) {
    // The unfinished line of the last chunk goes first, then the file is read in after it.
    const chunk = Buffer.allocUnsafe(carry.length + Math.min(CHUNK, size - position));
    carry.copy(chunk, 0);
    const { bytesRead } = await handle.read(chunk, carry.length, chunk.length - carry.length, position);
    if (bytesRead === 0) break;
    position += bytesRead;
    const buf = chunk.subarray(0, carry.length + bytesRead);
    const base = position - buf.length;
    const last = buf.lastIndexOf(NEWLINE);
    // Decoded a chunk at a time (much faster than line by line); a newline byte is never
    // inside a multi-byte character, so the text's lines are the bytes' lines.
    const lines = last === -1 ? [] : buf.toString('utf8', 0, last).split('\n');
    let nl = -1;
    for (const line of lines) {
      nl = buf.indexOf(NEWLINE, nl + 1);
      end = base + nl + 1;
      if (!onLine(line, end)) return { end, size };
    }
    carry = buf.subarray(last + 1);
  }
  return { end, size };
}

/**
 * Reads a state file as the writer lays it out (see encodeState): the header on the first
 * line, then one line per table opened or closed and one per row, so rows are parsed one
 * at a time. A row whose line is what `previous` holds for it serialized keeps that object
 * (a follower's re-read then changes the identity of changed rows only, and a diff of the
 * two reads compares changed rows only). When the last read kept rows as offsets into the
 * file it read (through its index: see readIndexedState), `coldBytes` reads such a row
 * there, and the changed rows are listed (`changes`), since such a row is parsed again
 * here whether it changed or not. A file in another
 * layout (edited by hand, or broken) is decoded as one text, which names a bad line.
 * @example const state = await readStateFile(handle, 'run.json', false);
 */
export async function readStateFile(
  handle: FileHandle,
  file: string,
  opened: boolean,
  previous?: StateSnapshot['tables'],
  coldBytes?: (at: number) => Buffer,
): Promise<StateSnapshot & { changes?: RowChanges['rows'] }> {
  const layout = new StateLayout(file, opened, (previous ?? {}) as unknown as Tables, coldBytes);
  await eachLine(handle, 0, (line) => layout.add(line));
  const state = layout.result();
  if (!state || !coldBytes) return state ?? decodeState(await handle.readFile('utf8'), file, opened);
  // The rows of the last read gone from this one.
  const changes = layout.changes;
  for (const [name, rows] of Object.entries(previous ?? {})) {
    const now = (state.tables as unknown as Tables)[name] ?? {};
    for (const id in rows) if (!Object.hasOwn(now, id)) changes.push({ table: name as TableName, id, removed: true });
  }
  return { ...state, changes };
}

/** The line-by-line reader of `readStateFile`: `add` returns false once a line is out of the layout. */
class StateLayout {
  #state: StateSnapshot | null = null;
  #table: Record<string, unknown> | null = null;
  #name = '';
  /** Lines read, and whether the last ended with a comma (another row or table follows). */
  #line = 0;
  #comma = false;
  #rows = 0;
  #tables = 0;
  #done = false;
  #fits = true;

  /** With `coldBytes`: the rows new or changed since the last read, in order. */
  readonly changes: RowChanges['rows'][number][] = [];

  constructor(
    readonly file: string,
    readonly opened: boolean,
    readonly previous: Tables,
    readonly coldBytes?: (at: number) => Buffer,
  ) {}

  add(line: string): boolean {
    this.#line++;
    this.#fits = this.#fits && this.#next(line);
    return this.#fits;
  }

  result(): StateSnapshot | null {
    return this.#fits && this.#done ? this.#state : null;
  }

  #next(line: string): boolean {
    if (this.#done) return false;
    if (!this.#state) {
      if (!line.startsWith('{"schemaVersion":') || !line.endsWith('"tables":{')) return false;
      // The header with the tables closed is a store with empty tables: decoded and checked as one.
      this.#state = decodeState(`${line}}}`, this.file, this.opened);
      return true;
    }
    const comma = line.endsWith(',');
    const bare = comma ? line.slice(0, -1) : line;
    if (this.#table) {
      if (bare === '}') {
        if (this.#comma) return false;
        [this.#table, this.#comma] = [null, comma];
        return true;
      }
      if (this.#rows > 0 && !this.#comma) return false;
      this.#comma = comma;
      this.#rows++;
      return this.#row(bare);
    }
    if (line === '}}') return (this.#done = !this.#comma);
    if (this.#tables > 0 && !this.#comma) return false;
    const key = leadingKey(bare);
    if (!key || key.value === '__proto__') return false;
    const body = bare.slice(key.end);
    if (body !== '{' && body !== '{}') return false;
    this.#tables++;
    const tables = this.#state.tables as unknown as Tables;
    this.#name = key.value;
    tables[key.value] ??= {};
    if (body === '{') [this.#table, this.#comma, this.#rows] = [tables[key.value], false, 0];
    else this.#comma = comma;
    return body === '{}' || !comma;
  }

  #row(bare: string): boolean {
    const key = leadingKey(bare);
    if (!key || key.value === '__proto__') return false;
    const body = bare.slice(key.end);
    const before = this.previous[this.#name]?.[key.value];
    // The rows of a previous read were parsed from canonical lines, so their plain
    // stringify (much faster than canonicalJson) is their line: equal text, equal row.
    if (before !== undefined && typeof before !== 'number' && JSON.stringify(before) === body) {
      (this.#table as Record<string, unknown>)[key.value] = before;
      return true;
    }
    const same = typeof before === 'number' && this.coldBytes !== undefined && this.coldBytes(before).equals(Buffer.from(body));
    if (this.coldBytes && !same) this.changes.push({ table: this.#name as TableName, id: key.value, removed: false });
    const row = parseJsonLine(body, this.file, this.#line, this.opened);
    if (!isObject(row) || row.id !== key.value) {
      throw corrupt(this.file, `tables.${this.#name}[${JSON.stringify(key.value)}]: expected a row whose id is its key`, this.opened);
    }
    const bad = rowProblem(this.#name, row, this.file, `line ${this.#line}`, this.opened);
    if (bad) throw bad;
    (this.#table as Record<string, unknown>)[key.value] = row;
    return true;
  }
}

/** The JSON string a line starts with and the colon after it, decoded, and where the rest begins. */
export function leadingKey(line: string): { value: string; end: number } | null {
  if (line.charCodeAt(0) !== QUOTE) return null;
  // Plain: no escape and no control character (not JSON: JSON.parse refuses it below).
  let plain = true;
  for (let i = 1; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if (c < 0x20) plain = false;
    else if (c === BACKSLASH) {
      plain = false;
      i++;
    } else if (c === QUOTE) {
      if (line.charCodeAt(i + 1) !== COLON) return null;
      // A plain key is the text between the quotes (once per row: JSON.parse of each key
      // was about a tenth of reading a big state file).
      if (plain) return { value: line.slice(1, i), end: i + 2 };
      try {
        return { value: JSON.parse(line.slice(0, i + 1)) as string, end: i + 2 };
      } catch {
        return null;
      }
    }
  }
  return null;
}

