import { canonicalJson } from '../canonicalJson.js';
import type { TableName } from '../types.js';
import { GLANCED, glancedValue, glanceValues } from '../rowGlance.js';
import type { GlanceColumns } from '../rowGlance.js';

/** What a slot of a table with no glance holds (never written to). */
const NO_VALUES: unknown[] = [];

/**
 * The glances of the done rows a watcher's PostgreSQL store holds (opened `pagedAudit`),
 * per table: a table holds the number of a row's slot here in place of the row (as a file
 * store's reader holds where the row is on disk: see TableSet), and `columns` gives the
 * TableSet its glanced values. Slots freed by `drop` are used again.
 * @example const slots = new GlanceSlots(); const at = slots.add('jobs', glanceOfRow('jobs', job)); slots.columns('jobs')?.value(at, 2) // job.status
 */
export class GlanceSlots {
  readonly #tables = new Map<TableName, { values: Array<unknown[] | undefined>; free: number[] }>();
  readonly #columns = new Map<TableName, GlanceColumns>();

  /** Keeps a row's glanced values (see `glanceOfRow`); returns its slot. */
  add(table: TableName, values: unknown[]): number {
    const slots = this.#slots(table);
    const at = slots.free.pop() ?? slots.values.length;
    // A table with no glance (notifications): every slot holds the one empty value.
    slots.values[at] = values.length ? values : NO_VALUES;
    return at;
  }

  /** Whether slot `at` holds these glanced values. */
  same(table: TableName, at: number, values: unknown[]): boolean {
    const held = this.#tables.get(table)?.values[at];
    return held !== undefined && held.length === values.length && held.every((value, f) => sameValue(value, values[f]));
  }

  /** The row at slot `at` is no longer held as its glance. */
  drop(table: TableName, at: number): void {
    const slots = this.#tables.get(table);
    if (!slots || slots.values[at] === undefined) return;
    slots.values[at] = undefined;
    slots.free.push(at);
  }

  /** The glanced values of a table's slots (undefined for a table with no glance). */
  columns(table: TableName): GlanceColumns | undefined {
    if (!GLANCED[table]) return undefined;
    let columns = this.#columns.get(table);
    if (!columns) {
      const slots = this.#slots(table);
      columns = { locate: (at) => (slots.values[at] === undefined ? -1 : at), value: (k, f) => slots.values[k]?.[f] };
      this.#columns.set(table, columns);
    }
    return columns;
  }

  #slots(table: TableName) {
    let slots = this.#tables.get(table);
    if (!slots) this.#tables.set(table, (slots = { values: [], free: [] }));
    return slots;
  }
}

/**
 * A row's glanced values in GLANCED order, as a slot holds them (a field the row lacks:
 * undefined); none for a table with no glance.
 * @example glanceOfRow('decisions', { id: 'dec_1', incidentId: 'inc_1', status: 'approved', ... }) // ['inc_1', 'approved']
 */
export function glanceOfRow(table: TableName, row: Record<string, unknown>): unknown[] {
  return (glanceValues(table, row) ?? []).map(glancedValue);
}

/** Glanced values compare by JSON: they are what JSON holds (an incident's `slaBreaches` a list). */
function sameValue(a: unknown, b: unknown): boolean {
  return a === b || (typeof a === 'object' && typeof b === 'object' && canonicalJson(a) === canonicalJson(b));
}
