import type { AuditEntry } from '../machines/types.js';
import type { AuditFile } from './auditFile.js';
import { AuditIndex, INDEXED, type IndexedField, type IndexPart } from './auditIndex.js';
import { queryAudit } from './auditQuery.js';
import { readColumn } from './auditIndexFile.js';
import { ByteOffsets } from './byteOffsets.js';
import { canonicalJson } from './canonicalJson.js';
import { LineBuffers } from './lineBuffers.js';
import type { AuditPage, AuditQuery } from './types.js';

/** Committed rows are read back in runs of about this many bytes. */
const READ_BYTES = 8 * 1024 * 1024;

/**
 * The append-only audit log as the store holds it (`StoreData.audit_log`), indexed from
 * each row's object once, as it comes in. A row is kept as its line of the `.audit.jsonl`
 * file (canonical JSON, no newline) until a commit puts it in the file; from then on,
 * for a file store, only where its line ends in the file (8 bytes), and it is read back
 * from there. A memory store keeps every line. A query parses only the rows it returns.
 * @example const log = new AuditLog(); log.append(entry); log.query({ agent: 'mailer' }).rows
 */
export class AuditLog {
  /** Where the rows on disk are read from; null until the log has rows on disk. */
  #file: AuditFile | null;
  /** The rows on disk come first: where each one's line ends, its newline included. */
  readonly #ends = new ByteOffsets();
  /** The rows after them (not committed to a file, or a memory store's), as their lines. */
  #lines: string[] = [];
  readonly #index: AuditIndex;

  /**
   * `file`: where the rows read with `addStored` are (a file store's log); `text`: keep
   * the text that `text` queries search from the first row; `persist`: keep what the side
   * file of the index still lacks (see AuditIndex), `sideFile` being that file: the index
   * lets go of what it holds and no query asks for, and reads it back from there.
   */
  constructor(file: AuditFile | null = null, opts: { text?: boolean; persist?: boolean; sideFile?: string } = {}) {
    this.#file = file;
    const { sideFile } = opts;
    const stored = sideFile
      ? { column: (field: IndexedField, rows: number) => readColumn(sideFile, INDEXED.indexOf(field), rows), entries: (from: number, to: number) => this.entries(from, to) }
      : undefined;
    this.#index = new AuditIndex({ text: opts.text, persist: opts.persist, stored });
  }

  /** How many rows the log holds. */
  get length(): number {
    return this.#ends.length + this.#lines.length;
  }

  /** Appends an entry, serialized here once into the line the file will get. */
  append(entry: AuditEntry): void {
    const line = canonicalJson(entry);
    // JSON.stringify hands back a tree of string pieces (~430 bytes of heap for a 260-char
    // row); converting it to a number makes V8 flatten it into one sequential string
    // (~290 bytes). The number itself is discarded.
    Number(line);
    this.#lines.push(line);
    this.#index.add(entry);
  }

  /**
   * Appends a row read from the file: its line is at `offset` (right after the rows on
   * disk), `length` bytes long without the newline; `entry` is parsed from it (not kept).
   */
  addStored(offset: number, length: number, entry: AuditEntry): void {
    if (!this.#file || this.#lines.length > 0 || offset !== this.#start(this.#ends.length)) {
      throw new Error(`incident-flow store: audit row at byte ${offset} does not follow the rows on disk`);
    }
    this.#ends.push(offset + length + 1);
    this.#index.add(entry);
  }

