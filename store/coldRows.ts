import { closeSync, openSync, readSync } from 'node:fs';
import type { StoreFiles } from './storeFiles.js';
import { corrupt, errorCode, ioError } from './storeFiles.js';
import type { TableName } from './types.js';

type Row = Record<string, unknown>;

/**
 * Rows that are done with (nothing in the workflow changes them again, and little reads
 * them): a file store's writer keeps such a row, once a commit has put it on disk, as
 * where its JSON is there, in its table's TableOrder, instead of the object (see ColdRows). Other tables' rows (agents,
 * responders, open deadlines...) are few and stay in memory.
 */
const DONE: Partial<Record<TableName, (row: Row) => boolean>> = {
  incidents: (row) => row.status === 'closed',
  jobs: (row) => row.status === 'succeeded' || row.status === 'failed',
  decisions: (row) => row.status !== 'pending',
  followups: (row) => row.status === 'done',
  notifications: () => true,
  kb_documents: () => true,
};

/** Whether a table's rows may be kept on disk only (some of them: see `isDone`). */
export function keepsRowsOnDisk(table: string): boolean {
  return DONE[table as TableName] !== undefined;
}

/** Whether a row may be kept on disk only, once committed. */
export function isDone(table: string, row: unknown): boolean {
  const done = DONE[table as TableName];
  return done !== undefined && typeof row === 'object' && row !== null && done(row as Row);
}

/**
 * Where a cold row's JSON starts: a byte offset in the state file (>= 0), or in the row
 * journal, written -(offset + 1). A writer's TableOrder holds this number for the row (a
 * follower's table, in place of the row's object).
 */
export type ColdAt = number;

export const inJournal = (offset: number): ColdAt => -(offset + 1);

const [NEWLINE, COMMA] = [0x0a, 0x2c];
const FIRST_READ = 4096;

/**
 * Reads cold rows back, synchronously (`get` and `list` are): the bytes of a row's JSON
 * from where it starts to the end of its line, from the state file (a row line
 * `"id":{...}` with or without a comma) or the journal (a put line, whose JSON ends one
 * byte before its newline). The files are opened on first use and kept open; a rewrite
 * of the state file (a new file renamed over the old one) calls `moved` so the next read
 * opens the new one.
 * @example const cold = new ColdRows(storeFiles('run.json')); cold.row('jobs', 'job_1', 812);
 */
export class ColdRows {
  readonly #files: StoreFiles;
  #state: number | null = null;
  #journal: number | null = null;
  /** Closed with its store: a read then opens the file and closes it again. */
  #closed = false;
  #buf = Buffer.allocUnsafe(FIRST_READ);

  constructor(files: StoreFiles) {
    this.#files = files;
  }

  /** The row object, parsed afresh from its JSON on disk. */
  row(table: string, id: string, at: ColdAt): Row {
    const text = this.#line(at).toString('utf8');
    let row: unknown;
    try {
      row = JSON.parse(text);
    } catch {
      row = null;
    }
    if (row === null || typeof row !== 'object' || (row as Row).id !== id) {
      const file = at >= 0 ? this.#files.state : this.#files.journal;
      throw corrupt(file, `tables.${table}[${JSON.stringify(id)}] at byte ${at >= 0 ? at : -at - 1}: expected the row's JSON there (was the file changed by another program?)`, true);
    }
    return row as Row;
  }

  /** The bytes of the row's JSON (a copy, safe to keep). */
  bytes(at: ColdAt): Buffer {
    return Buffer.from(this.#line(at));
  }

  /** The bytes of the row's JSON in the read buffer: valid until the next read (copy them first). */
  view(at: ColdAt): Buffer {
    return this.#line(at);
  }

  /** The row's JSON in the read buffer (valid until the next read). */
  #line(at: ColdAt): Buffer {
    const journal = at < 0;
    const offset = journal ? -at - 1 : at;
    const file = journal ? this.#files.journal : this.#files.state;
    try {
      const fd = journal ? (this.#journal ??= openSync(file, 'r')) : (this.#state ??= openSync(file, 'r'));
      return this.#read(fd, offset, journal);
    } catch (error) {
      throw ioError(file, `read back a row kept there at byte ${offset}`, error);
    } finally {
      if (this.#closed) this.#release();
    }
  }

  #read(fd: number, offset: number, journal: boolean): Buffer {
    let length = 0;
    for (;;) {
      if (length === this.#buf.length) {
        const grown = Buffer.allocUnsafe(this.#buf.length * 2);
        this.#buf.copy(grown, 0, 0, length);
        this.#buf = grown;
      }
      const read = readSync(fd, this.#buf, length, this.#buf.length - length, offset + length);
      const nl = this.#buf.subarray(0, length + read).indexOf(NEWLINE, length);
      length += read;
      if (nl !== -1) return this.#buf.subarray(0, journal ? nl - 1 : this.#buf[nl - 1] === COMMA ? nl - 1 : nl);
      if (read === 0) return this.#buf.subarray(0, length);
    }
  }

  /**
   * The state file is about to be replaced: keeps the one the rows' offsets point into
   * open, so a read before `moved` (while the new file is synced) still finds them there
   * rather than at the same offsets in the new file. A missing file holds no cold row.
   */
  hold(): void {
    if (this.#state !== null || this.#closed) return;
    try {
      this.#state = openSync(this.#files.state, 'r');
    } catch (error) {
      if (errorCode(error) !== 'ENOENT') throw error;
    }
  }

  /**
   * A reader's rows are offsets into the state file it read through its index: `fd` is that
   * file, kept open so that a writer's rewrite (a new file renamed over it) does not move
   * them; null: no row is kept as an offset any more.
   */
  adopt(fd: number | null): void {
    this.moved();
    this.#state = fd;
  }

  /** The state file was replaced, and the rows noted at their places in it: reads from now on open the new one. */
  moved(): void {
    if (this.#state !== null) closeSync(this.#state);
    this.#state = null;
  }

  /** The journal was emptied: every cold row is in the state file now. */
  journalCut(): void {
    if (this.#journal !== null) closeSync(this.#journal);
    this.#journal = null;
  }

  /** Closes the files; a read after this (a closed store's `get`) opens its file for that read only. */
  close(): void {
    this.#closed = true;
    this.#release();
  }

  #release(): void {
    this.moved();
    this.journalCut();
  }
}
