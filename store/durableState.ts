import { closeSync } from 'node:fs';
import { open, stat, unlink } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { cutTail, openForWrite, renameOver, replaceFile, syncDir, writeTail } from './durableFs.js';
import { ByteOffsets } from './byteOffsets.js';
import { ColdRows, inJournal, isDone, keepsRowsOnDisk } from './coldRows.js';
import { captureState, encodeState } from './stateFile.js';
import type { StateImage, StateSnapshot } from './stateFile.js';
import { applyCommit, journalLines, JournalRows, readJournal } from './stateJournal.js';
import type { JournalRead, SerializedRow, Touched } from './stateJournal.js';
import { INDEX_SUPPORTED } from './crc32.js';
import { glanceValues } from './rowGlance.js';
import type { GlanceColumns } from './rowGlance.js';
import { glanceOfLine, StateIndexBuilder } from './stateIndexFile.js';
import type { StateIndexStamp } from './stateIndexFile.js';
import { ownIndex, readIndexedState } from './stateIndexRead.js';
import type { ReaderIndex } from './stateIndexRead.js';
import { StateLineCursor } from './stateLineCursor.js';
import { readStateFile } from './stateLines.js';
import { emptyStoreData, errorCode, ioError } from './storeFiles.js';
import type { StoreFiles } from './storeFiles.js';
import { TableOrder, tableRow } from './tableOrder.js';
import { SCHEMA_VERSION, StoreError } from './types.js';
import type { RowChanges, StoreData } from './types.js';

/** The journal is folded into the state file once it outgrows the state file, or this. */
const JOURNAL_FLOOR = 4 * 1024 * 1024;

/** A commit made ready by `stage`, before any await: what it writes is fixed then. */
export type StagedState =
  | { kind: 'journal'; parts: Buffer[]; bytes: number; lines: number; auditCount: number; rows: SerializedRow[] }
  | { kind: 'rewrite'; image: StateImage; generation: number; auditCount: number; reuse: boolean; made?: Map<object, Buffer> };

/** A read state, and on a follower's re-read the rows it changed (absent: read afresh). */
export type StateRead = StateSnapshot & { changes?: RowChanges };

/**
 * The state side of a file store: `X.json`, a snapshot of every table (one row per line),
 * and `X.state.jsonl`, a journal of the row changes committed since. A commit appends its
 * changed rows and a commit line, then fdatasyncs: it costs what changed. Once the journal
 * outgrows the state file (floor JOURNAL_FLOOR), and on close, the commit rewrites the state
 * file instead (temp file, fsync, rename) with the next generation and empties the journal.
 * A journal commit names the generation it applies on, so after a crash between the rename
 * and the emptying, the old commits are skipped, never applied twice. Everything a follower
 * reads again is the journal past what it read, and the state file once it was rewritten.
 *
 * When the directory cannot be synced after the rename, the new file is in place, but a
 * power loss may still bring the old one back: the writer goes on from the new one (its
 * generation), keeps the journal the old one needs until a later sync of the directory
 * goes through, and the commit fails (its rows stay in the new file; see `syncPending`).
 *
 * A writer keeps a row that is done with (see `isDone`: a closed incident, a settled job...)
 * in memory only until a commit has put it on disk: then the row leaves its table object
 * and the table's TableOrder (see `order`) holds where its JSON is (ColdRows reads it
 * back), in the journal, and after a rewrite in the new state file. So memory holds what
 * is open, not everything that happened.
 * @example const state = new DurableState(storeFiles('run.json'), false); await state.read();
 */
