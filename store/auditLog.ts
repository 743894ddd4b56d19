import type { AuditEntry } from '../machines/types.js';
import type { AuditFile } from './auditFile.js';
import { AuditIndex, type IndexPart } from './auditIndex.js';
import { queryAudit } from './auditQuery.js';
import { AuditParts, crcOf, PartRows, type PartPlace } from './auditParts.js';
import { ByteOffsets } from './byteOffsets.js';
import { canonicalJson } from './canonicalJson.js';
import { FreshLines, StringLines, type Lines } from './freshLines.js';
import type { AuditPage, AuditQuery } from './types.js';

/** Committed rows are read back in runs of about this many bytes. */
const READ_BYTES = 8 * 1024 * 1024;

/**
 * The append-only audit log as the store holds it (`StoreData.audit_log`), indexed from
 * each row's object once, as it comes in. A row is kept as its line of the `.audit.jsonl`
 * file (canonical JSON; a file store's encoded as the file has it, see FreshLines) until
 * a commit puts it in the file; from then on,
 * for a file store, only where its line ends in the file (8 bytes), and it is read back
 * from there. A memory store keeps every row: as its line, or as the object the engine handed
 * over until something reads its line (see StringLines). A query parses only the rows it returns.
 * @example const log = new AuditLog(); log.append(entry); log.query({ agent: 'mailer' }).rows
 */
export class AuditLog {
  /** Where the rows on disk are read from; null until the log has rows on disk. */
  #file: AuditFile | null;
  /**
   * A writer's rows in the side file's parts: where their lines end is read back from there
   * (see AuditParts), not kept. Null: every row on disk has its end in `#ends`.
   */
  readonly #parts: AuditParts | null;
  /** Where the lines of the rows in `#parts` end, read back part by part. */
  readonly #partEnds: PartRows | null;
  /** The rows on disk come first: where each one's line ends, its newline included (from row `#base` on). */
  #ends = new ByteOffsets();
  /**
   * The rows after them (not committed to a file, or a memory store's), as their lines: a
   * file store's encoded as the file will have them, a memory store's as strings or handed-over objects.
   */
  readonly #lines: Lines;
  readonly #index: AuditIndex;

  /**
   * `file`: where the rows read with `addStored` are (a file store's log); `text`: keep
   * the text that `text` queries search from the first row; `persist`: keep what the side
   * file of the index still lacks (see AuditIndex), `sideFile` being that file: the log and
   * its index let go of the rows in its parts (their ends, their value numbers) and read
   * them back from there (see AuditParts).
   */
  constructor(file: AuditFile | null = null, opts: { text?: boolean; persist?: boolean; sideFile?: string } = {}) {
    this.#file = file;
    this.#lines = file ? new FreshLines() : new StringLines();
    const { sideFile } = opts;
    this.#parts =
      sideFile && opts.persist
        ? new AuditParts(sideFile, {
            file: () => this.#file?.path ?? sideFile,
            read: (start, end) => (this.#file as AuditFile).read(start, end - start),
            numbers: (field, from, to) => this.#index.numbersOf(field, this.entries(from, to)),
          })
        : null;
    const parts = this.#parts;
    this.#partEnds = parts && new PartRows(parts, (k) => parts.ends(k));
    this.#index = new AuditIndex({ text: opts.text, persist: opts.persist, parts: this.#parts ?? undefined });
  }

  /** How many rows the log holds. */
  get length(): number {
    return this.#disk + this.#lines.length;
  }

  /** Rows before this are in `#parts`: `#ends` starts there. */
  get #base(): number {
    return this.#parts?.rows ?? 0;
  }

