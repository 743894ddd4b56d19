import type { IncidentRecord } from '../machines/types.js';
import type { TableName, Tables } from './types.js';

/**
 * An incident as a listing of many shows it (the watcher's incident list, its filters and
 * facets): the fields a list row is made of, the error reduced to its message. A whole
 * `IncidentRecord` is one too.
 */
export type IncidentGlance = Pick<
  IncidentRecord,
  | 'id' | 'severity' | 'status' | 'state' | 'assignee' | 'agent' | 'workflow' | 'tenant' | 'detectedAt'
  | 'resolvedAt' | 'closedAt' | 'autoResolved' | 'attached' | 'slaBreaches' | 'decisionId' | 'fingerprint'
> & { error: { message: string } | null };

/** What `Store.glance` gives per table: the incidents' list rows; other tables, their rows' glanced fields. */
export type Glance<T extends TableName> = T extends 'incidents' ? IncidentGlance : Pick<Tables[T], 'id'> & Partial<Tables[T]>;

/**
 * The fields of each table's rows kept in the state index file (`X.state.idx`) beside where
 * each row is: the fields readers filter on (`list(table, { field })`: the table indexes,
 * built from these without reading any row back) and the watcher's incident list. `error`
 * is kept as `{ message }` only. Tables not named here have no glance.
 */
export const GLANCED: { readonly [T in TableName]?: readonly string[] } = {
  incidents: [
    'severity', 'status', 'state', 'assignee', 'agent', 'workflow', 'tenant', 'error', 'detectedAt', 'resolvedAt',
    'closedAt', 'autoResolved', 'attached', 'slaBreaches', 'decisionId', 'fingerprint',
  ],
  jobs: ['incidentId', 'agent', 'status'],
  decisions: ['incidentId', 'status'],
  kb_documents: ['incidentId'],
  followups: ['incidentId', 'status'],
};

/** Written for a field the row lacks (JSON has no undefined; null is a value rows hold). */
const MISSING = {};
const isMissing = (value: unknown) => value !== null && typeof value === 'object' && !Array.isArray(value) && Object.keys(value).length === 0;

/**
 * A row's glanced fields' values, in GLANCED order, as JSON can hold them (a field the row
 * lacks: `{}`); null for a table with no glance.
 * @example glanceValues('decisions', { id: 'dec_1', incidentId: 'inc_1', status: 'pending', ... }) // ['inc_1', 'pending']
 */
export function glanceValues(table: string, row: Record<string, unknown>): unknown[] | null {
  const fields = GLANCED[table as TableName];
  if (!fields) return null;
  return fields.map((field) => {
    const value = glancedForm(table, field, row[field]);
    return value === undefined || isMissing(value) ? MISSING : value;
  });
}

/**
 * A row's value of a glanced field as its glance holds it: an incident's `error` as
 * `{ message }` only (null when it is none), other fields as they are.
 * @example glancedForm('incidents', 'error', { name: 'E', message: 'down' }) // { message: 'down' }
 */
export function glancedForm(table: string, field: string, value: unknown): unknown {
  if (field === 'error' && table === 'incidents') return value && typeof value === 'object' ? { message: (value as { message?: unknown }).message ?? '' } : null;
  return value;
}

/** A value as `glanceValues` wrote it, read back (undefined: the row lacks the field). */
export const glancedValue = (value: unknown): unknown => (isMissing(value) ? undefined : value);

/** A table's glanced values as a reader's state index holds them: a row by where it is, a value by row and field. */
export interface GlanceColumns {
  /** The number of the row kept at `at` (-1: none). */
  locate(at: number): number;
  /** Row `k`'s value of field `f` (GLANCED order); undefined: the row lacks it. */
  value(k: number, f: number): unknown;
}

type Maker = (id: string, v: (f: number) => unknown) => unknown;

/**
 * Each glanced table's glance as one object literal in GLANCED order (a listing makes
 * 100,000 of them at once: a literal has its shape from the start, where adding the
 * fields one by one by name was most of the time; a field the row lacks is undefined).
 */
const MAKERS: { readonly [T in TableName]?: Maker } = {
  incidents: (id, v) => ({
    id, severity: v(0), status: v(1), state: v(2), assignee: v(3), agent: v(4), workflow: v(5), tenant: v(6), error: v(7), detectedAt: v(8),
    resolvedAt: v(9), closedAt: v(10), autoResolved: v(11), attached: v(12), slaBreaches: v(13), decisionId: v(14), fingerprint: v(15),
  }),
  jobs: (id, v) => ({ id, incidentId: v(0), agent: v(1), status: v(2) }),
  decisions: (id, v) => ({ id, incidentId: v(0), status: v(1) }),
  kb_documents: (id, v) => ({ id, incidentId: v(0) }),
  followups: (id, v) => ({ id, incidentId: v(0), status: v(1) }),
};

/**
 * The glance of row `k` of `columns`, with its id.
 * @example glanceOf('decisions', 'dec_1', columns, 0) // { id: 'dec_1', incidentId: 'inc_1', status: 'pending' }
 */
export function glanceOf<T extends TableName>(table: T, id: string, columns: GlanceColumns, k: number): Glance<T> {
  return (MAKERS[table] as Maker)(id, (f) => columns.value(k, f)) as Glance<T>;
}

/**
 * Where `field` is in a table's glance values (-1: not glanced).
 * @example glancedAt('jobs', 'agent') // 1
 */
export function glancedAt(table: TableName, field: string): number {
  return GLANCED[table]?.indexOf(field) ?? -1;
}