  /**
   * Takes in rows on disk from the index's side file into a log that has none yet (none
   * of them parsed): with each part, its lines' lengths in bytes, without the newline.
   */
  addIndexed(parts: ReadonlyArray<{ part: IndexPart; lengths: Uint32Array }>): void {
    if (!this.#file || this.length > 0) throw new Error('incident-flow store: indexed audit rows go into an empty log');
    this.#index.load(parts.map(({ part }) => part));
    let end = 0;
    for (const { lengths } of parts) for (let k = 0; k < lengths.length; k++) this.#ends.push((end += lengths[k] + 1));
  }

  /** Whether `addIndexed` wants the parts' searched text. */
  get indexKeepsText(): boolean {
    return this.#index.keepsText;
  }

  /**
   * Rows [from, to) on disk as the side file keeps them: the index's part and each line's
   * length in bytes without the newline (see AuditIndex.part, then `persisted`).
   */
  indexPart(from: number, to: number): { part: IndexPart; lengths: Uint32Array } {
    const lengths = new Uint32Array(to - from);
    for (let pos = from; pos < to; pos++) lengths[pos - from] = this.#ends.at(pos) - this.#start(pos) - 1;
    return { part: this.#index.part(from, to, () => this.entry(to - 1).ts), lengths };
  }

  /** The part is in the side file (or, with null, none ever will be): let go of what was kept for it. */
  persisted(part: IndexPart | null): void {
    if (part) this.#index.persisted(part);
    else this.#index.stopPersisting();
  }

  /**
   * Rows before `to` are now in `file`, right after the rows already there (a commit that
   * succeeded wrote them): their lines are dropped and where they end is kept.
   */
  committed(to: number, file: AuditFile): void {
    this.#file ??= file;
    const count = Math.max(0, to - this.#ends.length);
    let end = this.#start(this.#ends.length);
    for (let i = 0; i < count; i++) this.#ends.push((end += Buffer.byteLength(this.#lines[i]) + 1));
    this.#lines = this.#lines.slice(count);
  }

  /** Marks where the log stands, for `rollback`. */
  mark(): { length: number; index: ReturnType<AuditIndex['mark']> } {
    return { length: this.length, index: this.#index.mark() };
  }

  /** Goes back to a `mark`. */
  rollback(mark: ReturnType<AuditLog['mark']>): void {
    if (mark.length <= this.#ends.length) {
      this.#ends.truncate(mark.length);
      this.#lines = [];
    } else this.#lines.length = mark.length - this.#ends.length;
    this.#index.rollback(mark.index);
  }

  /** The row at `pos` as its JSON line. */
  line(pos: number): string {
    const disk = this.#ends.length;
    if (pos >= disk) return this.#lines[pos - disk];
    return (this.#file as AuditFile).line(this.#start(pos), this.#ends.at(pos) - 1, this.#ends.at(disk - 1));
  }

  /** The row at `pos`, parsed: a new object each call. */
  entry(pos: number): AuditEntry {
    return JSON.parse(this.line(pos)) as AuditEntry;
  }

  /** Rows [from, to), parsed. */
  entries(from: number, to = this.length): AuditEntry[] {
    const out: AuditEntry[] = [];
    for (const { bytes, first, last } of this.#runs(from, to)) {
      const base = this.#start(first);
      for (let pos = first; pos < last; pos++) out.push(JSON.parse(bytes.toString('utf8', this.#start(pos) - base, this.#ends.at(pos) - 1 - base)) as AuditEntry);
    }
    for (let pos = Math.max(from, this.#ends.length); pos < to; pos++) out.push(this.entry(pos));
    return out;
  }

  /** The file bytes of rows [from, to): one line each, newline-terminated. */
  bytes(from: number, to: number): Buffer[] {
    const stored = [...this.#runs(from, to)].map((run) => run.bytes);
    const disk = this.#ends.length;
    const fresh = new LineBuffers();
    for (let at = Math.max(from, disk); at < to; at++) fresh.push(this.#lines[at - disk]);
    return [...stored, ...fresh.finish()];
  }

  query(query?: AuditQuery): AuditPage {
    return queryAudit(this, this.#index, query);
  }

  /** Where the line of the row at `pos` starts in the file (`pos` <= the rows on disk). */
  #start(pos: number): number {
    return pos === 0 ? 0 : this.#ends.at(pos - 1);
  }

  /** The rows on disk among [from, to), read in runs of whole lines of about READ_BYTES each. */
  *#runs(from: number, to: number): Generator<{ bytes: Buffer; first: number; last: number }> {
    const stop = Math.min(to, this.#ends.length);
    for (let first = from, last = from; first < stop; first = last) {
      const start = this.#start(first);
      last = first + 1;
      while (last < stop && this.#ends.at(last) - start <= READ_BYTES) last++;
      yield { bytes: (this.#file as AuditFile).read(start, this.#ends.at(last - 1) - start), first, last };
    }
  }
}
