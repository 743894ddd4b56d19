import type { AuditEntry } from '../machines/types.js';
import { AuditColumn } from './auditColumn.js';
import type { AuditParts } from './auditParts.js';
import type { AuditRows } from './auditQuery.js';
import type { Positions } from './partPositions.js';
import { AuditText, type JoinedText } from './auditText.js';

/** The AuditQuery fields answered from an index: row positions by value. */
export const INDEXED = ['entityId', 'agent', 'workflow', 'action', 'level'] as const;
export type IndexedField = (typeof INDEXED)[number];

/** The fields the `text` filter searches. */
export const TEXT_FIELDS = ['message', 'action', 'actor', 'entityId'] as const;
/** Rows parsed at a time when the searched text is built from a log's rows. */
const TEXT_BATCH = 8192;

/** Where an index stood, to go back to it (see `AuditIndex.rollback`). */
export interface IndexMark {
  size: number;
  lastTs: string;
  tsOrdered: boolean;
  unorderedAt: number;
}

/** Values as a part keeps them: joined, and the slots of their ValueTable. */
export interface PartValues extends JoinedText {
  slots: Uint32Array;
}

/**
 * Rows [from, to) of an index as its side file keeps them (see auditIndexFile.ts), to be
 * taken back in by `AuditIndex.load` instead of parsing those rows.
 */
export interface IndexPart {
  from: number;
  to: number;
  /** Per INDEXED field, each row's value number (0: none). */
  columns: Uint32Array[];
  /** Per INDEXED field, the values numbered since the part before, in number order, with their hash table (see ValueTable). */
  values: PartValues[];
  /** Rows whose searched fields are not all plain (see `plainText`), ascending. */
  odd: number[];
  /** Whether `ts` never went down up to row `to` - 1, and that row's `ts` if so. */
  ordered: boolean;
  lastTs: string;
  /** The rows' searched text; null when it was not asked for. */
  text: JoinedText | null;
}

/**
 * Indexes over the append-only audit log, fed each row's object once as it is appended
 * or read (the log keeps rows as JSON lines, so an index built later would have to parse
 * them all). Compact: per indexed field, one column holding a small number per row (the
 * value, interned; 0 for none) and per value its rows' positions (PostingChains): about
 * 8 bytes a row a field, and a lookup costs what it returns. Also
 * tracks whether `ts` never goes down, so that time bounds can be bisected, and which
 * rows have a text field that is not a string, number or boolean (their JSON line is
 * not a safe prefilter for the `text` match). The searched text itself (AuditText) is kept
 * from the start with `text`, else from the first `text` query on (built then from the rows).
 * With `persist` (a file store's writer) it also keeps what its side file still lacks, for
 * `part`: the values numbered since, and the searched text of those rows; and with `parts`
 * it lets go of the columns' numbers once they are in the side file, and reads them back
 * from its parts when asked (see AuditColumn.drop).
 */
export class AuditIndex {
  /** One per INDEXED field, in that order. */
  readonly #columns: AuditColumn[];
  readonly #oddText = new Set<number>();
  #size = 0;
  #lastTs = '';
  #tsOrdered = true;
  /** The row whose `ts` went down first (Infinity while none did). */
  #unorderedAt = Infinity;
  #text: AuditText | null;
  /** With `persist` and no `#text`: the searched text of the rows from `#pendingFrom` on. */
  #pending: string[] | null;
  #pendingFrom = 0;

  /**
   * `text`: keep the searched text from the first row (a store opened to be viewed);
   * `persist`: keep what `part` hands out for the side file; `parts`: the side file's parts,
   * where rows let go of are found again.
   */
  constructor(opts: { text?: boolean; persist?: boolean; parts?: AuditParts } = {}) {
    this.#text = opts.text ? new AuditText() : null;
    this.#pending = opts.persist && !opts.text ? [] : null;
    const parts = opts.persist ? opts.parts ?? null : null;
    this.#columns = INDEXED.map((_, f) => new AuditColumn(opts.persist ?? false, parts, f));
  }

