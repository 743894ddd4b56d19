import type { AuditEntry } from '../machines/types.js';
import { AuditText, type JoinedText } from './auditText.js';
import { grown, PostingChains } from './postingChains.js';
import { hashValue, ValueTable } from './valueTable.js';
import type { AuditPage, AuditQuery } from './types.js';

/** The AuditQuery fields answered from an index: row positions by value. */
export const INDEXED = ['entityId', 'agent', 'workflow', 'action', 'level'] as const;
export type IndexedField = (typeof INDEXED)[number];

/** Loaded value tables a column probes before it merges them (see Column.set). */
const MERGE_AFTER = 8;
/** A part's new values of a column that leave its map once in the side file, at the fewest (see Column.dropFresh). */
const MOVE_AFTER = 256;

/** The fields the `text` filter searches. */
const TEXT_FIELDS = ['message', 'action', 'actor', 'entityId'] as const;
/** Rows parsed at a time when the searched text is built from a log's rows. */
const TEXT_BATCH = 8192;

/**
 * Where a writer's index finds rows it let go of (see Column.drop): the side file's
 * column of a field for rows [0, `rows`) (null when its parts do not cover them), else
 * the rows themselves, parsed.
 */
export interface StoredRows {
  column(field: IndexedField, rows: number): Uint32Array | null;
  entries(from: number, to: number): AuditEntry[];
}

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
 * `part`: the values numbered since, and the searched text of those rows; and with `stored`
 * it lets go of a column's numbers once they are in the side file, while no query has asked
 * for that field (see Column.drop).
 */
export class AuditIndex {
  /** One per INDEXED field, in that order. */
  readonly #columns: Column[];
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
   * `persist`: keep what `part` hands out for the side file; `stored`: where rows let go
   * of are found again.
   */
  constructor(opts: { text?: boolean; persist?: boolean; stored?: StoredRows } = {}) {
    this.#text = opts.text ? new AuditText() : null;
    this.#pending = opts.persist && !opts.text ? [] : null;
    const stored = opts.persist ? opts.stored : undefined;
    this.#columns = INDEXED.map((field) => {
      if (!stored) return new Column(opts.persist ?? false, null);
      const column: Column = new Column(true, (rows) => stored.column(field, rows) ?? numbersOf(column, field, rows, stored));
      return column;
    });
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

  /** `part` is in the side file now: what was kept for it is let go. */
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

  /** Positions of the rows whose `field` is `value`, ascending. */
  positions(field: IndexedField, value: string): ArrayLike<number> {
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

  /** How many rows are indexed. */
  get size(): number {
    return this.#size;
  }

  /** True while every row's `ts` is >= the one before: time bounds can be bisected. */
  get tsOrdered(): boolean {
    return this.#tsOrdered;
  }

  #column(field: IndexedField): Column {
    return this.#columns[INDEXED.indexOf(field)];
  }
}

/**
 * One indexed field: each row's value as a number (numbers given out in order of first
 * sight), and per value the ascending positions of its rows, so a lookup costs what it
 * returns, not a scan of the log. The rows of a value of a few rows (an id-like entityId)
 * are a chain through one shared array: a typed array per value would cost ~200 bytes of heap.
 */
class Column {
  /** Per row from `#from` on, its value's number. */
  #data = new Uint32Array(1024);
  /**
   * Rows before this are not in `#data`: a writer's, once they are in the side file, while
   * no query asked this field (see `drop`); `#restore` gives them back.
   */
  #from = 0;
  /** A query asked this field: its numbers stay in memory from then on. */
  #asked = false;
  readonly #restore: ((rows: number) => Uint32Array) | null;
  /** Values taken in from the side file, part by part (numbered from `base` + 1), then those seen since. */
  #loaded: Array<{ table: ValueTable; base: number }> = [];
  readonly #ids = new Map<string, number>();
  #count = 0;
  /** Rows [0, #rows) have a number in `#data`. */
  #rows = 0;
  /**
   * Per value number, its rows (see #postings); null until first asked for: a field no query
   * filters on during a run (a rehearsal's entity ids, actions, workflows) keeps no chains,
   * about 4 bytes a row and 12 a value each.
   */
  #posts: PostingChains | null = null;
  /** Values numbered since the side file last took them (persisting only), in number order. */
  #fresh: string[] | null;

