import { open, stat, truncate, unlink } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import type { Adapter } from 'lowdb';
import { readAuditLines } from './auditLines.js';
import { AuditLog } from './auditLog.js';
import { openForWrite, replaceFile, writeTail } from './durableFs.js';
import { decodeState, StateEncoder } from './stateFile.js';
import type { StateSnapshot } from './stateFile.js';
import { rereadState } from './stateLines.js';
import type { StateRows } from './stateLines.js';
import { emptyStoreData, errorCode, ioError, storeFiles } from './storeFiles.js';
import type { StoreFiles } from './storeFiles.js';
import { StoreError } from './types.js';
import type { StoreData } from './types.js';

/**
 * lowdb adapter keeping a store in two files, so a commit costs what changed rather than
 * the whole database: the small state (`X.json`, replaced atomically) and the
 * append-only audit log (`X.audit.jsonl`, only new rows appended). The state records how
 * many audit rows it covers; write order is audit append, then state rename, so after a
 * crash the rows past that count are a commit that never landed and are ignored (and cut
 * by a writer on open). `read()` can be called again to pick up another writer's commits:
 * it re-reads the state only when the file changed and reads only the new audit lines.
 * @example const low = new Low(new SplitFileAdapter('run.json'), emptyStoreData()); await low.read();
 */
export class SplitFileAdapter implements Adapter<StoreData> {
  readonly files: StoreFiles;
  readonly #readonly: boolean;
  readonly #encoder = new StateEncoder();
  /** The audit rows read or written: handed out as `audit_log` and grown in place. */
  readonly #audit = new AuditLog();
  /** Audit rows and jsonl bytes covered by the state file on disk. */
  #rows = 0;
  #bytes = 0;
  #stamp = '';
  #state: StateSnapshot | null = null;
  /** Follower only: each row's line in the last state read, with its parsed row. */
  #lines: StateRows = new Map();
  #opened = false;
  #stateWritten = false;
  #jsonl: FileHandle | null = null;

  constructor(path: string, opts: { readonly?: boolean } = {}) {
    this.files = storeFiles(path);
    this.#readonly = opts.readonly ?? false;
  }

  async read(): Promise<StoreData | null> {
    const { state: stateFile, audit: auditFile } = this.files;
    const state = await this.#readState();
    if (!state && !this.#opened) await this.#refuseOrphanAudit();
    this.#stateWritten = state !== null;
    const count = state?.auditCount ?? 0;
    if (count < this.#rows) {
      throw new StoreError(`${stateFile} now covers ${count} audit rows, fewer than the ${this.#rows} already read: the store was replaced; open it again`, 'corrupt', stateFile);
    }
    // Rows go into the log as they are read (never all parsed at once); a read that
    // fails half way takes its rows back out, so the next read starts from the same line.
    const mark = this.#audit.mark();
    const log = this.#audit;
    const tail = await readAuditLines(auditFile, this.#bytes, count - this.#rows, this.#rows + 1, stateFile, this.#opened, (line, row) => log.add(line, row)).catch((error: unknown) => {
      log.rollback(mark);
      throw error;
    });
    if (!this.#readonly && !this.#opened) await this.#dropUncommitted(tail.end, tail.size);
    this.#rows = count;
    this.#bytes = tail.end;
    this.#opened = true;
    if (!state) return null;
    return { schemaVersion: state.schemaVersion, meta: state.meta, tables: state.tables, audit_log: this.#audit };
  }

  async write(data: StoreData): Promise<void> {
    if (this.#readonly) throw new StoreError(`${this.files.state} is open read-only`, 'readonly', this.files.state);
    // Everything is captured before the first await: mutations made while this commit
    // is on its way to disk belong to the next one.
    const end = data.audit_log.length;
    // The lines were serialized once, on append (or kept as read): appended as they are.
    const lines = end > this.#rows ? data.audit_log.bytes(this.#rows, end) : null;
    const parts = this.#encoder.encode(data, end);
    // A new store's state file lands before its first audit line, so an audit file
    // without a state file is never a crash we caused, and is refused on open.
    if (lines && !this.#stateWritten) {
      try {
        await replaceFile(this.files.state, this.files.tmp, new StateEncoder().encode({ ...data, audit_log: new AuditLog(), meta: {}, tables: emptyStoreData().tables }, 0));
      } catch (error) {
        throw ioError(this.files.state, 'write the state file', error);
      }
    }
    this.#stateWritten = true;
    if (lines) {
      try {
        this.#jsonl ??= await openForWrite(this.files.audit);
        await writeTail(this.#jsonl, lines, this.#bytes);
      } catch (error) {
        throw ioError(this.files.audit, 'append audit rows', error);
      }
    }
    try {
      await replaceFile(this.files.state, this.files.tmp, parts);
    } catch (error) {
      throw ioError(this.files.state, 'write the state file', error);
    }
    this.#rows = end;
    this.#bytes += lines?.length ?? 0;
  }

  /** Closes the audit file handle. */
  async close(): Promise<void> {
    const handle = this.#jsonl;
    this.#jsonl = null;
    await handle?.close();
  }

  /** The state file, parsed; the previous one when the file has not changed since. */
  async #readState(): Promise<StateSnapshot | null> {
    const file = this.files.state;
    let handle: FileHandle;
    try {
      handle = await open(file, 'r');
    } catch (error) {
      if (errorCode(error) === 'ENOENT') return (this.#state = null);
      throw ioError(file, 'open', error);
    }
    try {
      // Stamped from the open handle, so the stamp and the text are of the same file.
      const st = await handle.stat();
      const stamp = `${st.ino}:${st.size}:${st.mtimeMs}:${st.ctimeMs}`;
      if (this.#state && stamp === this.#stamp) return this.#state;
      const text = await handle.readFile('utf8');
      // A follower re-reads often: only the lines that changed are parsed.
      const next = this.#readonly ? rereadState(text, file, this.#lines, this.#opened) : null;
      this.#state = next?.state ?? decodeState(text, file, this.#opened);
      this.#lines = next?.rows ?? new Map();
      this.#stamp = stamp;
      return this.#state;
    } catch (error) {
      throw ioError(file, 'read', error);
    } finally {
      await handle.close();
    }
  }

  /** Audit rows with no state file: someone removed X.json; truncating them would lose the log. */
  async #refuseOrphanAudit(): Promise<void> {
    const size = await stat(this.files.audit).then((st) => st.size, (error: unknown) => {
      if (errorCode(error) === 'ENOENT') return 0;
      throw ioError(this.files.audit, 'read', error);
    });
    if (size > 0) {
      throw new StoreError(`${this.files.audit} holds audit rows but ${this.files.state} is missing: refusing to open; restore ${this.files.state} or move the audit file away`, 'corrupt', this.files.state);
    }
  }

  /** A writer opening the store cuts audit lines no state covers, and a stale temp file. */
  async #dropUncommitted(end: number, size: number): Promise<void> {
    try {
      if (size > end) await truncate(this.files.audit, end);
      await unlink(this.files.tmp).catch((error: unknown) => {
        if (errorCode(error) !== 'ENOENT') throw error;
      });
    } catch (error) {
      throw ioError(this.files.audit, 'drop uncommitted audit rows', error);
    }
  }
}