  /** Takes in the next row. */
  add(row: AuditEntry): void {
    const pos = this.#size++;
    for (let f = 0; f < INDEXED.length; f++) this.#columns[f].set(pos, valueOf(row, INDEXED[f]));
    if (this.#text || this.#pending) {
      const text = AuditText.rowText([row.message, row.action, row.actor, row.entityId]);
      this.#text?.addText(text);
      this.#pending?.push(text);
    }
    if (this.#tsOrdered) {
      const ts = row.ts;
      if (typeof ts === 'string' && ts >= this.#lastTs) this.#lastTs = ts;
      else [this.#tsOrdered, this.#unorderedAt] = [false, pos];
    }
    for (const field of TEXT_FIELDS) {
      const value: unknown = row[field];
      if (value !== null && typeof value === 'object') this.#oddText.add(pos);
    }
  }

  mark(): IndexMark {
    return { size: this.#size, lastTs: this.#lastTs, tsOrdered: this.#tsOrdered, unorderedAt: this.#unorderedAt };
  }

  /** Forgets the rows added since `mark` (a read that failed half way). */
  rollback(mark: IndexMark): void {
    for (const pos of this.#oddText) if (pos >= mark.size) this.#oddText.delete(pos);
    for (const column of this.#columns) column.truncate(mark.size);
    this.#text?.truncate(mark.size);
    if (this.#pending) this.#pending.length = Math.max(0, Math.min(this.#pending.length, mark.size - this.#pendingFrom));
    [this.#size, this.#lastTs, this.#tsOrdered, this.#unorderedAt] = [mark.size, mark.lastTs, mark.tsOrdered, mark.unorderedAt];
  }

  /**
   * Rows [from, to) for the side file (an index made with `persist`, `from` where the
   * last `persisted` part ended); `lastTs` gives row `to` - 1's `ts`, asked only while
   * times are in order. Nothing is forgotten until `persisted`.
   */
  part(from: number, to: number, lastTs: () => string): IndexPart {
    const columns = this.#columns;
    const ordered = this.#unorderedAt >= to;
    const pending = this.#pending;
    return {
      from,
      to,
      columns: columns.map((column) => column.ids(from, to)),
      values: columns.map((column) => column.fresh()),
      odd: [...this.#oddText].filter((pos) => pos >= from && pos < to).sort((a, b) => a - b),
      ordered,
      lastTs: ordered ? lastTs() : '',
      text: this.#text ? this.#text.slice(from, to) : pending ? AuditText.join(pending.slice(from - this.#pendingFrom, to - this.#pendingFrom)) : null,
    };
  }

  /** `part` is in the side file now (and among the index's `parts`): what was kept for it is let go. */
  persisted(part: IndexPart): void {
    this.#columns.forEach((column, f) => {
      column.dropFresh(part.values[f].lengths.length, part.values[f]);
      column.drop(part.to);
    });
    if (this.#pending) {
      this.#pending.splice(0, part.to - this.#pendingFrom);
      this.#pendingFrom = part.to;
    }
  }

  /** No side file is written any more (it failed): nothing more is kept for it. */
  stopPersisting(): void {
    for (const column of this.#columns) column.dropFresh(Infinity);
    this.#pending = null;
  }

  /** Whether `load` wants the parts' text (the text is kept from the start). */
  get keepsText(): boolean {
    return this.#text !== null;
  }

  /**
   * Takes in rows from the side file instead of adding them one by one, into an index
   * that has none yet. Throws on parts that do not fit (their values, their numbers): then
   * the index is in no state to use, and the caller starts over with a new one.
   */
  load(parts: readonly IndexPart[]): void {
    let at = this.#size;
    for (const part of parts) {
      if (part.from !== at || part.to < part.from) throw new Error(`audit index part at row ${part.from} does not follow row ${at}`);
      at = part.to;
    }
    if (this.#size !== 0 || parts.length === 0) return;
    this.#columns.forEach((column, f) => column.load(parts.map((part) => part.columns[f]), parts.map((part) => part.values[f])));
    for (const part of parts) for (const pos of part.odd) this.#oddText.add(pos);
    for (const part of parts) {
      if (!this.#text) break;
      if (!part.text) throw new Error('audit index part without its text');
      this.#text.addJoined(part.text.joined, part.text.lengths);
    }
    const last = parts[parts.length - 1];
    [this.#size, this.#pendingFrom, this.#tsOrdered, this.#lastTs] = [last.to, last.to, last.ordered, last.ordered ? last.lastTs : ''];
    if (!last.ordered) this.#unorderedAt = last.to - 1;
  }

  /**
   * The rows of the side file's parts taken in by `load` are in `parts` too: the columns let
   * go of them (a writer reopening a store).
   */
  dropLoaded(to: number): void {
    for (const column of this.#columns) column.drop(to);
  }

  /** Positions of the rows whose `field` is `value`, ascending. */
  positions(field: IndexedField, value: string): Positions {
    return this.#column(field).ask().positions(value, this.#size);
  }

  /** A test of whether a row (by position) has `value` in `field`, without reading the row. */
  matcher(field: IndexedField, value: string): (pos: number) => boolean {
    const column = this.#column(field).ask();
    const id = column.idOf(value);
    return (pos) => id !== 0 && column.at(pos) === id;
  }

  /**
   * Positions (ascending) of the rows with `needle` (lowercased) in a searched field, from
   * the searched text, built from `rows` first if it is not kept yet; null for a needle
   * holding a separator of that text (then rows are checked one by one).
   */
  textPositions(needle: string, rows: AuditRows): number[] | null {
    if (!AuditText.accepts(needle)) return null;
    if (!this.#text) {
      const text = new AuditText();
      for (let from = 0; from < this.#size; from += TEXT_BATCH) {
        const to = Math.min(this.#size, from + TEXT_BATCH);
        for (const row of rows.entries ? rows.entries(from, to) : Array.from({ length: to - from }, (_, k) => rows.entry(from + k))) {
          text.add(TEXT_FIELDS.map((field) => row[field]));
        }
      }
      this.#text = text;
    }
    return this.#text.search(needle, this.#size);
  }

  /** True when the row's JSON line can prefilter a `text` match (see queryAudit). */
  plainText(pos: number): boolean {
    return !this.#oddText.has(pos);
  }

  /** Bytes the columns hold for rows (see AuditColumn.rowBytes). */
  get rowBytes(): number {
    return this.#columns.reduce((sum, column) => sum + column.rowBytes, 0);
  }

  /** How many rows are indexed. */
  get size(): number {
    return this.#size;
  }

  /** True while every row's `ts` is >= the one before: time bounds can be bisected. */
  get tsOrdered(): boolean {
    return this.#tsOrdered;
  }

  #column(field: IndexedField): AuditColumn {
    return this.#columns[INDEXED.indexOf(field)];
  }

  /** INDEXED field `f`'s value numbers of `rows`, from the rows themselves (the side file could not give them). */
  numbersOf(f: number, rows: readonly AuditEntry[]): Uint32Array {
    const column = this.#columns[f];
    return Uint32Array.from(rows, (row) => {
      const value = valueOf(row, INDEXED[f]);
      return value === undefined ? 0 : column.idOf(value);
    });
  }
}

/** The value an indexed field has in a row (`agent` and `workflow` live in `meta`). */
export function valueOf(row: AuditEntry, field: IndexedField): string | undefined {
  const value = field === 'agent' || field === 'workflow' ? row.meta?.[field] : row[field];
  return typeof value === 'string' ? value : undefined;
}
