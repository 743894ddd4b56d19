import { open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { canonicalJson } from './canonicalJson.js';
import { LineBuffers } from './lineBuffers.js';
import { isObject } from './stateFile.js';
import type { StateSnapshot } from './stateFile.js';
import { eachLine } from './stateLines.js';
import { rowProblem } from './rowShapes.js';
import { corrupt, errorCode, ioError, parseJsonLine } from './storeFiles.js';
import type { StoreError } from './types.js';
import type { RowChanges, StoreData } from './types.js';

/**
 * One commit of the journal: its row changes in order (null: removed), each with where
 * the row's JSON starts in the journal (-1: a removal, or a line in another layout), then
 * its commit line.
 */
export interface JournalCommit {
  rows: Array<{ table: string; id: string; row: Record<string, unknown> | null; body: number }>;
  auditCount: number;
  /** The whole meta, when the commit changed it. */
  meta?: Record<string, unknown>;
}

/** What `readJournal` found past `from`. */
export interface JournalRead {
  /** The complete commits of the generation asked for, in order. */
  commits: JournalCommit[];
  /** Byte offset and line count just past the last of them (`from` and its line when none). */
  end: number;
  lines: number;
  /** Size of the file: bytes past `end` are a torn tail, or commits of an older generation. */
  size: number;
}

/** A row a commit serialized: where its JSON starts in the commit's bytes, and the object it was made from. */
export interface SerializedRow {
  body: number;
  table: string;
  id: string;
  row: unknown;
}

/**
 * The journal lines of one commit: a line per row touched (`put` with the whole row,
 * `remove`), then the commit line naming the state file generation it applies on and
 * the audit rows it covers, with the whole meta if it changed. Canonical JSON, so the
 * same commit gives the same bytes. Encoded into LineBuffers: never one huge string.
 * Each row put also goes into `rows`, with where its JSON starts in these bytes, for a
 * rewrite that comes later. Null, and nothing more serialized, once the lines pass
 * `budget` bytes: a commit that large rewrites the state file instead, and `made` gets the
 * JSON of each row serialized so far (by the row object, its bytes), for that rewrite to copy.
 * @example journalLines({ rows: [{ table: 'jobs', id: 'job_1', removed: false }], meta: false }, data, 1, 12, [], Infinity)?.bytes
 */
export function journalLines(
  changes: RowChanges,
  data: Pick<StoreData, 'tables' | 'meta'>,
  generation: number,
  auditCount: number,
  rows: SerializedRow[],
  budget: number,
  made?: Map<object, Buffer>,
): { parts: Buffer[]; bytes: number; lines: number } | null {
  const tables = data.tables as unknown as Record<string, Record<string, unknown> | undefined>;
  const out = new LineBuffers();
  // Where the JSON of each row in `rows` ends in these bytes: should the budget be passed,
  // `made` gets it from there (no string of it kept meanwhile, which would outlive the
  // young generation in every commit, not only the rare one too large).
  const [ends, first]: [number[], number] = [[], rows.length];
  const overflow = (): null => {
    if (made) for (let k = 0; k < ends.length; k++) made.set(rows[first + k].row as object, out.slice(rows[first + k].body, ends[k]));
    return null;
  };
  for (const { table, id, removed } of changes.rows) {
    const all = tables[table];
    const row = all && Object.hasOwn(all, id) ? all[id] : undefined;
    const key = `"table":${JSON.stringify(table)},"id":${JSON.stringify(id)}`;
    // A row removed and put again goes last in its table: replaying remove, then put, puts it there.
    if (removed || row === undefined) out.push(`{"op":"remove",${key}}`);
    if (row === undefined) continue;
    const json = canonicalJson(row);
    const head = `{"op":"put",${key},"row":`;
    rows.push({ body: out.bytes + Buffer.byteLength(head), table, id, row });
    out.push(`${head}${json}}`);
    // The line ends in `}` and its newline.
    ends.push(out.bytes - 2);
    if (out.bytes > budget) return overflow();
  }
  const meta = changes.meta ? `,"meta":${canonicalJson(data.meta)}` : '';
  out.push(`{"op":"commit","generation":${generation},"auditCount":${auditCount}${meta}}`);
  return out.bytes > budget ? overflow() : { parts: out.finish(), bytes: out.bytes, lines: out.lines };
}

/**
 * Reads the journal from byte `from` (line `line` + 1) and returns the complete commits of
 * `generation`. Lines after the last commit line are a commit that never finished (a
 * torn tail) and are left out; commits of the generation before were folded into the state
 * file by a rewrite whose journal was not emptied yet, and are skipped. Refuses, naming
 * the file and line: a bad line before a commit line, a commit of any other generation
 * (newer, older, or the previous one after a current one), a file shorter than `from`. A missing file is an empty journal.
 * @example const { commits, end } = await readJournal('run.state.jsonl', 0, 0, 3, 'run.json', false);
 */
export async function readJournal(file: string, from: number, line: number, generation: number, stateFile: string, opened: boolean): Promise<JournalRead> {
  let handle: FileHandle;
  try {
    handle = await open(file, 'r');
  } catch (error) {
    if (errorCode(error) !== 'ENOENT') throw ioError(file, 'open', error);
    if (from > 0) throw shorter(file, from, 0, opened);
    return { commits: [], end: 0, lines: 0, size: 0 };
  }
  try {
    const size = (await handle.stat()).size;
    if (size < from) throw shorter(file, from, size, opened);
    const read: JournalRead = { commits: [], end: from, lines: line, size };
    let rows: JournalCommit['rows'] = [];
    let bad: StoreError | null = null;
    let at = line;
    let start = from;
    /** A commit of `generation` was read: an older one may no longer follow. */
    let current = false;
    await eachLine(handle, from, (text, end) => {
      at++;
      const lineStart = start;
      start = end;
      let entry: Entry;
      try {
        entry = parseEntry(text, file, at, opened);
      } catch (error) {
        // Only a commit line after it makes a bad line corrupt; else it is the torn tail.
        bad ??= error as StoreError;
        return true;
      }
      if (entry.op === 'put') {
        const shape = rowProblem(entry.table, entry.row, file, `line ${at}`, opened);
        // Like a line that does not parse: corrupt once a commit line follows it.
        if (shape) bad ??= shape;
      }
      if (entry.op !== 'commit') {
        const body = entry.op === 'put' ? bodyStart(text, entry, lineStart) : -1;
        rows.push({ table: entry.table, id: entry.id, row: entry.op === 'put' ? entry.row : null, body });
        return true;
      }
      if (bad) throw bad;
      if (entry.generation > generation) {
        throw corrupt(file, `line ${at}: a commit on generation ${entry.generation}, newer than generation ${generation} of ${stateFile}`, opened);
      }
      if (entry.generation === generation) {
        read.commits.push({ rows, auditCount: entry.auditCount, ...(entry.meta ? { meta: entry.meta } : {}) });
        [read.end, read.lines] = [end, at];
        current = true;
      } else if (entry.generation !== generation - 1 || entry.generation === 0 || current || from > 0) {
        // Only the generation just before can be there (a rewrite whose journal was not
        // emptied yet), and only ahead of this generation's commits: any other is not this
        // state file's journal, and skipping it would hide committed rows. (Generation 0 is
        // a version-1 file, which never had a journal.)
        throw corrupt(file, `line ${at}: a commit on generation ${entry.generation}, but ${stateFile} is generation ${generation} (its journal holds generation ${generation - 1}, folded in, then ${generation}); the journal does not belong to this state file`, opened);
      }
      rows = [];
      return true;
    });
    return read;
  } catch (error) {
    throw ioError(file, 'read', error);
  } finally {
    await handle.close();
  }
}

/** The rows (in order, with where their JSON is in the journal) and meta some commits changed, as `applyCommit` notes them. */
export interface Touched {
  rows: Array<RowChanges['rows'][number] & { body: number }>;
  meta: boolean;
}

/**
 * Applies one journal commit to a state, in place, noting what it touched: a row put
 * again after a remove is noted removed, then put (it moved last, as the writer's did).
 * @example for (const commit of read.commits) applyCommit(state, commit, touched);
 */
export function applyCommit(state: StateSnapshot, commit: JournalCommit, touched: Touched): void {
  const tables = state.tables as unknown as Record<string, Record<string, unknown>>;
  for (const { table, id, row, body } of commit.rows) {
    const rows = (tables[table] ??= {});
    const had = Object.hasOwn(rows, id);
    if (row) rows[id] = row;
    else if (had) delete rows[id];
    if (row || had) touched.rows.push({ table: table as Touched['rows'][number]['table'], id, removed: !row, body });
  }
  if (commit.meta) [state.meta, touched.meta] = [commit.meta, true];
  state.auditCount = commit.auditCount;
}

type Entry =
  | { op: 'put'; table: string; id: string; row: Record<string, unknown> }
  | { op: 'remove'; table: string; id: string }
  | { op: 'commit'; generation: number; auditCount: number; meta?: Record<string, unknown> };

function parseEntry(text: string, file: string, line: number, opened: boolean): Entry {
  const raw = parseJsonLine(text, file, line, opened);
  const entry = (isObject(raw) ? raw : {}) as Record<string, unknown>;
  const named = (key: string) => typeof entry[key] === 'string' && entry[key] !== '' && entry[key] !== '__proto__';
  const count = (key: string) => Number.isInteger(entry[key]) && (entry[key] as number) >= 0;
  if (entry.op === 'commit' && count('generation') && count('auditCount') && (entry.meta === undefined || isObject(entry.meta))) {
    return entry as Entry;
  }
  if ((entry.op === 'remove' || entry.op === 'put') && named('table') && named('id')) {
    if (entry.op === 'remove' || (isObject(entry.row) && entry.row.id === entry.id)) return entry as Entry;
  }
  throw corrupt(file, `line ${line}: expected a row change ({"op":"put"|"remove","table","id"[,"row"]}) or a commit ({"op":"commit","generation","auditCount"})`, opened);
}

/**
 * Where the row's JSON starts in the journal, if its line is exactly as journalLines writes
 * it (so the bytes from there to the line's closing brace are that JSON, nothing else); -1 if not.
 */
function bodyStart(text: string, entry: { table: string; id: string; row: Record<string, unknown> }, lineStart: number): number {
  const head = `{"op":"put","table":${JSON.stringify(entry.table)},"id":${JSON.stringify(entry.id)},"row":`;
  return text.startsWith(head) && text.slice(head.length, -1) === JSON.stringify(entry.row) ? lineStart + Buffer.byteLength(head) : -1;
}

function shorter(file: string, from: number, size: number, opened: boolean): StoreError {
  return corrupt(file, `holds ${size} bytes, fewer than the ${from} already read (was the store replaced?)`, opened);
}

const FORWARD = 4 * 1024 * 1024;
const NEAR = 64 * 1024;

/**
 * The JSON of rows put in the journal, read back by where it starts, for a rewrite: a
 * row changed since the state file was written is copied from its last journal line
 * rather than serialized again. Reads go through a window; one that lands just past it
 * (rows put one after another) reads a large one, any other a small one.
 * @example const row = await new JournalRows(handle, size).body(at);
 */
export class JournalRows {
  #space: Buffer = Buffer.alloc(0);
  /** The window: the part of `#space` read last, and where in the file it starts. */
  #buf: Buffer = Buffer.alloc(0);
  #at = 0;

  constructor(
    readonly handle: FileHandle,
    readonly size: number,
  ) {}

  /** The bytes of the row JSON starting at `offset`, up to its line's closing brace (valid until the next call); null past the end. */
  async body(offset: number): Promise<Buffer | null> {
    const end = this.#at + this.#buf.length;
    let want = offset >= end && offset < end + FORWARD ? FORWARD : NEAR;
    for (;;) {
      if (offset >= this.#at && offset < this.#at + this.#buf.length) {
        const nl = this.#buf.indexOf(0x0a, offset - this.#at);
        if (nl !== -1) return this.#buf.subarray(offset - this.#at, nl - 1);
        if (this.#at + this.#buf.length >= this.size) return null;
        want = Math.max(want, 2 * (this.#at + this.#buf.length - offset));
      }
      // Into the same buffer each time (the row handed out last is copied by then), grown as
      // a window needs: a buffer a read was garbage for a full collection to free.
      const length = Math.max(0, Math.min(want, this.size - offset));
      if (length > this.#space.length) this.#space = Buffer.allocUnsafe(Math.max(length, Math.min(FORWARD, this.size)));
      const { bytesRead } = await this.handle.read(this.#space, 0, length, offset);
      if (bytesRead === 0) return null;
      [this.#buf, this.#at] = [this.#space.subarray(0, bytesRead), offset];
    }
  }
}
