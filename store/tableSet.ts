import { glancedAt, glanceOf } from './rowGlance.js';
import type { Glance, GlanceColumns } from './rowGlance.js';
import { matches, TableIndex } from './tableIndex.js';
import type { TableRows } from './tableIndex.js';
import { tableIds, tableRow } from './tableOrder.js';
import type { TableOrder } from './tableOrder.js';
import { TABLE_NAMES } from './types.js';
import type { ListOptions, StoreChange, StoreData, TableName, Tables } from './types.js';

type Row = { id: string } & Record<string, unknown>;
const KNOWN = new Set<string>(TABLE_NAMES);

/**
 * Fields the workflow looks up for null only, indexed for null alone (see TableIndex):
 * Petra lists an agent's incidents not closed (`closedAt: null`), the weekly board summary
 * the unresolved ones (`resolvedAt: null`); every closed incident has a time of its own there.
 */
const NULL_ONLY: Partial<Record<TableName, ReadonlySet<string>>> = {
  incidents: new Set(['closedAt', 'resolvedAt']),
};

/** Reads back a row that its table holds as a number: where it is on disk (see ColdRows). */
export type Thaw = (table: TableName, id: string, at: number) => unknown;
/** The glanced values (see GLANCED) of the rows a table holds as numbers, when known without reading them. */
export type Glancer = (table: TableName) => GlanceColumns | undefined;
/** A file store writer's order of a table whose done rows it keeps on disk with no entry in the table (see TableOrder). */
/** A table's order, made at first use from `rows` (the table as the store holds it then) when the adapter keeps one. */
export type Orders = (table: TableName, rows: Record<string, unknown>) => TableOrder | undefined;

/**
 * The keyed tables of a store's data with their indexes kept in step. Reads the tables
 * through `tables()` each time, because a read-only store's refresh replaces them. Some
 * rows are kept on disk only, a number saying where: a follower's table holds it in the
 * row's place; a file store writer's table has no entry for the row, its TableOrder
 * (`orders`) holds the id, the number and the table's order. `thaw` reads such a row back
 * for `get` and `list`.
 * @example const set = new TableSet(() => low.data.tables); set.put('jobs', job);
 */
export class TableSet {
  readonly #tables: () => StoreData['tables'];
  readonly #indexes = new Map<TableName, TableIndex>();
  readonly #thaw: Thaw;
  readonly #glance: Glancer;
  /** Each table's TableOrder, asked for once (null: none). */
  readonly #orders = new Map<TableName, TableOrder | null>();
  readonly #order: Orders;

  constructor(tables: () => StoreData['tables'], thaw: Thaw = noThaw, glance: Glancer = () => undefined, orders: Orders = () => undefined) {
    this.#tables = tables;
    this.#thaw = thaw;
    this.#glance = glance;
    this.#order = orders;
  }

  /** The rows of a table, keyed by id (the store's own object). */
  rows<T extends TableName>(table: T): Record<string, Tables[T]> {
    if (!KNOWN.has(table)) throw new TypeError(`incident-flow store: unknown table ${JSON.stringify(table)}`);
    return (this.#tables()[table] ??= {});
  }

  get<T extends TableName>(table: T, id: string): Tables[T] | undefined {
    const row = tableRow(this.rows(table), this.#orderOf(table), id);
    return row === undefined ? undefined : this.#read(table, id, row);
  }

  list<T extends TableName>(table: T, where?: Partial<Tables[T]>, options?: ListOptions): Tables[T][] {
    const rows = this.#rowsOf(table);
    return this.#ids(table, rows, where, options?.last).map((id) => this.#read(table, id, rows.row(id)));
  }

  /** The ids of the rows `list` gives, through the table's index (reading back only the rows it cannot check). */
  #ids<T extends TableName>(table: T, rows: TableRows<Tables[T]>, where: object | undefined, last: number | undefined): string[] {
    return this.#index(table).ids(rows, where, last, (id) => this.#read(table, id, rows.row(id)), (id, field) => this.#peek(table, id, rows.row(id), field));
  }

  /** A table's rows: its object's, and with a TableOrder the rows kept on disk with no entry there. */
  #rowsOf<T extends TableName>(table: T): TableRows<Tables[T]> {
    const rows = this.rows(table) as Record<string, unknown>;
    const order = this.#orderOf(table);
    return { ids: () => tableIds(rows, order), row: (id) => tableRow(rows, order, id) as Tables[T] | number | undefined };
  }

