import type { AuditEntry } from '../../machines/types.js';
import type { TableName, Tables } from '../types.js';

/** How a column holds a field: the SQL type of migrations/001_tables.sql. */
export type ColumnKind = 'text' | 'integer' | 'bigint' | 'boolean' | 'timestamptz' | 'jsonb' | 'text[]';

/** One field of a row and the column that holds it. */
export interface ColumnSpec {
  field: string;
  column: string;
  kind: ColumnKind;
}

/** The tables of the PostgreSQL store: every keyed table, plus the audit trail. */
export type PgTable = TableName | 'audit_log';

const c = (field: string, kind: ColumnKind, column = snake(field)): ColumnSpec => ({ field, column, kind });

/**
 * Each table's columns (besides `seq` and `extra`), in the order of the migration. The
 * store's rows are these fields; anything else a row carries goes to `extra`.
 */
export const COLUMNS: { readonly [T in PgTable]: readonly ColumnSpec[] } = {
  jobs: [c('id', 'text'), c('kind', 'text'), c('agent', 'text'), c('workflow', 'text'), c('tenant', 'text'), c('status', 'text'), c('attempts', 'integer'), c('createdAt', 'timestamptz'), c('updatedAt', 'timestamptz'), c('error', 'text'), c('incidentId', 'text'), c('input', 'jsonb')],
  incidents: [
    c('id', 'text'), c('fingerprint', 'text'), c('rootCause', 'text'), c('repeatOf', 'text'), c('tenant', 'text'), c('agent', 'text'), c('workflow', 'text'), c('jobId', 'text'), c('failure', 'text'),
    c('severity', 'text'), c('status', 'text'), c('state', 'text'), c('assignee', 'text'), c('autoResolved', 'boolean'), c('attached', 'integer'),
    c('failureStartedAt', 'timestamptz'), c('detectedAt', 'timestamptz'), c('respondedAt', 'timestamptz'), c('resolvedAt', 'timestamptz'), c('closedAt', 'timestamptz'),
    c('reviewId', 'text'), c('decisionId', 'text'), c('error', 'jsonb'), c('impact', 'jsonb'), c('retries', 'jsonb'), c('escalations', 'jsonb'), c('slaBreaches', 'jsonb'),
    c('findings', 'jsonb'), c('path', 'jsonb'), c('whys', 'jsonb'), c('coordination', 'jsonb'), c('policy', 'jsonb'), c('snapshot', 'jsonb'),
  ],
  kb_documents: [c('id', 'text'), c('tags', 'text[]'), c('title', 'text'), c('body', 'text'), c('createdAt', 'timestamptz'), c('incidentId', 'text'), c('data', 'jsonb')],
  notifications: [c('id', 'text'), c('ts', 'timestamptz'), c('from', 'text', 'from_actor'), c('to', 'text', 'to_address'), c('channel', 'text'), c('subject', 'text'), c('body', 'text'), c('incidentId', 'text')],
  agents: [c('id', 'text'), c('tenant', 'text'), c('workflows', 'text[]'), c('status', 'text'), c('pausedBy', 'text'), c('updatedAt', 'timestamptz')],
  workflows: [c('id', 'text'), c('status', 'text'), c('pausedBy', 'text'), c('updatedAt', 'timestamptz')],
  tenants: [c('id', 'text'), c('admin', 'text')],
  deadlines: [c('id', 'text'), c('incidentId', 'text'), c('kind', 'text'), c('dueAt', 'bigint'), c('event', 'jsonb')],
  responders: [c('id', 'text'), c('capacity', 'integer'), c('active', 'text[]'), c('queue', 'text[]'), c('updatedAt', 'timestamptz')],
  decisions: [c('id', 'text'), c('incidentId', 'text'), c('action', 'text'), c('status', 'text'), c('requestedAt', 'timestamptz'), c('answeredAt', 'timestamptz'), c('by', 'text', 'answered_by'), c('timeoutAt', 'timestamptz')],
  followups: [c('id', 'text'), c('incidentId', 'text'), c('reviewId', 'text'), c('action', 'text'), c('owner', 'text'), c('dueAt', 'timestamptz'), c('status', 'text'), c('doneAt', 'timestamptz')],
  audit_log: [c('id', 'text'), c('ts', 'timestamptz'), c('actor', 'text'), c('entityType', 'text'), c('entityId', 'text'), c('action', 'text'), c('level', 'text'), c('message', 'text'), c('meta', 'jsonb')],
};

