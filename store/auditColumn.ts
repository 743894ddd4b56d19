import { AuditText } from './auditText.js';
import type { PartValues } from './auditIndex.js';
import { PartRows, type AuditParts } from './auditParts.js';
import { directoryOf, listOf, orderOf, PartPositions, ValueRuns, type Directory, type Positions } from './partPositions.js';
import { grown } from './grown.js';
import { PostingChains } from './postingChains.js';
import { hashValue, ValueTable } from './valueTable.js';

/** Loaded value tables a column probes before it merges them (see AuditColumn.set). */
const MERGE_AFTER = 8;
/** A part's new values of a column that leave its map once in the side file, at the fewest (see AuditColumn.dropFresh). */
const MOVE_AFTER = 256;
/** Values whose runs in the parts a column keeps (see AuditColumn.positions): the last asked for. */
const RUNS_KEPT = 64;

/**
 * One indexed field: each row's value as a number (numbers given out in order of first
 * sight), and per value the ascending positions of its rows, so a lookup costs what it
 * returns, not a scan of the log. The rows of a value of a few rows (an id-like entityId)
 * are a chain through one shared array: a typed array per value would cost ~200 bytes of heap.
 * A writer's column holds only the rows its side file lacks: the rows in the file's parts
 * are read back from there (AuditParts), a value's rows there found through each part's
 * counts per value (PartPositions).
 */
export class AuditColumn {
  /** Per row from `#from` on, its value's number. */
  #data = new Uint32Array(1024);
  /**
   * Rows before this are not in `#data`: a writer's, once they are in the side file's parts
   * (see `drop`); they are read back from there, part by part, when asked for.
   */
  #from = 0;
  /** A writer's parts in the side file, and this field's place among INDEXED; null: every row stays in `#data`. */
  readonly #parts: AuditParts | null;
  readonly #field: number;
  /** This field's value numbers of the rows in `#parts`, read back part by part. */
  readonly #partValues: PartRows | null;
  /**
   * Per part, its values and how many rows each (see Directory), once a query asked this
   * field (null before): a lookup counts a value's rows in the parts without reading them.
   */
  #dirs: Directory[] | null = null;
  /** Per value number lately asked for, its runs in the parts (the first inserted is let go first). */
  readonly #runs = new Map<number, ValueRuns>();
  /** Values taken in from the side file, part by part (numbered from `base` + 1), then those seen since. */
  #loaded: Array<{ table: ValueTable; base: number }> = [];
  readonly #ids = new Map<string, number>();
  #count = 0;
  /**
   * The value last set and its number (a value keeps its number for good): rows come in
   * runs of one level, one entity, one agent, and a run costs one lookup in `#ids`.
   */
  #lastValue: string | undefined = undefined;
  #lastId = 0;
  /** Rows [0, #rows) have a number, those from `#from` on in `#data`. */
  #rows = 0;
  /**
   * Per value number, its rows from `#from` on, as offsets from `#from` (see #postings); null
   * until first asked for: a field no query filters on during a run (a rehearsal's entity
   * ids, actions, workflows) keeps no chains, about 4 bytes a row and 12 a value each.
   */
  #posts: PostingChains | null = null;
  /** Values numbered since the side file last took them (persisting only), in number order. */
  #fresh: string[] | null;

