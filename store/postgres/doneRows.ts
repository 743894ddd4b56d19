import type pg from 'pg';
import { isDone } from '../coldRows.js';
import { GLANCED, glancedForm, glancedValue } from '../rowGlance.js';
import type { GlanceColumns } from '../rowGlance.js';
import { StoreError, TABLE_NAMES } from '../types.js';
import type { StoreData, TableName } from '../types.js';
import { glanceOfRow, GlanceSlots } from './glanceSlots.js';
import { ABSENT, COLUMNS } from './rows.js';
import type { ColumnSpec } from './rows.js';
import { readRows, rowsById } from './writeRows.js';

type Rows = Record<string, unknown>;

const unread = () => ({ first: false, fresh: [] as Array<[TableName, string]>, stale: [] as Array<[TableName, number]> });

/**
 * The rows each table holds as done with, in SQL: coldRows.ts `isDone` on the columns. A
 * status that is a string is in its column; one that is not sits in `extra`, its column NULL,
 * which each condition takes as `isDone` takes such a status: not done (read whole), but for
 * decisions, where any status but 'pending' is done. Tables not named have no done rows.
 */
export const DONE_SQL: Partial<Record<TableName, string>> = {
  incidents: `status = 'closed'`,
  jobs: `status IN ('succeeded', 'failed')`,
  decisions: `status IS DISTINCT FROM 'pending'`,
  followups: `status = 'done'`,
  notifications: 'TRUE',
  kb_documents: 'TRUE',
};

/**
 * How a table's done rows are read as their glance (one SELECT of the glanced columns, in
 * `seq` order): `id`, `seq`, each GLANCED field's column (a timestamp as the text
 * `toISOString` gives, not parsed into a Date and back), and `extra` only where it holds a
 * glanced field (a value its column could not hold, or the field absent). A table with no
 * glance: its ids.
 * @example glanceRead('decisions', DONE_SQL.decisions).sql // 'SELECT id, seq, incident_id, status, CASE WHEN … END FROM decisions WHERE … ORDER BY seq'
 */
export function glanceRead(table: TableName, done: string): { sql: string; specs: ColumnSpec[] } {
  const specs = (GLANCED[table] ?? []).map((field) => COLUMNS[table].find((spec) => spec.field === field) as ColumnSpec);
  const fields = `ARRAY[${specs.map((spec) => `'${spec.field}'`).join(', ')}]`;
  const list = [
    'id', 'seq',
    ...specs.map((spec) => (spec.kind === 'timestamptz' ? `to_char(${spec.column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')` : spec.column)),
    ...(specs.length ? [`CASE WHEN extra ?| ${fields} OR extra->'${ABSENT}' ?| ${fields} THEN extra END`] : []),
  ];
  return { sql: `SELECT ${list.join(', ')} FROM ${table} WHERE ${done} ORDER BY seq`, specs };
}

/** A done row's glanced values from its `glanceRead` result row, as `glanceOfRow` gives them from the whole row. */
function glanceOfResult(table: TableName, specs: readonly ColumnSpec[], r: unknown[]): unknown[] {
  const extra = (r[specs.length + 2] ?? null) as Record<string, unknown> | null;
  const absent = Array.isArray(extra?.[ABSENT]) ? (extra[ABSENT] as unknown[]) : null;
  return specs.map((spec, f) => {
    // A field the row lacks takes the form glanceOfRow gives it (an incident's absent `error`: null).
    const value = absent?.includes(spec.field) ? undefined : extra && Object.hasOwn(extra, spec.field) ? extra[spec.field] : (r[f + 2] ?? null);
    return glancedValue(glancedForm(table, spec.field, value));
  });
}

/**
 * The tables of a PostgreSQL store opened `{ readonly: true, pagedAudit: true }` (the
 * watcher's): the rows not done with are read whole, the done ones (`DONE_SQL`) only as
 * their glance, which their table holds as a slot number (see GlanceSlots; a TableSet reads
 * it through `columns`, and `thaw` refuses saying to use `fetch`, which reads the row with
 * `load`). A re-read brings changed rows whole and holds them so until the next read (its
 * change hands them to the listeners); that read first drops the done ones to their glance.
 * @example const done = new DoneRows(target.shown); const tables = await done.readAll(client, null); done.columns('incidents')
 */
export class DoneRows {
  readonly #shown: string;
  #slots = new GlanceSlots();
  /** Rows the last read brought whole, to drop to their glance if done. */
  #fresh: Array<[TableName, string]> = [];
  /** Slots the last read let go: freed at the next one, once nothing can read the tables that held them. */
  #stale: Array<[TableName, number]> = [];
  /** What a `readAll` under way brought whole and let go (and whether it is the first): held if its read commits. */
  #ofRead = unread();

