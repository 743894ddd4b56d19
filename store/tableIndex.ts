import { canonicalJson } from './canonicalJson.js';
import { HashCodes } from './hashCodes.js';
import { KeyNumbers, keyHash } from './keyNumbers.js';
import type { Key, RowNumbers } from './keyNumbers.js';
import { Posting, Posts } from './posting.js';
import { isArrayIndex, type TableOrder } from './tableOrder.js';

type Row = { id: string } & Record<string, unknown>;

/** A table's rows as a listing reads them (a plain object's: `objectRows`; a writer's with rows on disk: see TableSet). */
export interface TableRows<R> {
  /** The ids, in table order. */
  ids(): string[];
  /** A row's object, or where it is kept on disk (a number); undefined: no such row. */
  row(id: string): R | number | undefined;
}

/**
 * A plain table object's rows (keyed by id, in its key order).
 * @example index.ids(objectRows(tables.jobs), { agent: 'mailer' })
 */
export function objectRows<R>(rows: Record<string, R | number>): TableRows<R> {
  return { ids: () => Object.keys(rows), row: (id) => (Object.hasOwn(rows, id) ? rows[id] : undefined) };
}


/**
 * Per row number, its value's number: a byte a row while a field has at most 255 values
 * (an agent, a status), two up to 65,535, then four (see `move`).
 */
type Column = Uint8Array | Uint16Array | Uint32Array;

/** One indexed field: each row's value as a number in a typed column, and per value its rows. */
interface FieldIndex {
  /**
   * Each value's number less one (a value's number is from 1), given when a row first holds
   * it; by hash alone once the field has HASHED_AFTER values (see HashCodes): a number's rows
   * then hold its value or another of the same hash, and a listing checks each row it takes.
   */
  codes: KeyNumbers | HashCodes;
  /** Per row number, its value's number (0: none, or not a plain value). */
  col: Column;
  /** Per value number: the row number of the one row holding it, a Posting once two do; undefined: none now. */
  posts: Posts;
  /** Values numbered that no row holds now (renumbered away once they outnumber the rest). */
  unused: number;
}

/**
 * Indexes for one table: the insertion order of its rows, and equality indexes on
 * top-level fields, each built the first time a listing filters on that field and kept up
 * to date afterwards (so `incidents` by status/agent/fingerprint, `jobs` by agent... cost
 * nothing until asked for, and one scan when first asked). Compact: each row has a number
 * (its place in insertion order; a row put again after a remove gets a new one), a field
 * keeps a column of value numbers per row (1 to 4 bytes each) and, per value, the row numbers holding
 * it (one number, or a Posting): beside the id → number table (KeyNumbers: its id list
 * and a typed hash table, no Map), a few bytes a row a field, and nothing per row that is
 * not a number, so a row kept on disk only (see ColdRows) costs its index little. Rows get their numbers when a listing first needs them (a
 * table no listing filters, such as the deadlines, pays nothing per put and remove): in
 * the table's own key order, the order they were put in (ids that read as array indexes
 * come first, as in an unfiltered listing). A table with a TableOrder (a file store
 * writer's) already numbers its rows in table order: the index takes those numbers rather
 * than keeping each id a second time, and follows the order when it compacts them.
 */
export class TableIndex {
  /** Per row number, the row's id (undefined: removed), and back: the columns are by these numbers. */
  #no: RowNumbers;
  /** The index's own numbers, when it has no table order to take them from. */
  #own = new KeyNumbers<string>();
  /**
   * The table's order, whose numbers the index takes (null: it numbers the rows itself). The
   * order holds no id that reads as an array index (see TableOrder): a table with one is
   * numbered by the index itself from then on, its fields built again.
   */
  #order: TableOrder | null;
  readonly #fields = new Map<string, FieldIndex>();
  /** Row numbers freed by removals since the rows were last renumbered (the index's own numbers). */
  #freed = 0;
  /** Fields whose index holds null only (see the constructor). */
  readonly #nullOnly: ReadonlySet<string>;
  /** Whether the rows have numbers yet: from the first filtered listing on. */
  #numbering = false;

  /**
   * `nullOnly`: fields looked up for null only (an incident's `closedAt` while it is open),
   * whose other values are about one per row (times): their index numbers null alone, and
   * a lookup of another value checks the rows (reading back those kept on disk) instead of
   * keeping a value and a map entry per row for lookups nobody makes.
   */
  constructor(nullOnly: ReadonlySet<string> = new Set(), order?: TableOrder) {
    this.#nullOnly = nullOnly;
    this.#order = order ?? null;
    this.#no = order?.numbers ?? this.#own;
  }