export class DurableState {
  readonly #files: StoreFiles;
  readonly #readonly: boolean;
  /** The state file on disk: schema version (0: none yet), generation, size, identity. */
  #schema = 0;
  #generation = 0;
  #stateBytes = 0;
  #stamp = '';
  #auditCount = 0;
  /** End (bytes, lines) of the last commit of this generation in the journal. */
  #journalEnd = 0;
  #journalLines = 0;
  /** The journal may hold bytes past its last commit (torn, failed or folded in): cut them before appending. */
  #journalTail = false;
  #journal: FileHandle | null = null;
  /**
   * The row objects whose line in the state file in place is theirs: those read from it, and
   * those the last rewrite wrote (rows are replaced on every put, never edited in place, so
   * an object still in its table is a row unchanged since). With the rows the tables hold as
   * places in the state file, they are the rows a rewrite copies from the file in place; a
   * row in the journal is copied from there. Nothing is noted per row changed: a map of the
   * rows changed since the last rewrite grew with the run (rewrites come rarer as the state
   * file grows), and with it the removed rows' ids it kept.
   */
  #onDisk = new WeakSet<object>();
  /** False once a commit's changes were not known (maybe all rows changed): the next rewrite serializes every row it holds. */
  #reusable = true;
  /** The state as read, then the store's own tables and meta (the ones committed). */
  #state: StateSnapshot | null = null;
  #opened = false;
  /** A writer whose open went through: it may cut tails and rewrite on close. */
  #settled = false;
  /** A rewrite renamed its file into place, but its directory is not synced yet (see `syncPending`). */
  #dirUnsynced = false;
  /** The state index file this writer's last fold wrote (null: none). */
  #written: StateIndexStamp | null = null;
  /**
   * Rows kept on disk only: a writer's, once committed; a reader's, read through the state
   * index file, where they are in the state file it read (`#index` has their glanced fields).
   */
  readonly cold: ColdRows;
  #index: ReaderIndex | null = null;
  /** A writer's TableOrder of each table whose done rows it keeps on disk (made at the first use of the table). */
  readonly #orders = new Map<string, TableOrder>();

  constructor(files: StoreFiles, readonly: boolean) {
    this.#files = files;
    this.#readonly = readonly;
    this.cold = new ColdRows(files);
  }

