import { stat, truncate, unlink } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import type { Adapter } from 'lowdb';
import { AuditFile } from './auditFile.js';
import { AuditIndexWriter, INDEX_SUPPORTED, readIndexFile, trustedParts } from './auditIndexFile.js';
import { readAuditLines } from './auditLines.js';
import { AuditLog } from './auditLog.js';
import type { GlanceColumns } from './rowGlance.js';
import { cutTail, openForWrite, writeTail } from './durableFs.js';
import type { Lock } from './lockFile.js';
import { DurableState } from './durableState.js';
import { errorCode, ioError, storeFiles } from './storeFiles.js';
import type { StoreFiles } from './storeFiles.js';
import type { TableOrder } from './tableOrder.js';
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
  #audit: AuditLog;
  readonly #search: boolean;
  /** A writer's side of the audit index file (`X.audit.idx`), from its open on. */
  #index: AuditIndexWriter | null = null;
  /** Where the audit rows on disk are read back from (committed rows are kept as offsets). */
  readonly #auditFile: AuditFile;
  /** Audit rows and jsonl bytes covered by the state file on disk. */
  #rows = 0;
  #bytes = 0;
  #opened = false;
  #jsonl: FileHandle | null = null;
  /** A writer's lock: each audit append is noted in it first, so the next owner knows a crash's tail from committed rows. */
  readonly #lock: Lock | null;

  constructor(path: string, opts: { readonly?: boolean; lock?: Lock | null; search?: boolean } = {}) {
    this.files = storeFiles(path);
    this.#auditFile = new AuditFile(this.files.audit);
    this.#readonly = opts.readonly ?? false;
    // A store opened to be searched (the watcher's) has its audit search ready from the start.
    this.#search = opts.search ?? false;
    this.#audit = this.#newLog();
    this.#lock = opts.lock ?? null;
    this.#state = new DurableState(this.files, this.#readonly);
  }

  async read(): Promise<StoreData | null> {
    const { state: stateFile, audit: auditFile } = this.files;
    // The audit index file is read from disk while the state file is parsed.
    const indexFile = this.#opened ? null : readIndexFile(this.files.auditIndex);
    const state = await this.#state.read();
    if (!state && !this.#opened) await this.#refuseOrphanAudit();
    const count = state?.auditCount ?? 0;
    if (count < this.#rows) {
      throw new StoreError(`${stateFile} now covers ${count} audit rows, fewer than the ${this.#rows} already read: the store was replaced; open it again`, 'corrupt', stateFile);
    }
    if (indexFile) this.#readIndex(count, await indexFile);
    // Rows go into the log as they are read (never all parsed at once); a read that
    // fails half way takes its rows back out, so the next read starts from the same line.
    const mark = this.#audit.mark();
    const log = this.#audit;
    const tail = await readAuditLines(auditFile, this.#bytes, count - this.#rows, this.#rows + 1, stateFile, this.#opened, (offset, length, row) => log.addStored(offset, length, row)).catch((error: unknown) => {
      log.rollback(mark);
      throw error;
    });
    if (!this.#readonly && !this.#opened) {
      this.#checkUncovered(count, tail.end, tail.size);
      await this.#dropUncommitted(tail.end, tail.size);
      await this.#state.settle();
      this.#lock?.settleInherited();
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
    // A state file renamed into place by a failed commit is synced first: until then the
    // lock notes its audit rows as an append that a power loss may undo (see below).
    if (await this.#state.syncPending()) this.#lock?.clearIntent();
    if (lines) {
      // Noted before the first byte: rows past the state's count are then known to be this
      // append (cut by the next writer after a crash), not committed rows a restored state
      // file no longer covers (refused).
      const size = lines.reduce((sum, part) => sum + part.length, 0);
      this.#lock?.noteIntent(`audit ${this.#bytes} ${this.#bytes + size}`);
      try {
        this.#jsonl ??= await openForWrite(this.files.audit);
        await writeTail(this.#jsonl, lines, this.#bytes);
      } catch (error) {
        await this.#takeBackAudit();
        throw ioError(this.files.audit, 'append audit rows', error);
      }
    }
    try {
      await this.#state.commit(staged);
    } catch (error) {
      // A rewrite whose directory could not be synced after the rename has its state file in
      // place all the same: that file covers these rows, so they stay (the lock still notes
      // them, for a power loss that brings the old file back); else they are taken back.
      if (lines && this.#state.auditCount === end) this.#appended(data, end, lines);
      else if (lines) await this.#takeBackAudit();
      throw error;
    }
    this.#lock?.clearIntent();
    if (lines) this.#appended(data, end, lines);
    await this.#index?.extend(data.audit_log, end);
  }

  /** The audit rows up to `end`, appended as `lines`, are covered by the state file in place. */
  #appended(data: StoreData, end: number, lines: Buffer[]): void {
    this.#rows = end;
    for (const part of lines) this.#bytes += part.length;
    // On disk now: the log keeps where these rows are instead of their lines.
    data.audit_log.committed(end, this.#auditFile);
  }

  /** Reads back a row kept on disk only: its TableOrder (a follower's table) holds where it is (see DurableState). */
  thaw(table: string, id: string, at: number): unknown {
    return this.#state.cold.row(table, id, at);
  }

  /** The glanced values (see GLANCED) of a table's rows kept on disk only, when a reader has them from the state index file. */
  glance(table: string): GlanceColumns | undefined {
    return this.#state.glance(table);
  }

  /** A writer's order of a table whose done rows it keeps on disk with no entry in the table (see TableOrder). */
  order(table: string, rows?: Record<string, unknown>): TableOrder | undefined {
    return this.#state.order(table, rows);
  }

  /** Closes the audit file handles; a writer folds the state journal into the state file. */
  async close(): Promise<void> {
    // A store opened with no (or a short) index file leaves it complete for the next open.
    await this.#index?.extend(this.#audit, this.#rows);
    this.#auditFile.close();
    await this.#index?.close();
    const handle = this.#jsonl;
    this.#jsonl = null;
    await handle?.close();
    await this.#state.close();
  }

  /** The log `read` hands out as `audit_log` (a new store's too, before it has rows). */
  get auditLog(): AuditLog {
    return this.#audit;
  }

  #newLog(): AuditLog {
    const persist = !this.#readonly && INDEX_SUPPORTED;
    return new AuditLog(this.#auditFile, { text: this.#search, persist, sideFile: persist ? this.files.auditIndex : undefined });
  }

  /**
   * At the first read: the rows the audit index file holds (as far as it holds up) go into
   * the log unparsed; the rows after them are then read from the audit file. A writer goes
   * on from there, appending to the index file as rows are committed; a reader never writes.
   */
  #readIndex(count: number, file: Buffer | null): void {
    let read = trustedParts(file, this.files.audit, count, this.#audit.indexKeepsText);
    try {
      this.#audit.addIndexed(read.parts);
    } catch {
      // A part that checks out but does not fit the index: start over from the audit file.
      this.#audit = this.#newLog();
      read = { parts: [], rows: 0, bytes: 0, fileBytes: 0 };
    }
    [this.#rows, this.#bytes] = [read.rows, read.bytes];
    if (!this.#readonly && INDEX_SUPPORTED) this.#index = new AuditIndexWriter(this.files.auditIndex, read);
  }

  /**
   * A failed commit's audit rows are cut again (best effort: cutting needs no free space),
   * so the store stays openable; if that fails too, the intent stays noted in the lock,
   * which is then left behind for the next writer to read.
   */
  async #takeBackAudit(): Promise<void> {
    try {
      if (this.#jsonl) await cutTail(this.#jsonl, this.#bytes);
      this.#lock?.clearIntent();
    } catch {
      // Left for the next writer: the lock file keeps the intent.
    }
  }

  /**
   * Bytes past the audit rows the state covers, at a writer's open: the append of a commit
   * whose state never landed (a crash), to cut, only when the dead writer's lock noted
   * exactly that append. Anything else is committed rows that a state file restored from
   * an older backup does not cover: cutting them would delete them, so the open is refused.
   */
  #checkUncovered(rows: number, end: number, size: number): void {
    if (size <= end) return;
    const intent = /^audit (\d+) (\d+)$/.exec(this.#lock?.inherited ?? '');
    if (intent && Number(intent[1]) === end && size <= Number(intent[2])) return;
    // The dead owner's note explains none of it: nothing is left for a later owner to act on.
    this.#lock?.settleInherited();
    const { state, audit } = this.files;
    throw new StoreError(
      `${audit} holds audit rows past the first ${rows} that ${state} covers (${size - end} more bytes), and no crashed write explains them: ${state} is older than its audit log (restored from a backup?). ` +
        `Refusing to open, so that no committed row is deleted; both files are left as they are. Restore the ${state} (and ${this.files.journal}) saved together with this audit log, ` +
        `or, to keep ${state} as it is, move ${audit} away and put only its first ${rows} lines in its place (head -n ${rows})`,
      'corrupt',
      state,
    );
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