  /** How many rows are on disk. */
  get #disk(): number {
    return this.#base + this.#ends.length;
  }

  /**
   * Bytes held for rows on disk: where their lines end, and the index's value numbers and
   * rows per value (see AuditIndex.rowBytes). A writer's grow with the rows its side file
   * lacks, not with every row; beside them, `readBackBytes` and its values' text.
   */
  get rowBytes(): number {
    return this.#ends.bytes + this.#index.rowBytes;
  }

  /** Bytes of what a writer keeps read back from its side file (see AuditParts: a bounded cache). */
  get readBackBytes(): number {
    return this.#parts?.cachedBytes ?? 0;
  }

  /**
   * Appends an entry, serialized here once into the line the file will get. `handOver`: the
   * caller never edits `entry` again, so a memory store keeps the object and serializes it
   * only when its line is read (see StringLines); a file store encodes it at once either way.
   */
  append(entry: AuditEntry, handOver = false): void {
    if (handOver && this.#lines instanceof StringLines) this.#lines.keep(entry);
    else this.#lines.push(canonicalJson(entry));
    this.#index.add(entry);
  }

  /**
   * Appends a row read from the file: its line is at `offset` (right after the rows on
   * disk), `length` bytes long without the newline; `entry` is parsed from it (not kept).
   */
  addStored(offset: number, length: number, entry: AuditEntry): void {
    if (!this.#file || this.#lines.length > 0 || offset !== this.#start(this.#disk)) {
      throw new Error(`incident-flow store: audit row at byte ${offset} does not follow the rows on disk`);
    }
    this.#ends.push(offset + length + 1);
    this.#index.add(entry);
  }

  /**
   * Takes in rows on disk from the index's side file into a log that has none yet (none
   * of them parsed): with each part, its lines' lengths in bytes, without the newline, and
   * where those lengths are in the side file (a writer reads them back from there).
   */
  addIndexed(parts: ReadonlyArray<{ part: IndexPart; lengths: Uint32Array; at: number }>): void {
    if (!this.#file || this.length > 0) throw new Error('incident-flow store: indexed audit rows go into an empty log');
    this.#index.load(parts.map(({ part }) => part));
    let end = 0;
    if (this.#parts && parts.length > 0) {
      for (const { part, lengths, at } of parts) {
        const start = end;
        for (let k = 0; k < lengths.length; k++) end += lengths[k] + 1;
        this.#parts.add({ from: part.from, to: part.to, start, end, at, crcs: [lengths, ...part.columns].map(crcOf) });
      }
      this.#index.dropLoaded(this.#base);
      return;
    }
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
    for (let pos = from; pos < to; pos++) lengths[pos - from] = this.#end(pos) - this.#start(pos) - 1;
    return { part: this.#index.part(from, to, () => this.entry(to - 1).ts), lengths };
  }

  /**
   * The part is in the side file, at `place` (or, with null, none ever will be): let go of
   * what was kept for it, and of its rows' ends and value numbers (read back from there).
   */
  persisted(part: IndexPart | null, place?: PartPlace): void {
    if (!part) return this.#index.stopPersisting();
    if (this.#parts && place) {
      // The part's rows leave `#ends`: it starts at the part's end from now on.
      const [disk, kept] = [this.#disk, new ByteOffsets()];
      for (let pos = place.to; pos < disk; pos++) kept.push(this.#end(pos));
      this.#parts.add(place);
      this.#ends = kept;
    }
    this.#index.persisted(part);
  }

  /**
   * Rows before `to` are now in `file`, right after the rows already there (a commit that
   * succeeded wrote them): their lines are dropped and where they end is kept.
   */
  committed(to: number, file: AuditFile): void {
    this.#file ??= file;
    const count = Math.max(0, to - this.#disk);
    let end = this.#start(this.#disk);
    for (let i = 0; i < count; i++) this.#ends.push((end += this.#lines.byteLength(i) + 1));
    this.#lines.drop(count);
  }

  /** Marks where the log stands, for `rollback`. */
  mark(): { length: number; index: ReturnType<AuditIndex['mark']> } {
    return { length: this.length, index: this.#index.mark() };
  }

  /** Goes back to a `mark`. */
  rollback(mark: ReturnType<AuditLog['mark']>): void {
    if (mark.length < this.#base) throw new Error(`incident-flow store: audit rows before ${this.#base} are in the index file already`);
    if (mark.length <= this.#disk) {
      this.#ends.truncate(mark.length - this.#base);
      this.#lines.truncate(0);
    } else this.#lines.truncate(mark.length - this.#disk);
    this.#index.rollback(mark.index);
  }

  /** The row at `pos` as its JSON line. */
  line(pos: number): string {
    const disk = this.#disk;
    if (pos >= disk) return this.#lines.at(pos - disk);
    return (this.#file as AuditFile).line(this.#start(pos), this.#end(pos) - 1, this.#end(disk - 1));
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
      for (let pos = first; pos < last; pos++) out.push(JSON.parse(bytes.toString('utf8', this.#start(pos) - base, this.#end(pos) - 1 - base)) as AuditEntry);
    }
    for (let pos = Math.max(from, this.#disk); pos < to; pos++) out.push(this.entry(pos));
    return out;
  }

  /** The file bytes of rows [from, to): one line each, newline-terminated. */
  bytes(from: number, to: number): Buffer[] {
    const stored = [...this.#runs(from, to)].map((run) => run.bytes);
    const disk = this.#disk;
    return [...stored, ...this.#lines.buffers(Math.max(from, disk) - disk, to - disk)];
  }

  query(query?: AuditQuery): AuditPage {
    return queryAudit(this, this.#index, query);
  }

  /** Where the line of the row at `pos` starts in the file (`pos` <= the rows on disk). */
  #start(pos: number): number {
    return pos === 0 ? 0 : this.#end(pos - 1);
  }

  /** Where the line of the row at `pos` (on disk) ends in the file, its newline included. */
  #end(pos: number): number {
    if (pos >= this.#base) return this.#ends.at(pos - this.#base);
    return (this.#partEnds as PartRows).at(pos);
  }

  /** The rows on disk among [from, to), read in runs of whole lines of about READ_BYTES each. */
  *#runs(from: number, to: number): Generator<{ bytes: Buffer; first: number; last: number }> {
    const stop = Math.min(to, this.#disk);
    for (let first = from, last = from; first < stop; first = last) {
      const start = this.#start(first);
      last = first + 1;
      while (last < stop && this.#end(last) - start <= READ_BYTES) last++;
      yield { bytes: (this.#file as AuditFile).read(start, this.#end(last - 1) - start), first, last };
    }
  }
}