/** Columns the database computes (never written): audit_log's agent and workflow, read from meta. */
export const GENERATED: { readonly [T in PgTable]?: readonly ColumnSpec[] } = {
  audit_log: [c('agent', 'text'), c('workflow', 'text')],
};

/** Fields a row did not have (as opposed to null): kept in `extra` under this key. */
export const ABSENT = '~absent';

/** A row as the database holds it: column name → value (what `json_populate_recordset` takes). */
export type ColumnValues = Record<string, unknown>;

/**
 * A row's column values. Lossless: a field with no column, or a value its column cannot
 * hold exactly (a timestamp not in `toISOString()` form, a fractional count, a list with
 * non-strings...), goes to `extra` as it is, and `fromColumns` gives the row back.
 * Values are in JSON form (timestamps as ISO strings) for `json_populate_recordset`.
 * @example toColumns('jobs', job) // { id: 'job_1', agent: 'mailer', created_at: '2026-…', extra: null, … }
 */
export function toColumns<T extends PgTable>(table: T, row: RowOf<T>): ColumnValues {
  const record = row as unknown as Record<string, unknown>;
  const out: ColumnValues = {};
  const extra: Record<string, unknown> = {};
  const absent: string[] = [];
  const known = new Set<string>();
  for (const spec of COLUMNS[table]) {
    known.add(spec.field);
    const value = record[spec.field];
    if (value === undefined) {
      out[spec.column] = null;
      absent.push(spec.field);
    } else if (value === null || fits(spec.kind, value)) {
      out[spec.column] = value;
    } else {
      out[spec.column] = null;
      extra[spec.field] = value;
    }
  }
  for (const field in record) if (!known.has(field) && record[field] !== undefined) extra[field] = record[field];
  if (absent.length) extra[ABSENT] = absent;
  out.extra = Object.keys(extra).length ? extra : null;
  return out;
}

/**
 * The row a database row holds (the inverse of `toColumns`): columns in the spec's order,
 * then `extra`'s fields. Timestamps arrive as `Date` (node-postgres) or ISO strings.
 * @example fromColumns('jobs', result.rows[0]) // { id: 'job_1', agent: 'mailer', … }
 */
export function fromColumns<T extends PgTable>(table: T, values: ColumnValues): RowOf<T> {
  const extra = (values.extra ?? null) as Record<string, unknown> | null;
  const absent = new Set(Array.isArray(extra?.[ABSENT]) ? (extra[ABSENT] as string[]) : []);
  const out: Record<string, unknown> = {};
  for (const spec of COLUMNS[table]) {
    if (absent.has(spec.field)) continue;
    if (extra && Object.hasOwn(extra, spec.field)) out[spec.field] = extra[spec.field];
    else out[spec.field] = decode(spec.kind, values[spec.column]);
  }
  if (extra) for (const field in extra) if (field !== ABSENT && !Object.hasOwn(out, field)) out[field] = extra[field];
  return out as unknown as RowOf<T>;
}

/** The row type of a table. */
export type RowOf<T extends PgTable> = T extends TableName ? Tables[T] : AuditEntry;

/** The SQL column list a write names (every column of the spec, then extra). */
export function writtenColumns(table: PgTable): string[] {
  return [...COLUMNS[table].map((spec) => spec.column), 'extra'];
}

/** Whether `kind` holds `value` exactly, so that reading it back gives the same value. */
function fits(kind: ColumnKind, value: unknown): boolean {
  switch (kind) {
    case 'text':
      return typeof value === 'string';
    case 'integer':
      return Number.isInteger(value) && Math.abs(value as number) <= 2 ** 31 - 1;
    case 'bigint':
      return Number.isSafeInteger(value);
    case 'boolean':
      return typeof value === 'boolean';
    case 'timestamptz':
      return typeof value === 'string' && ISO.test(value) && new Date(value).toISOString() === value;
    case 'text[]':
      return Array.isArray(value) && value.every((item) => typeof item === 'string');
    case 'jsonb':
      // JSON data comes back equal (keys in jsonb's order: the store compares rows by
      // canonical JSON). PostgreSQL refuses NUL in text and jsonb alike: such a commit fails.
      return true;
  }
}

/** The form `Date.prototype.toISOString` gives (years 0000–9999). */
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

function decode(kind: ColumnKind, value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (kind === 'timestamptz') return value instanceof Date ? value.toISOString() : new Date(String(value)).toISOString();
  if (kind === 'bigint' || kind === 'integer') return Number(value);
  return value;
}

function snake(field: string): string {
  return field.replace(/[A-Z]/g, (ch) => `_${ch.toLowerCase()}`);
}
