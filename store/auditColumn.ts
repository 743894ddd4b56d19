import { AuditText } from './auditText.js';
import type { PartValues } from './auditIndex.js';
import { grown, PostingChains } from './postingChains.js';
import { hashValue, ValueTable } from './valueTable.js';

/** Loaded value tables a column probes before it merges them (see AuditColumn.set). */
const MERGE_AFTER = 8;
/** A part's new values of a column that leave its map once in the side file, at the fewest (see AuditColumn.dropFresh). */
const MOVE_AFTER = 256;

/**
 * One indexed field: each row's value as a number (numbers given out in order of first
 * sight), and per value the ascending positions of its rows, so a lookup costs what it
 * returns, not a scan of the log. The rows of a value of a few rows (an id-like entityId)
 * are a chain through one shared array: a typed array per value would cost ~200 bytes of heap.
 */
export class AuditColumn {
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
      id = this.idOf(value);
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
