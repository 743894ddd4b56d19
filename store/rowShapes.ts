import { Ajv } from 'ajv';
import type { ValidateFunction } from 'ajv';
import { corrupt } from './storeFiles.js';
import type { StoreError } from './types.js';

/**
 * The field types of each table's rows that the engine, the reports and the watcher read,
 * checked as rows are read from a store file, so a hand-edited or foreign row (`severity:
 * {x:1}`) is refused as corrupt, naming the file, table, row and field, instead of
 * failing later as an internal error. A field is checked when present: rows written by
 * an older build that lack a newer field still open; unknown fields are kept.
 */
type Kind = 'string' | 'string?' | 'number' | 'number?' | 'boolean' | 'array' | 'object' | 'object?' | 'severity?';

const SHAPES: Record<string, Record<string, Kind>> = {
  jobs: { kind: 'string?', agent: 'string', workflow: 'string?', tenant: 'string?', status: 'string', attempts: 'number', createdAt: 'string', updatedAt: 'string', error: 'string?', incidentId: 'string?' },
  incidents: {
    fingerprint: 'string', rootCause: 'string?', repeatOf: 'string?', tenant: 'string?', agent: 'string', workflow: 'string?', jobId: 'string?',
    failure: 'string?', error: 'object', impact: 'object?', severity: 'severity?', status: 'string', state: 'string', assignee: 'string?',
    autoResolved: 'boolean', failureStartedAt: 'string', detectedAt: 'string', respondedAt: 'string?', resolvedAt: 'string?', closedAt: 'string?',
    retries: 'array', escalations: 'array', attached: 'number', slaBreaches: 'array', findings: 'array', reviewId: 'string?', path: 'array',
    whys: 'array', coordination: 'object?', decisionId: 'string?', policy: 'object',
  },
  kb_documents: { tags: 'array', title: 'string', body: 'string', createdAt: 'string', incidentId: 'string?' },
  notifications: { ts: 'string', from: 'string', to: 'string', channel: 'string', subject: 'string', body: 'string', incidentId: 'string?' },
  agents: { tenant: 'string?', workflows: 'array', status: 'string', pausedBy: 'string?', updatedAt: 'string' },
  workflows: { status: 'string', pausedBy: 'string?', updatedAt: 'string' },
  tenants: { admin: 'string' },
  deadlines: { incidentId: 'string', kind: 'string', dueAt: 'number', event: 'object' },
  responders: { capacity: 'number?', active: 'array', queue: 'array', updatedAt: 'string' },
  decisions: { incidentId: 'string', action: 'string', status: 'string', requestedAt: 'string', answeredAt: 'string?', by: 'string?', timeoutAt: 'string' },
  followups: { incidentId: 'string', reviewId: 'string', action: 'string', owner: 'string', dueAt: 'string', status: 'string', doneAt: 'string?' },
};

const SCHEMA: Record<Kind, object> = {
  string: { type: 'string' },
  'string?': { type: ['string', 'null'] },
  number: { type: 'number' },
  'number?': { type: ['number', 'null'] },
  boolean: { type: 'boolean' },
  array: { type: 'array' },
  object: { type: 'object' },
  'object?': { type: ['object', 'null'] },
  'severity?': { enum: ['P0', 'P1', 'P2', 'P3', null] },
};

const EXPECTED: Record<Kind, string> = {
  string: 'text',
  'string?': 'text or null',
  number: 'a number',
  'number?': 'a number or null',
  boolean: 'true or false',
  array: 'a list',
  object: 'an object',
  'object?': 'an object or null',
  'severity?': 'P0, P1, P2, P3 or null',
};

const ajv = new Ajv({ allErrors: false, allowUnionTypes: true });
const validators = new Map<string, ValidateFunction>(
  Object.entries(SHAPES).map(([table, fields]) => [
    table,
    ajv.compile({ type: 'object', properties: Object.fromEntries(Object.entries(fields).map(([field, kind]) => [field, SCHEMA[kind]])) }),
  ]),
);

/**
 * Null when `row` (already known to be an object with its id) has the shape its table
 * needs; else the refusal naming `where` (file and line) and the field. Unknown tables pass.
 * @example const bad = rowProblem('incidents', row, 'run.json', 'line 12', false); if (bad) throw bad;
 */
export function rowProblem(table: string, row: Record<string, unknown>, file: string, where: string, opened: boolean): StoreError | null {
  const validate = validators.get(table);
  const { id } = row;
  if (!validate || validate(row)) return null;
  const field = (validate.errors?.[0]?.instancePath ?? '').split('/')[1] ?? '';
  const kind = SHAPES[table][field];
  const got = JSON.stringify((row as Record<string, unknown>)[field]) ?? 'undefined';
  return corrupt(file, `${where}: tables.${table}[${JSON.stringify(id)}].${field}: expected ${kind ? EXPECTED[kind] : 'another shape'}, got ${got.length > 60 ? `${got.slice(0, 57)}...` : got}`, opened);
}