  #orderOf(table: TableName): TableOrder | undefined {
    let order = this.#orders.get(table);
    if (order === undefined) this.#orders.set(table, (order = this.#order(table, this.rows(table)) ?? null));
    return order ?? undefined;
  }

  /**
   * Every row in table order as a listing of many shows it (see GLANCED): a row held in
   * memory whole, a row kept on disk only from its glanced values when known, else read back.
   */
  glance<T extends TableName>(table: T): Glance<T>[] {
    const rows = this.#rowsOf(table);
    const columns = this.#glance(table);
    const out: Glance<T>[] = [];
    for (const id of rows.ids()) out.push(this.#glanceRow(table, id, rows.row(id), columns) as Glance<T>);
    return out;
  }

  /** Whether the table holds a number in place of the row (kept elsewhere: see Thaw). */
  cold(table: TableName, id: string): boolean {
    return typeof tableRow(this.rows(table), this.#orderOf(table), id) === 'number';
  }

  /**
   * The ids of the rows held as numbers (kept elsewhere) that `list(table, where)` may give,
   * judged on the fields of `where` they have glanced values of: the rows an asynchronous
   * listing reads first (see fetchRows), then hands to `listLoaded`.
   */
  coldIds<T extends TableName>(table: T, where?: Partial<Tables[T]>): string[] {
    const rows = this.#rowsOf(table);
    return this.#glancedIds(table, rows, where).filter((id) => typeof rows.row(id) === 'number');
  }

  /**
   * `list`, with the rows held as numbers taken from `loaded` (read by the caller; absent:
   * gone since, left out), checked against `where` once read: only the fields rows are
   * glanced on are looked up in the indexes, so none is built from a row not read.
   */
  listLoaded<T extends TableName>(table: T, where: Partial<Tables[T]> | undefined, options: ListOptions | undefined, loaded: ReadonlyMap<string, unknown>): Tables[T][] {
    const rows = this.#rowsOf(table);
    const out: Tables[T][] = [];
    for (const id of this.#glancedIds(table, rows, where)) {
      const held = rows.row(id);
      const row = (typeof held === 'number' ? loaded.get(id) : held) as Tables[T] | undefined;
      if (row !== undefined && (where === undefined || matches(row as unknown as Row, where))) out.push(row);
    }
    const last = options?.last;
    return last === undefined ? out : last > 0 ? out.slice(-last) : [];
  }

  /** The ids `list(table, where)` gives, `where` cut to the glanced fields (a row held as a number is judged on its glance). */
  #glancedIds<T extends TableName>(table: T, rows: TableRows<Tables[T]>, where: Partial<Tables[T]> | undefined): string[] {
    const glanced = where && Object.fromEntries(Object.entries(where).filter(([field]) => glancedAt(table, field) >= 0));
    return this.#index(table).ids(rows, glanced, undefined, (id) => this.#glanceRow(table, id, rows.row(id)) as Tables[T], (id, field) => this.#peek(table, id, rows.row(id), field));
  }

  /** A row (its object, or where it is kept) as its glance when it is held as a number and its glance is known, else as `get` reads it. */
  #glanceRow<T extends TableName>(table: T, id: string, row: unknown, columns = this.#glance(table)): unknown {
    const k = typeof row === 'number' && columns ? columns.locate(row) : -1;
    return columns && k >= 0 ? glanceOf(table, id, columns, k) : this.#read(table, id, row);
  }

  /**
   * The rows `list` gives, one at a time (see Store.each): the ids are taken now, each row
   * read when its turn comes (a row kept on disk is read back then, so nothing holds more
   * than one of them), skipped if it was removed or no longer matches by then.
   */
  each<T extends TableName>(table: T, where?: Partial<Tables[T]>): IterableIterator<Tables[T]> {
    return this.#walk(table, this.#ids(table, this.#rowsOf(table), where, undefined), where);
  }

  *#walk<T extends TableName>(table: T, ids: string[], where: Partial<Tables[T]> | undefined): Generator<Tables[T], undefined, undefined> {
    for (let k = 0; k < ids.length; k++) {
      // Looked up afresh per row: a put, a remove or a follower's refresh may come between two.
      const held = tableRow(this.rows(table), this.#orderOf(table), ids[k]);
      if (held === undefined) continue;
      const row = this.#read(table, ids[k], held);
      if (where === undefined || matches(row as unknown as Row, where)) yield row;
    }
    return undefined;
  }

  /**
   * Puts a row, a copy of it unless handed over (`handOver`: built for this put, kept as it
   * is). The object the table holds is copied even so: a commit takes "still the object it
   * wrote" to mean "not put since" (a file store then keeps the row on disk only, and the
   * next commit would find no object). Returns whether the row is new to the table.
   */
  put<T extends TableName>(table: T, row: Tables[T], handOver = false): boolean {
    const rows = this.rows(table);
    const id = row.id;
    const order = this.#orderOf(table);
    const held = Object.hasOwn(rows, id);
    // A row kept on disk only comes back into the table object, keeping its place.
    const inserted = !held && !order?.place(id, NaN);
    const kept = handOver && (!held || rows[id] !== row) ? row : { ...row };
    rows[id] = kept;
    if (inserted) order?.add(id);
    this.#index(table).update(id, kept as unknown as Row);
    return inserted;
  }

  /** False when there was no such row. */
  remove(table: TableName, id: string): boolean {
    const rows = this.rows(table);
    const order = this.#orderOf(table);
    if (tableRow(rows, order, id) === undefined) return false;
    // The index first: it numbers the rows by the order's numbers (see TableIndex).
    this.#index(table).update(id, undefined);
    delete rows[id];
    order?.delete(id);
    return true;
  }

  /** Brings the indexes up to date with rows that another process changed. */
  reindex(rows: StoreChange['rows']): void {
    for (const { table, id, row } of rows) this.#index(table).update(id, (row ?? undefined) as Row | undefined);
  }

  /** A field of a row, from its glanced values when the row is kept on disk only and they are known. */
  #peek<T extends TableName>(table: T, id: string, row: unknown, field: string): unknown {
    const f = typeof row === 'number' ? glancedAt(table, field) : -1;
    const columns = f >= 0 ? this.#glance(table) : undefined;
    const k = columns ? columns.locate(row as number) : -1;
    return columns && k >= 0 ? columns.value(k, f) : (this.#read(table, id, row) as unknown as Row)[field];
  }

  /** A row held (its object, or where it is on disk), as an object. */
  #read<T extends TableName>(table: T, id: string, row: unknown): Tables[T] {
    return (typeof row === 'number' ? this.#thaw(table, id, row) : row) as Tables[T];
  }

  #index(table: TableName): TableIndex {
    let index = this.#indexes.get(table);
    if (!index) this.#indexes.set(table, (index = new TableIndex(NULL_ONLY[table], this.#orderOf(table))));
    return index;
  }
}

function noThaw(table: TableName, id: string): never {
  throw new Error(`incident-flow store: tables.${table}[${JSON.stringify(id)}] is kept on disk, but this store cannot read it back`);
}