  /** `restore`: rows [0, n)'s numbers, for a column that may let them go (a writer's); null: it keeps them. */
  constructor(persist: boolean, restore: ((rows: number) => Uint32Array) | null) {
    this.#fresh = persist ? [] : null;
    this.#restore = restore;
  }

  /**
   * Lets go of the numbers of rows before `to` (they are in the side file) unless a query
   * asked this field: during a rehearsal only Cheryl asks, by agent and level, so the entity
   * ids', actions' and workflows' columns (12 bytes an audit row, 14 MB at 8× of the fleet)
   * would be held for no one. The rows after `to` (committed since) stay.
   */
  drop(to: number): void {
    if (this.#asked || !this.#restore || to <= this.#from || to > this.#rows) return;
    const kept = this.#data.subarray(to - this.#from, this.#rows - this.#from);
    const data = new Uint32Array(Math.max(1024, kept.length + (kept.length >> 2)));
    data.set(kept);
    [this.#data, this.#from] = [data, to];
  }

  /** A query asks this field: the rows let go of are read back, and kept from now on. */
  ask(): this {
    this.#asked = true;
    this.#hold();
    return this;
  }

  /** Every row's number in `#data` again. */
  #hold(): void {
    if (this.#from === 0 || !this.#restore) return;
    const [head, tail] = [this.#restore(this.#from), this.#data.subarray(0, this.#rows - this.#from)];
    const data = new Uint32Array(Math.max(1024, this.#rows + (this.#rows >> 2)));
    data.set(head.subarray(0, this.#from));
    data.set(tail, this.#from);
    [this.#data, this.#from] = [data, 0];
  }

  set(pos: number, value: string | undefined): void {
    let id = 0;
    if (value !== undefined) {
      id = this.#ids.get(value) ?? (this.#loaded.length > 0 ? this.#loadedId(value) : 0);
      if (id === 0) {
        this.#ids.set(value, (id = ++this.#count));
        this.#fresh?.push(value);
        // A value looked up in many loaded tables costs a probe in each: a log that goes
        // on growing (a writer, a follower) merges them into one, once.
        if (this.#loaded.length > MERGE_AFTER) this.#merge();
      }
    }
    this.#place(pos, id);
  }

  /** Rows from 0 with these value numbers, part by part, the parts' values numbered first (a new column only). */
  load(ids: readonly Uint32Array[], values: readonly PartValues[]): void {
    let base = 0;
    for (const part of values) {
      if (part.lengths.length > 0) this.#loaded.push({ table: new ValueTable(part, part.slots), base });
      base += part.lengths.length;
    }
    this.#count = base;
    // The numbers copied in; each value's rows are laid out when first asked for (see #postings).
    const size = ids.reduce((sum, part) => sum + part.length, 0);
    this.#data = new Uint32Array(Math.max(1024, size));
    let pos = 0;
    for (const part of ids) {
      this.#data.set(part, pos);
      pos += part.length;
    }
    [this.#rows, this.#posts] = [size, null];
  }

  /**
   * Per value, its rows: built from the numbers in one go the first time they are asked for
   * (from the start, or after a load or a truncate), kept up to date after. A column asked
   * for (see `ask`): it holds every row's number.
   */
  #postings(): PostingChains {
    if (this.#posts) return this.#posts;
    const [data, size, base] = [this.#data, this.#rows, this.#count];
    const posts = new PostingChains();
    for (let k = 0; k < size; k++) if (data[k] !== 0 && data[k] <= base) posts.add(data[k], k);
    return (this.#posts = posts);
  }

  #merge(): void {
    this.#loaded = [{ table: ValueTable.merged(this.#loaded.map(({ table }) => table)), base: 0 }];
  }

  /** The value numbers of rows [from, to), copied. */
  ids(from: number, to: number): Uint32Array {
    if (from < this.#from) this.#hold();
    return this.#data.slice(from - this.#from, to - this.#from);
  }

  /** The values numbered since the side file last took them. */
  fresh(): PartValues {
    const values = AuditText.join(this.#fresh ?? []);
    return { ...values, slots: new ValueTable(values).slots };
  }

  /**
   * The first `count` of `fresh` are in the side file now, as `values`: they are looked up
   * there from now on, as a reader's loaded values are (about 12 bytes a value instead of a
   * map entry: an id-like entityId is a new value per incident and job). Values of a part
   * with fewer than MOVE_AFTER new ones (agents, actions, levels) stay in the map as well.
   */
  dropFresh(count: number, values?: PartValues): void {
    const fresh = this.#fresh;
    if (count === Infinity || !fresh) {
      this.#fresh = null;
      return;
    }
    const moved = fresh.splice(0, count);
    if (!values || count === 0) return;
    this.#loaded.push({ table: new ValueTable(values, values.slots), base: this.#count - fresh.length - count });
    if (count >= MOVE_AFTER) for (const value of moved) this.#ids.delete(value);
    if (this.#loaded.length > MERGE_AFTER) this.#merge();
  }

  #place(pos: number, id: number): void {
    if (pos < this.#from) this.#hold();
    const at = pos - this.#from;
    if (at >= this.#data.length) this.#data = grown(this.#data, at);
    this.#data[at] = id;
    this.#rows = Math.max(this.#rows, pos + 1);
    if (id !== 0) this.#posts?.add(id, pos);
  }

  /** The number of row `pos`'s value (a column asked for: see `ask`). */
  at(pos: number): number {
    return this.#data[pos - this.#from];
  }

  /** The number of a value; 0 when no row has it. */
  idOf(value: string): number {
    return this.#ids.get(value) ?? (this.#loaded.length > 0 ? this.#loadedId(value) : 0);
  }

  /** The number of a value taken in from the side file; 0 when none has it. */
  #loadedId(value: string): number {
    const hash = hashValue(value);
    for (const { table, base } of this.#loaded) {
      const found = table.find(value, hash);
      if (found !== 0) return base + found;
    }
    return 0;
  }

  /** Positions of the rows with `value`, ascending (a column asked for: see `ask`). */
  positions(value: string, size: number): ArrayLike<number> {
    const id = this.idOf(value);
    return id === 0 ? [] : this.#postings().positions(id, size);
  }

  /** Forgets positions from `size` on (a read that failed half way): the rows per value are built again when next asked for. */
  truncate(size: number): void {
    if (size < this.#from) this.#hold();
    this.#rows = Math.min(this.#rows, size);
    this.#data.fill(0, size - this.#from);
    this.#posts = null;
  }
}

/** A column's numbers of rows [0, rows), from the rows themselves (the side file could not give them). */
function numbersOf(column: Column, field: IndexedField, rows: number, stored: StoredRows): Uint32Array {
  const out = new Uint32Array(rows);
  for (let from = 0; from < rows; from += TEXT_BATCH) {
    const batch = stored.entries(from, Math.min(rows, from + TEXT_BATCH));
    for (let k = 0; k < batch.length; k++) {
      const value = valueOf(batch[k], field);
      out[from + k] = value === undefined ? 0 : column.idOf(value);
    }
  }
  return out;
}

/** The value an indexed field has in a row (`agent` and `workflow` live in `meta`). */
export function valueOf(row: AuditEntry, field: IndexedField): string | undefined {
  const value = field === 'agent' || field === 'workflow' ? row.meta?.[field] : row[field];
  return typeof value === 'string' ? value : undefined;
}

/** The rows an AuditQuery runs over: each row's JSON line, and the row parsed from it. */
export interface AuditRows {
  readonly length: number;
  line(pos: number): string;
  entry(pos: number): AuditEntry;
  /** Rows [from, to), parsed (read in bulk, where the rows allow it). */
  entries?(from: number, to: number): AuditEntry[];
}

/**
 * Answers an AuditQuery: candidates from the most selective index (or all rows), the
 * other indexed fields checked against their indexes, time bounds bisected when `ts` is
 * ordered, the rest checked on parsed rows, then paged. Only rows that must be looked at
 * are parsed; with nothing left to check the page is sliced without scanning.
 * @example queryAudit(log, index, { agent: 'mailer', level: 'error', order: 'desc', limit: 20 })
 */
export function queryAudit(rows: AuditRows, index: AuditIndex, query: AuditQuery = {}): AuditPage {
  let list: ArrayLike<number> | null = null;
  let chosen: IndexedField | null = null;
  for (const field of INDEXED) {
    const value = query[field];
    if (value === undefined) continue;
    const found = index.positions(field, value);
    if (!list || found.length < list.length) [list, chosen] = [found, field];
  }
  const needle = query.text ? query.text.toLowerCase() : null;
  const texts = needle === null ? null : index.textPositions(needle, rows);
  if (texts) list = list ? intersect(list, texts) : texts;
  const candidates = list;
  const at = candidates ? (i: number) => candidates[i] : (i: number) => i;
  let lo = 0;
  let hi = candidates ? candidates.length : rows.length;
  const bisect = index.tsOrdered;
  const { since, until } = query;
  const tsAt = (i: number) => rows.entry(at(i)).ts;
  if (bisect && since !== undefined) lo = firstNot(lo, hi, (i) => tsAt(i) < since);
  if (bisect && until !== undefined) hi = firstNot(lo, hi, (i) => tsAt(i) < until);

  const keep: Array<(pos: number) => boolean> = [];
  for (const field of INDEXED) {
    const value = query[field];
    if (value !== undefined && field !== chosen) keep.push(index.matcher(field, value));
  }
  const checks: Array<(row: AuditEntry) => boolean> = [];
  if (!bisect && since !== undefined) checks.push((row) => row.ts >= since);
  if (!bisect && until !== undefined) checks.push((row) => row.ts < until);
  if (needle !== null && !texts) {
    checks.push((row) => TEXT_FIELDS.some((field) => String(row[field] ?? '').toLowerCase().includes(needle)));
    // A needle of plain ASCII is in a field only if it is in the row's line (which holds
    // the field verbatim, strings escaped only for quotes, backslashes and controls), so
    // rows whose line lacks it are skipped unparsed.
    if (/^[\x20-\x7e]*$/.test(needle) && !/["\\]/.test(needle)) {
      keep.push((pos) => !index.plainText(pos) || rows.line(pos).toLowerCase().includes(needle));
    }
  }

  const offset = Math.max(0, Math.floor(query.offset ?? 0)) || 0;
  const limit = query.limit === undefined ? Infinity : Math.max(0, Math.floor(query.limit)) || 0;
  const desc = query.order === 'desc';
  const out: AuditEntry[] = [];
  if (keep.length === 0 && checks.length === 0) {
    // Every candidate in [lo, hi) matches: page directly.
    const total = hi - lo;
    const end = Math.min(total, offset + limit);
    for (let k = offset; k < end; k++) out.push(rows.entry(at(desc ? hi - 1 - k : lo + k)));
    return { total, rows: out };
  }
  let total = 0;
  for (let k = 0; k < hi - lo; k++) {
    const pos = at(desc ? hi - 1 - k : lo + k);
    if (!keep.every((test) => test(pos))) continue;
    let row: AuditEntry | null = null;
    if (checks.length) {
      row = rows.entry(pos);
      if (!checks.every((check) => check(row as AuditEntry))) continue;
    }
    if (total >= offset && out.length < limit) out.push(row ?? rows.entry(pos));
    total++;
  }
  return { total, rows: out };
}

/** The numbers in both ascending lists. */
function intersect(a: ArrayLike<number>, b: ArrayLike<number>): number[] {
  const out: number[] = [];
  for (let i = 0, j = 0; i < a.length && j < b.length; ) {
    if (a[i] < b[j]) i++;
    else if (a[i] > b[j]) j++;
    else (out.push(a[i]), i++, j++);
  }
  return out;
}

/** First index in [lo, hi) where `before` turns false (`before` is true, then false). */
function firstNot(lo: number, hi: number, before: (i: number) => boolean): number {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (before(mid)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