  /** `parts`: a writer's side file, where rows let go of (see `drop`) are read back, `field` being this column's place among INDEXED. */
  constructor(persist: boolean, parts: AuditParts | null = null, field = 0) {
    this.#fresh = persist ? [] : null;
    [this.#parts, this.#field] = [parts, field];
    this.#partValues = parts && new PartRows(parts, (k) => parts.column(k, field));
  }

  /**
   * Lets go of the numbers of rows before `to` (they are in the side file's parts now): a
   * writer holds only the rows its side file lacks, whatever the field. A field a query
   * asked notes each part's values and counts first (a few numbers for an agent's or a
   * level's part), and its rows per value are laid out again from `to` on.
   */
  drop(to: number): void {
    const parts = this.#parts;
    if (!parts || to <= this.#from || to > this.#rows || to > parts.rows) return;
    if (this.#dirs) this.#note();
    const kept = this.#data.subarray(to - this.#from, this.#rows - this.#from);
    const data = new Uint32Array(Math.max(1024, kept.length + (kept.length >> 2)));
    data.set(kept);
    [this.#data, this.#from, this.#posts] = [data, to, null];
  }

  /** A query asks this field: from now on it keeps each part's values and counts (see `#dirs`). */
  ask(): this {
    if (!this.#dirs && this.#parts) {
      this.#dirs = [];
      this.#note();
    }
    return this;
  }

  /** The Directory of every part that has none yet, from the rows in memory or else the side file. */
  #note(): void {
    const [parts, dirs] = [this.#parts as AuditParts, this.#dirs as Directory[]];
    for (let k = dirs.length; k < parts.count; k++) {
      const { from, to } = parts.place(k);
      dirs.push(directoryOf(from >= this.#from ? this.#data.subarray(from - this.#from, to - this.#from) : parts.column(k, this.#field)));
    }
  }

  /** Part `k`'s rows grouped by value (see orderOf), read back through the parts' cache. */
  #order(k: number): { from: number; order: Uint32Array } {
    const parts = this.#parts as AuditParts;
    const order = parts.cached(`${k}:o${this.#field}`, () => orderOf(parts.column(k, this.#field), (this.#dirs as Directory[])[k]));
    return { from: parts.place(k).from, order };
  }

  set(pos: number, value: string | undefined): void {
    let id = 0;
    if (value !== undefined && value === this.#lastValue) id = this.#lastId;
    else if (value !== undefined) {
      id = this.idOf(value);
      if (id === 0) {
        this.#ids.set(value, (id = ++this.#count));
        this.#fresh?.push(value);
        // A value looked up in many loaded tables costs a probe in each: a log that goes
        // on growing (a writer, a follower) merges them into one, once.
        if (this.#loaded.length > MERGE_AFTER) this.#merge();
      }
      this.#lastValue = value;
      this.#lastId = id;
    }
    this.#place(pos, id);
  }

  /** Rows from 0 with these value numbers, part by part, the parts' values numbered first (a new column only). */
  load(ids: readonly Uint32Array[], values: readonly PartValues[]): void {
    this.#lastValue = undefined;
    let base = 0;
    for (const part of values) {
      // A writer's copies of the slots and lengths: a view would keep the whole side file's bytes it was read into.
      const own = this.#parts ? { ...part, lengths: part.lengths.slice() } : part;
      if (part.lengths.length > 0) this.#loaded.push({ table: new ValueTable(own, this.#parts ? part.slots.slice() : part.slots), base });
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
   * (from the start, or after a load, a truncate or a `drop`), kept up to date after: the
   * rows from `#from` on, as offsets from it.
   */
  #postings(): PostingChains {
    if (this.#posts) return this.#posts;
    const [data, size, base] = [this.#data, this.#rows - this.#from, this.#count];
    const posts = new PostingChains();
    for (let k = 0; k < size; k++) if (data[k] !== 0 && data[k] <= base) posts.add(data[k], k);
    return (this.#posts = posts);
  }

  #merge(): void {
    this.#loaded = [{ table: ValueTable.merged(this.#loaded.map(({ table }) => table)), base: 0 }];
  }

  /** The value numbers of rows [from, to), copied. */
  ids(from: number, to: number): Uint32Array {
    if (from >= this.#from) return this.#data.slice(from - this.#from, to - this.#from);
    const out = new Uint32Array(to - from);
    for (let pos = from; pos < to; pos++) out[pos - from] = this.at(pos);
    return out;
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
    if (pos < this.#from) throw new Error(`audit index row ${pos} is in the side file already`);
    const at = pos - this.#from;
    if (at >= this.#data.length) this.#data = grown(this.#data, at);
    this.#data[at] = id;
    this.#rows = Math.max(this.#rows, pos + 1);
    if (id !== 0) this.#posts?.add(id, at);
  }

  /** Bytes held for rows: their numbers, their rows per value, the parts' directories (not the values themselves). */
  get rowBytes(): number {
    let sum = this.#data.byteLength + (this.#posts?.bytes ?? 0);
    for (const dir of this.#dirs ?? []) sum += dir.ids.byteLength + dir.ends.byteLength;
    return sum;
  }

  /** The number of row `pos`'s value. */
  at(pos: number): number {
    if (pos >= this.#from) return this.#data[pos - this.#from];
    return (this.#partValues as PartRows).at(pos);
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

  /** Positions of the rows with `value` below `size`, ascending (a column asked for: see `ask`). */
  positions(value: string, size: number): Positions {
    const id = this.idOf(value);
    if (id === 0) return listOf([]);
    const tail = this.#postings().positions(id, size - this.#from);
    const dirs = this.ask().#dirs ?? [];
    if (this.#from === 0 && dirs.length === 0) return listOf(tail);
    const runs = (this.#runs.get(id) ?? new ValueRuns()).extend(dirs, id);
    // Most recently asked last: a Map iterates in insertion order.
    this.#runs.delete(id);
    for (const oldest of this.#runs.keys()) {
      if (this.#runs.size < RUNS_KEPT) break;
      this.#runs.delete(oldest);
    }
    this.#runs.set(id, runs);
    return new PartPositions(runs, tail, this.#from, (k) => this.#order(k));
  }

  /** Forgets positions from `size` on (a read that failed half way): the rows per value are built again when next asked for. */
  truncate(size: number): void {
    if (size < this.#from) throw new Error(`audit index rows from ${size} are in the side file already`);
    this.#rows = Math.min(this.#rows, size);
    this.#data.fill(0, size - this.#from);
    this.#posts = null;
  }
}
