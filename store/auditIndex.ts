import type { AuditEntry } from '../machines/types.js';
import { AuditText } from './auditText.js';
import type { AuditPage, AuditQuery } from './types.js';

/** The AuditQuery fields answered from an index: row positions by value. */
export const INDEXED = ['entityId', 'agent', 'workflow', 'action', 'level'] as const;
export type IndexedField = (typeof INDEXED)[number];

/** The fields the `text` filter searches. */
const TEXT_FIELDS = ['message', 'action', 'actor', 'entityId'] as const;
/** Rows parsed at a time when the searched text is built from a log's rows. */
const TEXT_BATCH = 8192;

/** Where an index stood, to go back to it (see `AuditIndex.rollback`). */
export interface IndexMark {
  size: number;
  lastTs: string;
  tsOrdered: boolean;
}

/**
 * Indexes over the append-only audit log, fed each row's object once as it is appended
 * or read (the log keeps rows as JSON lines, so an index built later would have to parse
 * them all). Compact: per indexed field, one column holding a small number per row (the
 * value, interned; 0 for none) and per value a typed array of its rows' positions: about
 * 8 bytes a row a field, and a lookup costs what it returns. Also
 * tracks whether `ts` never goes down, so that time bounds can be bisected, and which
 * rows have a text field that is not a string, number or boolean (their JSON line is
 * not a safe prefilter for the `text` match). The searched text itself (AuditText) is kept
 * from the start with `text`, else from the first `text` query on (built then from the rows).
 */
export class AuditIndex {
  readonly #columns = new Map<IndexedField, Column>(INDEXED.map((field) => [field, new Column()]));
  readonly #oddText = new Set<number>();
  #size = 0;
  #lastTs = '';
  #tsOrdered = true;
  #text: AuditText | null;

  /** `text`: keep the searched text from the first row (a store opened to be viewed). */
  constructor(opts: { text?: boolean } = {}) {
    this.#text = opts.text ? new AuditText() : null;
  }

  /** Takes in the next row. */
  add(row: AuditEntry): void {
    const pos = this.#size++;
    for (const [field, column] of this.#columns) column.set(pos, valueOf(row, field));
    this.#text?.add(TEXT_FIELDS.map((field) => row[field]));
    if (this.#tsOrdered) {
      const ts = row.ts;
      if (typeof ts === 'string' && ts >= this.#lastTs) this.#lastTs = ts;
      else this.#tsOrdered = false;
    }
    for (const field of TEXT_FIELDS) {
      const value: unknown = row[field];
      if (value !== null && typeof value === 'object') this.#oddText.add(pos);
    }
  }

  mark(): IndexMark {
    return { size: this.#size, lastTs: this.#lastTs, tsOrdered: this.#tsOrdered };
  }

  /** Forgets the rows added since `mark` (a read that failed half way). */
  rollback(mark: IndexMark): void {
    for (const pos of this.#oddText) if (pos >= mark.size) this.#oddText.delete(pos);
    for (const column of this.#columns.values()) column.truncate(mark.size);
    this.#text?.truncate(mark.size);
    [this.#size, this.#lastTs, this.#tsOrdered] = [mark.size, mark.lastTs, mark.tsOrdered];
  }

  /** Positions of the rows whose `field` is `value`, ascending. */
  positions(field: IndexedField, value: string): ArrayLike<number> {
    return this.#column(field).positions(value, this.#size);
  }

  /** Whether the row at `pos` has `value` in `field`, without reading the row. */
  has(field: IndexedField, value: string, pos: number): boolean {
    const column = this.#column(field);
    const id = column.idOf(value);
    return id !== 0 && column.at(pos) === id;
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
    return this.#columns.get(field) as Column;
  }
}

/**
 * One indexed field: each row's value as a number (numbers given out in order of first
 * sight), and per value the ascending positions of its rows, so a lookup costs what it
 * returns, not a scan of the log. A value seen in one row only (an id-like entityId) keeps
 * that position as a plain number: a typed array per value would cost ~200 bytes of heap.
 */
class Column {
  #data = new Uint32Array(1024);
  readonly #ids = new Map<string, number>();
  readonly #posts: Array<{ arr: Uint32Array; len: number } | number | undefined> = [undefined];

  set(pos: number, value: string | undefined): void {
    let id = 0;
    if (value !== undefined) {
      id = this.#ids.get(value) ?? 0;
      if (id === 0) this.#ids.set(value, (id = this.#ids.size + 1));
    }
    if (pos >= this.#data.length) {
      const grown = new Uint32Array(this.#data.length * 2);
      grown.set(this.#data);
      this.#data = grown;
    }
    this.#data[pos] = id;
    if (id === 0) return;
    let post = this.#posts[id];
    if (post === undefined) {
      this.#posts[id] = pos;
      return;
    }
    if (typeof post === 'number') {
      const arr = new Uint32Array(8);
      arr[0] = post;
      this.#posts[id] = post = { arr, len: 1 };
    }
    if (post.len === post.arr.length) {
      const grown = new Uint32Array(post.arr.length * 2);
      grown.set(post.arr);
      post.arr = grown;
    }
    post.arr[post.len++] = pos;
  }

  at(pos: number): number {
    return this.#data[pos];
  }

  /** The number of a value; 0 when no row has it. */
  idOf(value: string): number {
    return this.#ids.get(value) ?? 0;
  }

  positions(value: string, size: number): ArrayLike<number> {
    const post = this.#posts[this.idOf(value)];
    if (post === undefined) return [];
    if (typeof post === 'number') return post < size ? [post] : [];
    let len = post.len;
    while (len > 0 && post.arr[len - 1] >= size) len--;
    return post.arr.subarray(0, len);
  }

  /** Forgets positions from `size` on (a read that failed half way). */
  truncate(size: number): void {
    for (const [id, post] of this.#posts.entries()) {
      if (typeof post === 'number' && post >= size) this.#posts[id] = undefined;
      if (typeof post !== 'object') continue;
      while (post.len > 0 && post.arr[post.len - 1] >= size) post.len--;
    }
  }
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
    if (value !== undefined && field !== chosen) keep.push((pos) => index.has(field, value, pos));
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