  constructor(shown: string) {
    this.#shown = shown;
  }

  /** Before a read: the done rows the last one brought whole become glances, its let-go slots free. */
  settle(tables: StoreData['tables'] | null): void {
    for (const [table, at] of this.#stale) this.#slots.drop(table, at);
    this.#stale = [];
    if (!tables) return;
    for (const [table, id] of this.#fresh) {
      const rows = tables[table] as Rows;
      const row = rows[id];
      if (typeof row === 'object' && row !== null && isDone(table, row)) rows[id] = this.#slots.add(table, glanceOfRow(table, row as Rows));
    }
    this.#fresh = [];
  }

  /** The read went through: its tables are held; the slots it let go are freed at the next one. */
  committed(): void {
    this.#fresh.push(...this.#ofRead.fresh);
    this.#stale.push(...this.#ofRead.stale);
    this.#ofRead = unread();
  }

  /**
   * The read failed: the tables it made are never held, so the slots it let go stay and
   * its rows brought whole are not dropped to a glance; the slots of a first read all go.
   */
  rolledBack(): void {
    if (this.#ofRead.first) this.#slots = new GlanceSlots();
    this.#ofRead = unread();
  }

  /**
   * Every table: open rows whole, done rows as their glance (one SELECT of the glanced
   * columns per table), in `seq` order. Over `previous` (a follower that may have missed a
   * notice) a done row keeps its slot when its glance is the same; one that is new, or whose
   * glance changed, is read whole, so the core's comparison of the tables hands it to the
   * listeners. A done row changed only outside its glance keeps its slot and is handed to no
   * listener (`fetch` reads it as it is now).
   */
  async readAll(client: pg.ClientBase, previous: StoreData['tables'] | null): Promise<StoreData['tables']> {
    const tables = {} as Record<TableName, Rows>;
    const read = this.#ofRead;
    read.first = !previous;
    for (const table of TABLE_NAMES) {
      const done = DONE_SQL[table];
      const rows: Rows = (tables[table] = {});
      const open = await readRows(client, table, done ? `(${done}) IS NOT TRUE` : 'TRUE');
      if (!done) {
        for (const { row } of open) rows[row.id] = row;
        continue;
      }
      const { sql, specs } = glanceRead(table, done);
      const glanced = await client.query<unknown[]>({ text: sql, rowMode: 'array' });
      const before = previous?.[table] as Rows | undefined;
      const kept = new Set<number>();
      const whole: string[] = [];
      let o = 0;
      for (const r of glanced.rows) {
        const [id, seq] = r as [string, number];
        for (; o < open.length && open[o].seq < seq; o++) rows[open[o].row.id] = open[o].row;
        const glance = glanceOfResult(table, specs, r);
        const had = before && Object.hasOwn(before, id) ? before[id] : undefined;
        if (!previous) {
          rows[id] = this.#slots.add(table, glance);
        } else if (typeof had === 'number' && this.#slots.same(table, had, glance)) {
          rows[id] = had;
          kept.add(had);
        } else {
          rows[id] = null; // its place in table order, until it is read below
          whole.push(id);
        }
      }
      for (; o < open.length; o++) rows[open[o].row.id] = open[o].row;
      for (const id in before) if (typeof before[id] === 'number' && !kept.has(before[id])) read.stale.push([table, before[id]]);
      // Same snapshot: every row the glance read named is there.
      if (whole.length) for (const [id, row] of await rowsById(client, table, whole)) rows[id] = row;
      for (const id of whole) read.fresh.push([table, id]);
    }
    return tables as StoreData['tables'];
  }

  /** A re-read put `row` (undefined: removed) in place of what `rows` held for `id`. */
  replaced(table: TableName, rows: Rows, id: string, row: unknown): void {
    const had = rows[id];
    if (typeof had === 'number') this.#slots.drop(table, had);
    if (row !== undefined) this.#fresh.push([table, id]);
  }

  /** The glanced values of a table's done rows (undefined: it has no glance). */
  columns(table: TableName): GlanceColumns | undefined {
    return this.#slots.columns(table);
  }

  /** A synchronous read of a row held as its glance: refused, naming the reads that go to the database. */
  thaw(table: TableName, id: string): never {
    throw new StoreError(
      `${this.#shown} was opened with its done rows in the database (pagedAudit): tables.${table}[${JSON.stringify(id)}] is held as its glance only and cannot be read from memory; use fetch or fetchList`,
      'readonly',
      this.#shown,
    );
  }
}
