import type { IncidentGlance } from '../store/rowGlance.js';
import type { AuditQuery } from '../store/types.js';
import type { IncidentRecord, IncidentStatus, ResponderRecord, Severity } from '../machines/types.js';
import { SEVERITIES } from '../machines/types.js';
import { isIsoInstant } from '../reports/time.js';

/**
 * Parsing of the watcher's query strings into store queries. Pure: a bad value
 * throws a QueryError naming the parameter and what was expected, which the
 * handler turns into a 400.
 */
export class QueryError extends Error {
  constructor(message: string) {
    super(`watcher: ${message}`);
    this.name = 'QueryError';
  }
}

export const STATUSES: readonly IncidentStatus[] = [
  'detected', 'retrying', 'triaged', 'coordinated', 'executive', 'resolved', 'auto_resolved', 'closed',
];
/** Spec "Monitoring Integration": an incident is active until it is resolved or closed. */
export const FINISHED: ReadonlySet<IncidentStatus> = new Set(['resolved', 'auto_resolved', 'closed']);

export interface IncidentFilter {
  severity: Severity[];
  /** 'active' stands for every status not in FINISHED. */
  status: Array<IncidentStatus | 'active'>;
  agent?: string;
  workflow?: string;
  tenant?: string;
  /** Inclusive ISO bound on detectedAt. */
  since?: string;
  /** Exclusive ISO bound on detectedAt. */
  until?: string;
  offset: number;
  limit: number;
  /** 'newest' (the default): newest first. 'worst': P0 first … P3, untriaged last, the oldest first within each (the banners). */
  order?: 'newest' | 'worst';
}

const MAX_LIMIT = 500;
const MAX_INCIDENTS = 5000;

export function parseIncidentFilter(q: URLSearchParams): IncidentFilter {
  return {
    severity: list(q, 'severity', SEVERITIES),
    status: list(q, 'status', [...STATUSES, 'active' as const]),
    agent: text(q, 'agent'),
    workflow: text(q, 'workflow'),
    tenant: text(q, 'tenant'),
    since: isoTime(q, 'since'),
    until: isoTime(q, 'until'),
    offset: int(q, 'offset', 0, 0, Number.MAX_SAFE_INTEGER),
    // Incident rows are small and the page shows more on request; the audit log is what grows.
    limit: int(q, 'limit', 100, 1, MAX_INCIDENTS),
    order: list(q, 'order', ['newest', 'worst'] as const).at(-1) ?? 'newest',
  };
}

export function parseAuditQuery(q: URLSearchParams): AuditQuery {
  const level = q.get('level') || undefined;
  if (level && level !== 'info' && level !== 'warn' && level !== 'error') {
    throw new QueryError(`level: expected info, warn or error, got "${level}"`);
  }
  const order = q.get('order') || 'desc';
  if (order !== 'asc' && order !== 'desc') throw new QueryError(`order: expected asc or desc, got "${order}"`);
  return {
    level: level as AuditQuery['level'],
    action: text(q, 'action'),
    agent: text(q, 'agent'),
    workflow: text(q, 'workflow'),
    entityId: text(q, 'entityId'),
    text: text(q, 'text'),
    since: isoTime(q, 'since'),
    until: isoTime(q, 'until'),
    order,
    offset: int(q, 'offset', 0, 0, Number.MAX_SAFE_INTEGER),
    limit: int(q, 'limit', 50, 1, MAX_LIMIT),
  };
}

/** The incident as a list row: no snapshot, no policy copy, the error reduced to its message. */
export interface IncidentSummary {
  id: string;
  severity: Severity | null;
  status: IncidentStatus;
  state: string;
  assignee: IncidentRecord['assignee'];
  agent: string;
  workflow: string | null;
  tenant: string | null;
  error: string;
  detectedAt: string;
  resolvedAt: string | null;
  autoResolved: boolean;
  attached: number;
  slaBreaches: number;
  decisionId: string | null;
  active: boolean;
}

/** An incident's list row, from its record or its glance (a reader's state index has those: see Store.glance). */
export function summarize(i: IncidentGlance): IncidentSummary {
  return {
    id: i.id, severity: i.severity, status: i.status, state: i.state, assignee: i.assignee,
    agent: i.agent, workflow: i.workflow, tenant: i.tenant, error: i.error?.message ?? '',
    detectedAt: i.detectedAt, resolvedAt: i.resolvedAt, autoResolved: i.autoResolved,
    attached: i.attached, slaBreaches: i.slaBreaches?.length ?? 0, decisionId: i.decisionId,
    active: !FINISHED.has(i.status),
  };
}

/** The fields a filter reads: an incident record or its list row. */
type Filterable = Pick<IncidentRecord, 'severity' | 'status' | 'agent' | 'workflow' | 'tenant' | 'detectedAt'>;

export function matches(i: Filterable, f: IncidentFilter): boolean {
  if (f.severity.length && (!i.severity || !f.severity.includes(i.severity))) return false;
  if (f.status.length && !f.status.some((s) => (s === 'active' ? !FINISHED.has(i.status) : s === i.status))) return false;
  if (f.agent && i.agent !== f.agent) return false;
  if (f.workflow && i.workflow !== f.workflow) return false;
  if (f.tenant && i.tenant !== f.tenant) return false;
  // ISO-8601 UTC strings compare in time order.
  if (f.since && i.detectedAt < f.since) return false;
  if (f.until && i.detectedAt >= f.until) return false;
  return true;
}

/** A responder's load as the page shows it: busy while anything is assigned. */
export function responderView(r: ResponderRecord) {
  return { ...r, busy: r.active.length > 0 };
}

function text(q: URLSearchParams, name: string): string | undefined {
  const v = q.get(name)?.trim();
  return v ? v.slice(0, 200) : undefined;
}

function list<T extends string>(q: URLSearchParams, name: string, allowed: readonly T[]): T[] {
  const values = q.getAll(name).flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);
  for (const v of values) {
    if (!allowed.includes(v as T)) throw new QueryError(`${name}: expected one of ${allowed.join(', ')}, got "${v.slice(0, 40)}"`);
  }
  return values as T[];
}

function int(q: URLSearchParams, name: string, fallback: number, min: number, max: number): number {
  const raw = q.get(name);
  if (raw === null || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) throw new QueryError(`${name}: expected an integer >= ${min}, got "${raw.slice(0, 40)}"`);
  return Math.min(n, max);
}

/** Times travel as ISO strings; anything Date can read is normalized so string comparison holds. */
function isoTime(q: URLSearchParams, name: string): string | undefined {
  const raw = q.get(name);
  if (!raw) return undefined;
  if (!isIsoInstant(raw)) throw new QueryError(`${name}: expected an ISO-8601 time (2026-03-02 or 2026-03-02T14:00:00Z), got "${raw.slice(0, 40)}"`);
  return new Date(Date.parse(raw)).toISOString();
}