  /**
   * A writer's order of a table whose done rows it keeps on disk: made from the table's
   * rows (all in memory until then) at its first use, by the store (which gives the table
   * it holds: before the first commit, a new store's defaults) or by a commit.
   */
  order(table: string, rows: Record<string, unknown> | undefined = this.#tables()[table]): TableOrder | undefined {
    if (this.#readonly || !keepsRowsOnDisk(table)) return undefined;
    let order = this.#orders.get(table);
    if (!order) this.#orders.set(table, (order = TableOrder.of(rows)));
    return order;
  }

  /** A writer's row: its object, or where it is kept on disk; undefined: none. */
  #row(table: string, id: string): unknown {
    const rows = this.#tables()[table];
    return rows ? tableRow(rows, this.#orders.get(table), id) : undefined;
  }

  /** A reader's glanced values of the rows it keeps on disk only (see GLANCED). */
  glance(table: string): GlanceColumns | undefined {
    return this.#index?.columns(table);
  }

  /**
   * The state file plus the journal's commits; null when there is no state file. Called
   * again (a follower), it reads only the journal past the last read, unless the state
   * file was rewritten: then everything, keeping the objects of rows that did not change.
   */
  async read(): Promise<StateRead | null> {
    if (this.#opened && !this.#readonly) return this.#state;
    for (let attempt = 1; ; attempt++) {
      const base = await this.#readBase();
      if (!base) {
        if (!this.#opened) await this.#refuseOrphanJournal();
        [this.#state, this.#stamp, this.#journalEnd, this.#journalLines, this.#opened] = [null, '', 0, 0, true];
        return null;
      }
      const [from, line] = base.fresh ? [0, 0] : [this.#journalEnd, this.#journalLines];
      let journal: JournalRead;
      try {
        journal = await readJournal(this.#files.journal, from, line, base.state.generation, this.#files.state, this.#opened);
      } catch (error) {
        if (typeof base.reader?.fd === 'number') closeSync(base.reader.fd);
        // A follower can read the journal while a rewrite replaces it: then it reads everything again.
        if (this.#readonly && attempt < 3 && error instanceof StoreError && (await this.#stampNow()) !== base.stamp) continue;
        throw error;
      }
      // Before the journal's commits replace some: the rows as the state file has them.
      if (!this.#readonly) this.#onDisk = rowObjects(base.state.tables);
      const touched: Touched = { rows: [], meta: false };
      for (const commit of journal.commits) applyCommit(base.state, commit, touched);
      if (base.reader) {
        // The rows kept as offsets are now those of this read (none after a read of every row).
        this.cold.adopt(base.reader.fd);
        this.#index = base.reader.index;
      }
      [this.#state, this.#stamp, this.#opened] = [base.state, base.stamp, true];
      [this.#schema, this.#generation, this.#stateBytes, this.#auditCount] = [base.state.schemaVersion, base.state.generation, base.bytes, base.state.auditCount];
      [this.#journalEnd, this.#journalLines, this.#journalTail] = [journal.end, journal.lines, journal.size > journal.end];
      if (base.fresh && !base.changes) return base.state;
      return { ...base.state, changes: base.changes ? { rows: [...base.changes, ...touched.rows], meta: true } : touched };
    }
  }

  /** The audit rows covered by the state file in place and its journal's commits. */
  get auditCount(): number {
    return this.#auditCount;
  }

  /** A writer's open went through (the audit side too): cut what no commit covers. */
  async settle(): Promise<void> {
    this.#settled = true;
    if (this.#journalTail) await this.#cutJournal(this.#journalEnd);
  }

  /**
   * Fixes what a commit of `data` writes, before any await: the journal lines of the rows
   * it changed, or, when the journal would outgrow the state file or the changes are not
   * known, an image of the whole state to rewrite it from.
   */
  stage(data: StoreData, auditCount: number): StagedState {
    this.#state = { schemaVersion: SCHEMA_VERSION, generation: this.#generation, auditCount: this.#auditCount, meta: data.meta, tables: data.tables };
    if (!data.changes) this.#reusable = false;
    // A new store's journal goes on the empty state file `prepare` writes first.
    const generation = this.#schema === 0 ? 1 : this.#generation;
    // The rows this commit serialized, and where in its bytes.
    const rows: SerializedRow[] = [];
    // Rows a journal too large for its budget serialized before it gave up: the rewrite copies their JSON.
    const made = new Map<object, Buffer>();
    // Only a current state file gets a journal: an older build would not read it. After a
    // rewrite whose directory sync failed, the rows of that commit, retried, are in the file
    // in place already: replayed on it, a row removed and put again would move last twice.
    // A row of a commit retried that is on disk only by now (the commit had landed) is copied from there by a rewrite.
    const held = (change: RowChanges['rows'][number]) => typeof this.#row(change.table, change.id) !== 'number';
    if (data.changes && !this.#dirUnsynced && (this.#schema === 0 || this.#schema === SCHEMA_VERSION) && data.changes.rows.every(held)) {
      // Serialized only as far as the journal may grow: a commit past that serializes its rows once, for the rewrite.
      const journal = journalLines(data.changes, data, generation, auditCount, rows, Math.max(this.#stateBytes, JOURNAL_FLOOR) - this.#journalEnd, made);
      if (journal) return { kind: 'journal', ...journal, auditCount, rows };
    }
    const image = captureState(data.tables, data.meta, generation + 1, auditCount, (table) => this.#orders.get(table));
    return { kind: 'rewrite', image, generation: generation + 1, auditCount, reuse: this.#schema !== 0, made };
  }

  /** Before the first audit row of a new store: its (empty) state file, so an audit file never lands alone. */
  async prepare(): Promise<void> {
    if (this.#schema !== 0) return;
    const { tables } = emptyStoreData();
    try {
      this.#stateBytes = await replaceFile(this.#files.state, this.#files.tmp, encodeState(captureState(tables, {}, 1, 0)));
    } catch (error) {
      throw ioError(this.#files.state, 'write the state file', error);
    }
    [this.#schema, this.#generation] = [SCHEMA_VERSION, 1];
  }

  /**
   * Syncs the directory of a state file a rewrite renamed into place when that failed,
   * then empties the journal the file folded in; true if there was one to sync. Until
   * then a power loss may bring the old state file back, which needs that journal: it is
   * kept, and the next commit (a rewrite: see `stage`) calls this first, failing before it
   * writes anything while the directory still cannot be synced.
   */
  async syncPending(): Promise<boolean> {
    if (!this.#dirUnsynced) return false;
    try {
      await syncDir(dirname(this.#files.state));
    } catch (error) {
      throw ioError(this.#files.state, 'sync its directory after the rename of the rewritten state file (the new file is in place, but a power loss may bring the old one back; the next commit tries again)', error);
    }
    this.#dirUnsynced = false;
    // A journal left as it was holds only commits of the generation before, which a read
    // skips, and is cut before the next append or rewrite (#journalTail). So failing to
    // empty it fails nothing: a retry of the commit would take back audit rows the new
    // file covers, and write again rows kept in it only.
    if (this.#journalTail && this.#journalEnd === 0) await this.#cutJournal(0).catch(() => undefined);
    return true;
  }

  /** Writes a staged commit: after its audit rows are on disk, since it covers them. */
  async commit(staged: StagedState): Promise<void> {
    await this.syncPending();
    if (staged.kind === 'rewrite') return this.#rewrite(staged.image, staged.generation, staged.auditCount, staged.reuse, staged.made);
    try {
      this.#journal ??= await openForWrite(this.#files.journal);
      if (this.#journalTail) await cutTail(this.#journal, this.#journalEnd);
      // Until the write is synced, what follows the last commit is unknown.
      this.#journalTail = true;
      await writeTail(this.#journal, staged.parts, this.#journalEnd);
      this.#journalTail = false;
    } catch (error) {
      throw ioError(this.#files.journal, 'append state changes', error);
    }
    // A row done with is read back from here (and a later rewrite copies it from here).
    const tables = this.#tables();
    for (const { body, table, id, row } of staged.rows) {
      const rows = tables[table];
      // Still the object written (not put again since): its order now says where it is, its table holds it no more.
      if (rows && rows[id] === row && isDone(table, row) && this.order(table)?.place(id, inJournal(this.#journalEnd + body))) delete rows[id];
    }
    this.#journalEnd += staged.bytes;
    this.#journalLines += staged.lines;
    this.#auditCount = staged.auditCount;
  }

  /** A writer folds the journal into the state file, then removes the (empty) journal. */
  async close(): Promise<void> {
    try {
      if (!this.#settled) return;
      await this.syncPending();
      const state = this.#state;
      if (this.#journalEnd > 0 && state) {
        const image = captureState(state.tables, state.meta, this.#generation + 1, this.#auditCount, (table) => this.#orders.get(table));
        await this.#rewrite(image, this.#generation + 1, this.#auditCount, true);
      }
      if (this.#journalEnd > 0 || this.#journalTail) return;
      await this.#journal?.close();
      this.#journal = null;
      await unlink(this.#files.journal).catch((error: unknown) => {
        if (errorCode(error) !== 'ENOENT') throw ioError(this.#files.journal, 'remove the emptied journal', error);
      });
    } finally {
      const handle = this.#journal;
      this.#journal = null;
      this.cold?.close();
      await handle?.close();
    }
  }

  /**
   * Replaces the state file with `image`, the whole committed state, then empties the
   * journal it folds in. With `reuse`, the line of a row unchanged since the file on disk
   * was written (held there only, or an object of `#onDisk`) is copied from it, a row kept
   * in the journal from there; the other rows, those put since and not yet done with (what
   * is open), are serialized, but for those in `made` (the JSON a journal too large for its
   * budget made of them, see `stage`). A cold row is copied from where it is; once the new file is
   * in place, each cold row, and each row done with that is still the object written, is
   * noted at its place in the new file, and the objects written are the new `#onDisk`.
   */
  async #rewrite(image: StateImage, generation: number, auditCount: number, reuse: boolean, made?: Map<object, Buffer>): Promise<void> {
    const copy = reuse && this.#reusable;
    const onDisk = this.#onDisk;
    // The row objects written (the next `#onDisk`): what the new file has of them is their line.
    const objectsWritten = new WeakSet<object>();
    let cursor: StateLineCursor | null = null;
    try {
      // What the journal holds past its commits is folded in (or torn): it goes before a new generation lands.
      if (this.#journalTail && this.#journalEnd === 0) await this.#cutJournal(0);
      // The rows the cursor may pass over: any the tables no longer hold as the file has them.
      // A row the file has as it is: its place in the file, or an object read from it or written by the last rewrite.
      const unchanged = (row: unknown) => (typeof row === 'number' ? row >= 0 : typeof row === 'object' && row !== null && onDisk.has(row));
      const stale = (table: string, id: string) => !unchanged(this.#row(table, id));
      cursor = copy ? await StateLineCursor.open(this.#files.state, stale) : null;
      if (copy && this.#journalEnd > 0) this.#journal ??= await openForWrite(this.#files.journal);
      const journal = copy && this.#journal && this.#journalEnd > 0 ? new JournalRows(this.#journal, this.#journalEnd) : null;
      // Each line handed to encodeState is copied by it before it asks for the next, so
      // the cursor, the journal's window and the cold rows' reads each reuse one buffer.
      const rowLine = new RowLine();
      const known = async (table: string, id: string, row: unknown): Promise<string | Buffer | null> => {
        const fresh = unchanged(row) ? await cursor?.line(table, id) : null;
        if (fresh) return fresh;
        const serialized = made && typeof row === 'object' && row !== null ? made.get(row) : undefined;
        if (serialized !== undefined) return rowLine.of(id, serialized);
        if (typeof row !== 'number' || !this.cold) return null;
        const json = journal && row < 0 ? await journal.body(-row - 1) : this.cold.view(row);
        return json && rowLine.of(id, json);
      };
      // Table, row and offset of each row to keep on disk only, three numbers a row (in
      // typed chunks: an array of them grew by copies, for most of the state file's rows).
      const spots = new ByteOffsets();
      const index = INDEX_SUPPORTED ? new StateIndexBuilder(image.tables.map((table) => table.size)) : null;
      // The rows the last fold kept in the state file have their glance in the index it wrote.
      const previous = index && this.#written ? await ownIndex(this.#files.stateIndex, this.#written) : null;
      const placed = (t: number, k: number, id: string, at: number, length: number, line: string | Buffer, head: number) => {
        const { name } = image.tables[t];
        const row = image.tables[t].row(k);
        if (typeof row === 'object' && row !== null) objectsWritten.add(row);
        const done = typeof row === 'number' || isDone(name, row);
        if (done) {
          spots.push(t);
          spots.push(k);
          spots.push(at);
        }
        // A row kept on disk only has its glance in the last fold's index, or is parsed for it
        // (one kept in the journal since: holding its glance in memory until the next fold
        // grew with the run, as folds come rarer while the state file grows).
        const cold = () => ((row as number) >= 0 ? previous?.encoded(name, row as number) : undefined) ?? glanceOfLine(name, line, head);
        const glance = () => (typeof row === 'number' ? cold() : glanceValues(name, row as Record<string, unknown>));
        index?.row(t, name, id, line, at, length, done, glance);
      };
      const parts = encodeState(image, known, placed);
      // Rows read between the rename and `#place` are still at their offsets in the old file.
      this.cold?.hold();
      this.#stateBytes = await renameOver(this.#files.state, this.#files.tmp, index ? summed(parts, index) : parts);
      this.#place(image, spots);
      // Derived data, after the file it describes: a reader that finds it stale parses the state file.
      this.#written = (await index?.write(this.#files.stateIndex, generation)) ?? null;
    } catch (error) {
      throw ioError(this.#files.state, 'write the state file', error);
    } finally {
      await cursor?.close();
    }
    // The new file is in place and holds every change: none is in the journal any more,
    // and the next commit goes on from its generation, whatever the directory sync does.
    [this.#onDisk, this.#reusable] = [objectsWritten, true];
    const folded = this.#journalEnd > 0 || this.#journalTail;
    [this.#schema, this.#generation, this.#auditCount] = [SCHEMA_VERSION, generation, auditCount];
    [this.#journalEnd, this.#journalLines, this.#journalTail] = [0, 0, folded];
    this.#dirUnsynced = true;
    await this.syncPending();
  }

  /**
   * The new state file is in place: reads go to it, and each row in `spots` that is still
   * what the image held (the same object, or the same place on disk) is kept there only:
   * its order notes the place, its table holds it no more.
   */
  #place(image: StateImage, spots: ByteOffsets): void {
    this.cold.moved();
    const tables = this.#tables();
    for (let i = 0; i < spots.length; i += 3) {
      const [table, k] = [image.tables[spots.at(i)], spots.at(i + 1)];
      const [name, id, was] = [table.name, table.id(k), table.row(k)];
      const live = tables[name];
      if (live && this.#row(name, id) === was && this.order(name)?.place(id, spots.at(i + 2))) delete live[id];
    }
  }

  /** The store's own tables, as the last commit staged them (or as read). */
  #tables(): Record<string, Record<string, unknown> | undefined> {
    return (this.#state?.tables ?? {}) as unknown as Record<string, Record<string, unknown> | undefined>;
  }

  async #cutJournal(at: number): Promise<void> {
    try {
      this.#journal ??= await openForWrite(this.#files.journal);
      await cutTail(this.#journal, at);
      this.#journalTail = false;
    } catch (error) {
      throw ioError(this.#files.journal, 'cut uncommitted state changes', error);
    }
  }

  /**
   * The state file, read afresh (`fresh`) unless it is the one read last time: by a reader
   * through its index file when that holds up (`reader`: the file, kept open, and the index),
   * else parsed. `changes`: a re-read's rows that differ from the last read's, when that read
   * kept rows as offsets (a diff of the two reads' tables could not compare those).
   */
  async #readBase(): Promise<{
    state: StateSnapshot;
    stamp: string;
    bytes: number;
    fresh: boolean;
    changes?: RowChanges['rows'];
    reader?: { fd: number | null; index: ReaderIndex | null };
  } | null> {
    const file = this.#files.state;
    let handle: FileHandle;
    try {
      handle = await open(file, 'r');
    } catch (error) {
      if (errorCode(error) === 'ENOENT') return null;
      throw ioError(file, 'open', error);
    }
    try {
      // Stamped from the open handle, so the stamp and the text are of the same file.
      const st = await handle.stat();
      const stamp = stampOf(st);
      if (this.#state && stamp === this.#stamp) return { state: this.#state, stamp, bytes: st.size, fresh: false };
      // A reader whose last read kept every row parsed compares them with the new ones as before.
      if (this.#readonly && INDEX_SUPPORTED && (!this.#state || this.#index)) {
        const previous = this.#state && this.#index ? { tables: this.#state.tables, index: this.#index } : null;
        const read = await readIndexedState(this.#files, this.#opened, stamp, stampOf, previous);
        if (read) return { state: read.state, stamp, bytes: read.bytes, fresh: true, changes: read.changes, reader: { fd: read.fd, index: read.index } };
      }
      const coldBytes = this.#readonly && this.#index ? (at: number) => this.cold.bytes(at) : undefined;
      const { changes, ...state } = await readStateFile(handle, file, this.#opened, this.#state?.tables, coldBytes);
      return { state, stamp, bytes: st.size, fresh: true, changes, reader: this.#readonly ? { fd: null, index: null } : undefined };
    } catch (error) {
      throw ioError(file, 'read', error);
    } finally {
      await handle.close();
    }
  }

  async #stampNow(): Promise<string> {
    return stat(this.#files.state).then(stampOf, () => '');
  }

  /** A journal with no state file: someone removed X.json; cutting the journal would lose rows. */
  async #refuseOrphanJournal(): Promise<void> {
    const { journal, state } = this.#files;
    const size = await stat(journal).then((st) => st.size, (error: unknown) => {
      if (errorCode(error) === 'ENOENT') return 0;
      throw ioError(journal, 'read', error);
    });
    if (size > 0) {
      throw new StoreError(`${journal} holds state changes but ${state} is missing: refusing to open; restore ${state} or move the journal away`, 'corrupt', state);
    }
  }
}

/** The row objects of a state's tables (the rows held as places on disk left out). */
function rowObjects(tables: StateSnapshot['tables']): WeakSet<object> {
  const out = new WeakSet<object>();
  for (const rows of Object.values(tables as unknown as Record<string, Record<string, unknown>>)) {
    for (const id in rows) if (typeof rows[id] === 'object' && rows[id] !== null) out.add(rows[id]);
  }
  return out;
}

/** A row's state file line (`"id":{...}`) made from its JSON, in one buffer filled again each time. */
class RowLine {
  #buf = Buffer.alloc(0);

  /** The line of row `id` whose JSON is `json` (valid until the next call). */
  of(id: string, json: Buffer): Buffer {
    const head = `${JSON.stringify(id)}:`;
    // At most 3 bytes of UTF-8 per UTF-16 unit.
    const most = head.length * 3 + json.length;
    if (most > this.#buf.length) this.#buf = Buffer.allocUnsafe(Math.max(most, 2 * this.#buf.length, 64 * 1024));
    const n = this.#buf.write(head);
    return this.#buf.subarray(0, n + json.copy(this.#buf, n));
  }
}

/** The parts of a state file, summed into its index on the way to disk. */
async function* summed(parts: AsyncIterable<Buffer>, index: StateIndexBuilder): AsyncGenerator<Buffer> {
  for await (const part of parts) {
    index.sum(part);
    yield part;
  }
}

function stampOf(st: { ino: number; size: number; mtimeMs: number; ctimeMs: number }): string {
  return `${st.ino}:${st.size}:${st.mtimeMs}:${st.ctimeMs}`;
}
