import { TableIndex } from './tableIndex.js';
import { TABLE_NAMES } from './types.js';
import type { ListOptions, StoreChange, StoreData, TableName, Tables } from './types.js';

type Row = { id: string } & Record<string, unknown>;
const KNOWN = new Set<string>(TABLE_NAMES);

/**
 * The keyed tables of a store's data with their indexes kept in step. Reads the tables
 * through `tables()` each time, because a read-only store's refresh replaces them.
 * @example const set = new TableSet(() => low.data.tables); set.put('jobs', job);
 */
export class TableSet {
  readonly #tables: () => StoreData['tables'];
  readonly #indexes = new Map<TableName, TableIndex>();

  constructor(tables: () => StoreData['tables']) {
    this.#tables = tables;
  }

  /** The rows of a table, keyed by id (the store's own object). */
  rows<T extends TableName>(table: T): Record<string, Tables[T]> {
    if (!KNOWN.has(table)) throw new TypeError(`incident-flow store: unknown table ${JSON.stringify(table)}`);
    return (this.#tables()[table] ??= {});
  }

  get<T extends TableName>(table: T, id: string): Tables[T] | undefined {
    const rows = this.rows(table);
    return Object.hasOwn(rows, id) ? rows[id] : undefined;
  }

  list<T extends TableName>(table: T, where?: Partial<Tables[T]>, options?: ListOptions): Tables[T][] {
    return this.#index(table).list(this.rows(table), where, options?.last);
  }

  put<T extends TableName>(table: T, row: Tables[T]): void {
    this.rows(table)[row.id] = row;
    this.#index(table).update(row.id, row as unknown as Row);
  }

  /** False when there was no such row. */
  remove(table: TableName, id: string): boolean {
    const rows = this.rows(table);
    if (!Object.hasOwn(rows, id)) return false;
    delete rows[id];
    this.#index(table).update(id, undefined);
    return true;
  }

  /** Brings the indexes up to date with rows that another process changed. */
  reindex(rows: StoreChange['rows']): void {
    for (const { table, id, row } of rows) this.#index(table).update(id, (row ?? undefined) as Row | undefined);
  }

  #index(table: TableName): TableIndex {
    let index = this.#indexes.get(table);
    if (!index) this.#indexes.set(table, (index = new TableIndex(this.rows(table))));
    return index;
  }
}