  /** Whether the index answers `field` = `value` (else the rows are checked). */
  #indexed(field: string, value: unknown): boolean {
    return isKey(value) && (value === null || !this.#nullOnly.has(field));
  }

  /**
   * Records that row `id` became `row` (undefined: removed). With a table order: called
   * after the order numbered a new row, before it forgets a removed one.
   */
  update(id: string, row: Row | undefined): void {
    if (!this.#numbering) return;
    const order = this.#numbers();
    if (!row) {
      const no = order ? order.get(id) : this.#own.delete(id);
      if (no === undefined) return;
      for (const index of this.#fields.values()) move(index, no, 0);
      if (!order && ++this.#freed > REBUILD_AFTER && this.#freed > this.#own.size) this.#renumber();
      return;
    }
    // A new id that reads as an array index is listed before the others (an object lists
    // those first), not where the next number would put it: the rows are numbered again
    // at the next filtered listing. The engine's ids never read so.
    let no = order ? order.get(id) : this.#own.get(id);
    if (no === undefined && !order && !isArrayIndex(id)) no = this.#own.add(id);
    if (no === undefined) return this.#unorder();
    for (const [field, index] of this.#fields) {
      const value = row[field];
      move(index, no, this.#indexed(field, value) ? codeOf(index, value as Key) : 0);
    }
  }

  /**
   * The ids of the rows, in insertion order, whose top-level fields equal `where`'s
   * (undefined values are ignored; objects and arrays compare by value); `last`: only the
   * last that many. A table may hold a number in place of a row kept on disk only (see
   * ColdRows): `read` gives the row of an id either way. Such a row is checked against the
   * indexes, not read, so a listing reads back only the rows the indexes cannot check;
   * `peek` gives one field of a row, which an index built on first use takes (a reader has
   * the fields it filters on without reading its rows back: see GLANCED).
   */
  ids<R>(
    rows: TableRows<R>,
    where: object = {},
    last?: number,
    read: (id: string) => R = (id) => rows.row(id) as R,
    peek: (id: string, field: string) => unknown = (id, field) => (read(id) as Row)[field],
  ): string[] {
    const conds = Object.entries(where).filter(([, v]) => v !== undefined);
    const pick = <T>(all: T[]) => (last === undefined ? all : last > 0 ? all.slice(-last) : []);
    const idOf = (no: number) => this.#no.keyOf(no) as string;
    if (conds.length === 0) return pick(rows.ids());
    const ids = this.#numbering ? null : rows.ids();
    if (ids) {
      // Rows the order does not hold (ids that read as array indexes, listed first).
      if (this.#order && ids.length !== this.#order.size) this.#unorder();
      this.#numbering = true;
      if (this.#order) this.#no = this.#order.numbers;
      else for (const id of ids) this.#own.add(id);
    }
    this.#numbers();
    // The id of row `no` if it is in the table and matches (`known`: its id, when the caller has it), else undefined.
    const take = (no: number, known?: string): string | undefined => {
      const id = no < 0 ? undefined : (known ?? this.#no.keyOf(no));
      const row = id === undefined ? undefined : rows.row(id);
      if (row === undefined) return undefined;
      if (typeof row !== 'number') return conds.every(([field, value]) => equal((row as Row)[field], value)) ? id : undefined;
      // The indexes' columns first; the row is read once, only for a condition they cannot
      // settle: a field not indexed, or numbered by hash (the number may be another value's too).
      let unsettled = false;
      for (const [field, value] of conds) {
        const index = this.#indexed(field, value) ? this.#fields.get(field) : undefined;
        if (index && index.col[no] !== codeIn(index, value as Key)) return undefined;
        if (!index || index.codes instanceof HashCodes) unsettled = true;
      }
      if (!unsettled) return id;
      const stored = read(id as string) as Row;
      return conds.every(([field, value]) => equal(stored[field], value)) ? id : undefined;
    };
    let best: { index: FieldIndex; code: number; post: Posting } | null = null;
    for (const [field, value] of conds) {
      if (!this.#indexed(field, value)) continue;
      const index = this.#fields.get(field) ?? this.#field(field, ids ?? rows.ids(), peek);
      const code = codeIn(index, value as Key);
      const post = index.posts.get(code);
      if (code === 0 || post === undefined) return [];
      // One row holds the value: it is the answer, or there is none.
      if (typeof post === 'number') {
        const id = take(post);
        return id === undefined ? [] : pick([id]);
      }
      if (!best || post.size < best.post.size) best = { index, code, post };
    }
    if (!best) return pick((ids ?? rows.ids()).filter((id) => take(this.#no.get(id) ?? -1, id) !== undefined));
    const { index, code, post } = best;
    const holds = (no: number) => index.col[no] === code;
    // Row numbers are table order: the last rows are read from the end, costing what they return.
    if (last !== undefined) return post.tail(last, holds, (no) => take(no) !== undefined).reverse().map(idOf);
    const out: string[] = [];
    for (const no of post.all(holds)) {
      const id = take(no);
      if (id !== undefined) out.push(id);
    }
    return out;
  }

  /** Builds the index of `field` (asked for the first time) from the rows `ids` name. */
  #field(field: string, ids: string[], peek: (id: string, field: string) => unknown): FieldIndex {
    const index: FieldIndex = { codes: new KeyNumbers(), col: new Uint8Array(Math.max(16, this.#no.length)), posts: new Posts(), unused: 0 };
    for (const id of ids) {
      const value = peek(id, field);
      if (this.#indexed(field, value)) move(index, this.#no.get(id) as number, codeOf(index, value as Key));
    }
    this.#fields.set(field, index);
    return index;
  }

  /**
   * Gives the rows numbers 0, 1, 2... again, in order, once removals have freed more
   * numbers than rows hold (and at least REBUILD_AFTER): the columns and the id list
   * then stay the size of the table, not of every row it ever held.
   */
  #renumber(): void {
    const [before, after] = [this.#own, new KeyNumbers<string>()];
    const olds = new Int32Array(before.size);
    for (let no = 0; no < before.length; no++) {
      const id = before.keyOf(no);
      if (id !== undefined) olds[after.add(id)] = no;
    }
    this.#own = after;
    this.#freed = 0;
    this.#moveColumns(after, olds);
  }

  /**
   * The table order's numbers, once the columns are by them (a compaction of the order
   * since the last call numbered its rows again: the columns follow); null: the index
   * numbers the rows itself.
   */
  #numbers(): RowNumbers | null {
    if (!this.#order) return null;
    const now = this.#order.numbers;
    if (now === this.#no) return now;
    if (this.#fields.size === 0) return (this.#no = now);
    const olds = new Int32Array(now.length);
    for (let no = 0; no < now.length; no++) {
      const id = now.keyOf(no);
      olds[no] = id === undefined ? -1 : (this.#no.get(id) ?? -1);
    }
    this.#moveColumns(now, olds);
    return now;
  }

  /**
   * A row the order does not hold, or a new array-index id (see `update`): the index numbers
   * the rows itself, in the table's listing order, from the next filtered listing on.
   */
  #unorder(): void {
    this.#order = null;
    this.#no = this.#own = new KeyNumbers<string>();
    [this.#numbering, this.#freed] = [false, 0];
    this.#fields.clear();
  }

  /** The columns by the numbers `after`: per row number there, `olds` has its number before (-1: none). */
  #moveColumns(after: RowNumbers, olds: Int32Array): void {
    this.#no = after;
    for (const index of this.#fields.values()) {
      const col = new Uint32Array(Math.max(16, after.length));
      for (let no = 0; no < after.length; no++) col[no] = olds[no] < 0 ? 0 : (index.col[olds[no]] ?? 0);
      index.col = new Uint8Array(col.length);
      index.posts = new Posts(index.posts.length);
      index.unused = index.codes.length;
      for (let no = 0; no < after.length; no++) if (col[no]) move(index, no, col[no]);
    }
  }
}

/**
 * Values a field numbers by their text (KeyNumbers) before it numbers them by hash alone
 * (HashCodes): a field of a few values (agents, statuses) keeps exact numbers; one of about a
 * value per row (a job's incident id) keeps 4 bytes of hash a value, not its text.
 */
const HASHED_AFTER = 4096;

/** The number of `value` in a field, given it if new. */
function codeOf(index: FieldIndex, value: Key): number {
  if (index.codes.length >= HASHED_AFTER && index.codes instanceof KeyNumbers) byHash(index);
  const known = index.codes.get(value);
  if (known !== undefined) return known + 1;
  const code = index.codes.add(value) + 1;
  index.posts.push();
  index.unused++;
  return code;
}

/** Numbers a field's values by hash from now on (see HASHED_AFTER): values of one hash get one number. */
function byHash(index: FieldIndex): void {
  const [before, codes] = [index.codes as KeyNumbers, new HashCodes()];
  const next = new Uint32Array(before.length + 1);
  for (let code = 1; code <= before.length; code++) {
    const hash = keyHash(before.keyOf(code - 1) as Key);
    next[code] = (codes.numberOf(hash) ?? codes.addHash(hash)) + 1;
  }
  const col = index.col;
  [index.codes, index.col, index.posts, index.unused] = [codes, new Uint8Array(col.length), new Posts(codes.length + 1), codes.length];
  for (let no = 0; no < col.length; no++) if (col[no]) move(index, no, next[col[no]]);
}

/** The number of `value` in a field; 0 when no row ever held it. */
function codeIn(index: FieldIndex, value: Key): number {
  return (index.codes.get(value) ?? -1) + 1;
}

/** Row `no` now holds value number `code` (0: none) in this field. */
function move(index: FieldIndex, no: number, code: number): void {
  const old = index.col[no] ?? 0;
  if (old === code) return;
  if (no >= index.col.length || code > MAX_CODE.get(index.col.constructor)!) index.col = widened(index.col, no, code);
  index.col[no] = code;
  if (code !== 0) enter(index, code, no);
  // Left last: leaving may number the values again, and the new one is in use by now.
  if (old !== 0) leave(index, old, no);
}

/** The largest value number each kind of column holds. */
const MAX_CODE = new Map<unknown, number>([[Uint8Array, 0xff], [Uint16Array, 0xffff], [Uint32Array, 0xffffffff]]);

/** `col` copied into a column that holds row `no` (a quarter longer at least) and value number `code`. */
function widened(col: Column, no: number, code: number): Column {
  const length = no < col.length ? col.length : Math.max(col.length + (col.length >> 2) + 1024, no + 1);
  const top = Math.max(code, MAX_CODE.get(col.constructor)!);
  const out = top <= 0xff ? new Uint8Array(length) : top <= 0xffff ? new Uint16Array(length) : new Uint32Array(length);
  out.set(col);
  return out;
}

/** Row `no` entered value number `code`: a second row makes the value's number a Posting. */
function enter(index: FieldIndex, code: number, no: number): void {
  const post = index.posts.get(code);
  if (post === undefined) {
    index.posts.set(code, no);
    index.unused--;
  } else if (typeof post === 'number') {
    const posting = new Posting();
    posting.add(post);
    posting.add(no);
    index.posts.set(code, posting);
  } else post.add(no);
}

/** Row `no` left value number `code`: its Posting shrinks, back to a number at one row. */
function leave(index: FieldIndex, code: number, no: number): void {
  const post = index.posts.get(code);
  const holds = (n: number) => index.col[n] === code;
  if (typeof post === 'number') {
    if (post === no) index.posts.set(code, undefined);
  } else if (post) {
    post.delete(holds);
    if (post.size > 1) return;
    index.posts.set(code, post.size === 1 ? post.all(holds)[0] : undefined);
  }
  if (index.posts.get(code) === undefined && ++index.unused > REBUILD_AFTER && index.unused > index.codes.length - index.unused) recode(index);
}

/**
 * Rebuild a map once it has dropped more keys than it holds (and at least this many):
 * V8's ordered hash maps keep a deleted entry in its bucket chain until the table is
 * rehashed, and a map whose size stays level (values that come and go: an incident id,
 * a status) is rarely rehashed, so every lookup would walk more dead entries as a run goes
 * on. So a value no row holds keeps its number (a job's `incidentId` is null from its
 * submit until its incident opens: deleting and adding null once per job left a dead
 * entry per job in the chain every lookup of null walked, 9 µs a job at 20k jobs) until
 * such values outnumber the rest; then the field's values are numbered again.
 */
const REBUILD_AFTER = 1024;

/** Numbers a field's values again, leaving out those no row holds. */
function recode(index: FieldIndex): void {
  const before = index.codes;
  const codes = before instanceof HashCodes ? new HashCodes() : new KeyNumbers();
  const posts = new Posts();
  const next = new Uint32Array(index.posts.length);
  for (let code = 1; code <= before.length; code++) {
    if (index.posts.get(code) === undefined) continue;
    next[code] = (before instanceof HashCodes ? (codes as HashCodes).addHash(before.hashAt(code - 1)) : (codes as KeyNumbers).add(before.keyOf(code - 1) as Key)) + 1;
    posts.push();
    posts.set(posts.length - 1, index.posts.get(code));
  }
  for (let no = 0; no < index.col.length; no++) index.col[no] = next[index.col[no]];
  [index.codes, index.posts, index.unused] = [codes, posts, 0];
}

/**
 * Whether a row's top-level fields equal `where`'s (undefined values ignored; objects and
 * arrays by value): what `list` and `each` select.
 */
export function matches(row: Record<string, unknown>, where: object): boolean {
  for (const [field, value] of Object.entries(where)) if (value !== undefined && !equal(row[field], value)) return false;
  return true;
}

function isKey(value: unknown): boolean {
  return value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
}

function equal(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  return typeof b === 'object' && b !== null && typeof a === 'object' && a !== null && canonicalJson(a) === canonicalJson(b);
}
