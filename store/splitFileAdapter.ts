import { stat, truncate, unlink } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import type { Adapter } from 'lowdb';
import { AuditFile } from './auditFile.js';
import { readAuditLines } from './auditLines.js';
import { AuditLog } from './auditLog.js';
import { openForWrite, writeTail } from './durableFs.js';
import { DurableState } from './durableState.js';
import { errorCode, ioError, storeFiles } from './storeFiles.js';
import type { StoreFiles } from './storeFiles.js';
import { StoreError } from './types.js';
import type { StoreData } from './types.js';

/**
 * lowdb adapter keeping a store in files that a commit appends to, so a commit costs what
 * changed rather than the whole database: the state (`X.json`, every table, rewritten
 * atomically now and then, plus its row journal `X.state.jsonl`, see DurableState) and
 * the append-only audit log (`X.audit.jsonl`, only new rows appended). Each state commit
 * (a journal commit line, or a rewritten state file) records how many audit rows it
 * covers; write order is audit append, then state commit, so after a crash the rows past
 * that count are a commit that never landed and are ignored (and cut by a writer on open). `read()` can be called again to pick up another
 * writer's commits: it reads only the new journal and audit lines.
 * @example const low = new Low(new SplitFileAdapter('run.json'), emptyStoreData()); await low.read();
 */
export class SplitFileAdapter implements Adapter<StoreData> {
  readonly files: StoreFiles;
  readonly #readonly: boolean;
  readonly #state: DurableState;
  /** The audit rows read or written: handed out as `audit_log` and grown in place. */
  readonly #audit: AuditLog;
  /** Where the audit rows on disk are read back from (committed rows are kept as offsets). */
  readonly #auditFile: AuditFile;
  /** Audit rows and jsonl bytes covered by the state file on disk. */
  #rows = 0;
  #bytes = 0;
  #opened = false;
  #jsonl: FileHandle | null = null;

  constructor(path: string, opts: { readonly?: boolean } = {}) {
    this.files = storeFiles(path);
    this.#auditFile = new AuditFile(this.files.audit);
    this.#audit = new AuditLog(this.#auditFile);
    this.#readonly = opts.readonly ?? false;
    this.#state = new DurableState(this.files, this.#readonly);
  }

  async read(): Promise<StoreData | null> {
    const { state: stateFile, audit: auditFile } = this.files;
    const state = await this.#state.read();
    if (!state && !this.#opened) await this.#refuseOrphanAudit();
    const count = state?.auditCount ?? 0;
    if (count < this.#rows) {
      throw new StoreError(`${stateFile} now covers ${count} audit rows, fewer than the ${this.#rows} already read: the store was replaced; open it again`, 'corrupt', stateFile);
    }
    // Rows go into the log as they are read (never all parsed at once); a read that
    // fails half way takes its rows back out, so the next read starts from the same line.
    const mark = this.#audit.mark();
    const log = this.#audit;
    const tail = await readAuditLines(auditFile, this.#bytes, count - this.#rows, this.#rows + 1, stateFile, this.#opened, (offset, length, row) => log.addStored(offset, length, row)).catch((error: unknown) => {
      log.rollback(mark);
      throw error;
    });
    if (!this.#readonly && !this.#opened) {
      await this.#dropUncommitted(tail.end, tail.size);
      await this.#state.settle();
    }
    this.#rows = count;
    this.#bytes = tail.end;
    this.#opened = true;
    if (!state) return null;
    return { schemaVersion: state.schemaVersion, meta: state.meta, tables: state.tables, audit_log: this.#audit, changes: state.changes };
  }

  async write(data: StoreData): Promise<void> {
    if (this.#readonly) throw new StoreError(`${this.files.state} is open read-only`, 'readonly', this.files.state);
    // Everything is captured before the first await: mutations made while this commit
    // is on its way to disk belong to the next one.
    const end = data.audit_log.length;
    // The lines were serialized once, on append (or kept as read): appended as they are.
    const lines = end > this.#rows ? data.audit_log.bytes(this.#rows, end) : null;
    const staged = this.#state.stage(data, end);
    // A new store's state file lands before its first audit line, so an audit file
    // without a state file is never a crash we caused, and is refused on open.
    await this.#state.prepare();
    if (lines) {
      try {
        this.#jsonl ??= await openForWrite(this.files.audit);
        await writeTail(this.#jsonl, lines, this.#bytes);
      } catch (error) {
        throw ioError(this.files.audit, 'append audit rows', error);
      }
    }
    await this.#state.commit(staged);
    this.#rows = end;
    for (const part of lines ?? []) this.#bytes += part.length;
    // On disk now: the log keeps where these rows are instead of their lines.
    if (lines) data.audit_log.committed(end, this.#auditFile);
  }

  /** Closes the audit file handles; a writer folds the state journal into the state file. */
  async close(): Promise<void> {
    this.#auditFile.close();
    const handle = this.#jsonl;
    this.#jsonl = null;
    await handle?.close();
    await this.#state.close();
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

