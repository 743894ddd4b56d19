import type { TableSet } from './tableSet.js';
import type { ListOptions, Store, TableName, Tables } from './types.js';

/** Reads rows a table holds as numbers from where they live, by id (an id absent from the answer: gone). */
export type LoadRows = (table: TableName, ids: string[]) => Promise<ReadonlyMap<string, unknown>>;

/**
 * `Store.fetch` and `Store.fetchList` over a store's tables: a row held in memory is
 * answered from there, one held as a number (a PostgreSQL watcher's done row, see
 * GlanceSlots) is read with `load`, the rows a listing may give in one call. Without
 * `load`, the synchronous reads answer (a file store reads its cold rows back itself).
 * @example const { fetch } = fetchRows(tables, load); await fetch('incidents', 'inc_1');
 */
export function fetchRows(tables: TableSet, load: LoadRows | undefined): Required<Pick<Store, 'fetch' | 'fetchList'>> {
  return {
    async fetch<T extends TableName>(table: T, id: string): Promise<Tables[T] | undefined> {
      if (!load || !tables.cold(table, id)) return tables.get(table, id);
      return (await load(table, [id])).get(id) as Tables[T] | undefined;
    },
    async fetchList<T extends TableName>(table: T, where?: Partial<Tables[T]>, options?: ListOptions): Promise<Tables[T][]> {
      if (!load) return tables.list(table, where, options);
      const loaded = new Map<string, unknown>();
      // A refresh during a read may leave more rows held as numbers: read those too.
      for (;;) {
        const wanted = tables.coldIds(table, where).filter((id) => !loaded.has(id));
        if (wanted.length === 0) return tables.listLoaded(table, where, options, loaded);
        const found = await load(table, wanted);
        for (const id of wanted) loaded.set(id, found.get(id));
      }
    },
  };
}
