import type { IncidentRecord, NotificationRecord, Responder, Severity } from './types.js';
import type { AuditAction } from './policies/auditActions.js';
import { auditLevel } from './policies/auditLevel.js';
import { resolutionDueAt, responseDueAt } from './policies/severity.js';
import { impactOf } from './policies/classification.js';
import { cherylCriteria, petraCriteria, type EscalationFacts } from './policies/escalation.js';

/** What an incident actor holds: its record, less what the shell derives from the snapshot. */
export type IncidentContext = Omit<IncidentRecord, 'snapshot' | 'status' | 'state' | 'path'> & {
  /** When the current retry attempt began (epoch ms). */
  attemptStartedAt: number | null;
  decisionAnswer: 'approve' | 'deny' | 'timed_out' | 'withdrawn' | null;
  decisionTimeouts: number;
};

export type IncidentInput = IncidentContext;

/** Parameters of the `audit` action; the shell adds id and timestamp. */
export interface AuditParams {
  at: number;
  actor: string;
  action: AuditAction;
  level: 'warn' | 'error';
  message: string;
  meta: Record<string, unknown>;
}

/** Parameters of the `notify` action: a notification row; `channel` is `internal` unless given. */
export interface NotifyParams {
  from: string;
  to: string;
  subject: string;
  body: string;
  channel?: NotificationRecord['channel'];
}

/** Parameters of the `arm` action: a deadline that must survive a restart. */
export interface ArmParams {
  kind: string;
  dueAt: number;
  event: { type: string; [key: string]: unknown };
}

// Each remembers its last answer: a burst of steps converts the same instant again and again.
let lastIso = '';
let lastMs = NaN;
/** Epoch ms of an ISO-8601 time. */
export function ms(iso: string): number {
  if (iso !== lastIso) {
    lastMs = Date.parse(iso);
    lastIso = iso;
  }
  return lastMs;
}

let lastT = NaN;
let lastText = '';
/** ISO-8601 text of an epoch-ms time. */
export function iso(t: number): string {
  if (t !== lastT) {
    lastText = new Date(t).toISOString();
    lastT = t;
  }
  return lastText;
}

/**
 * Builds an audit entry's parameters with the `meta` the spec asks of every step:
 * severity, affected workflow and agent, retry attempts, auto-resolve status and
 * escalation target. `error` when something went wrong, `warn` for the response (auditLevel).
 */
export function auditOf(
  ctx: IncidentContext,
  at: number,
  actor: string,
  action: AuditAction,
  message: string,
  extra: Record<string, unknown> = {},
): AuditParams {
  const base: Record<string, unknown> = {
    agent: ctx.agent,
    autoResolved: ctx.autoResolved,
    escalationTarget: ctx.assignee,
    retryAttempts: ctx.retries.length,
    severity: ctx.severity,
    tenant: ctx.tenant,
    workflow: ctx.workflow,
  };
  return { at, actor, action, level: auditLevel(action, ctx.severity, extra), message, meta: mergeSorted(base, BASE_KEYS, extra) };
}

const BASE_KEYS = ['agent', 'autoResolved', 'escalationTarget', 'retryAttempts', 'severity', 'tenant', 'workflow'];

/**
 * `{ ...base, ...extra }` with its keys in sorted order (`baseKeys` are base's, sorted), so
 * the store serializes an audit row without sorting a copy of it.
 */
function mergeSorted(base: Record<string, unknown>, baseKeys: readonly string[], extra: Record<string, unknown>): Record<string, unknown> {
  const added = Object.keys(extra);
  if (added.length === 0) return base;
  added.sort();
  const out: Record<string, unknown> = {};
  for (let i = 0, j = 0; i < baseKeys.length || j < added.length; ) {
    const b = baseKeys[i];
    const a = added[j];
    if (a === undefined || (b !== undefined && b < a)) {
      out[b] = base[b];
      i++;
    } else {
      out[a] = extra[a];
      j++;
      if (a === b) i++;
    }
  }
  return out;
}

export function factsOf(ctx: IncidentContext, now: number, severity: Severity | null = ctx.severity): EscalationFacts {
  return { severity, impact: ctx.impact ?? impactOf(), detectedAt: ms(ctx.detectedAt), now, policy: ctx.policy };
}


export const cherylFires = (ctx: IncidentContext, now: number, severity: Severity | null) =>
  cherylCriteria(factsOf(ctx, now, severity));
export const petraFires = (ctx: IncidentContext, now: number) => petraCriteria(factsOf(ctx, now));

/** Who hears of a breach or a stalled acknowledgement: the next one up the chain. */
export function nextInChain(assignee: Responder | null): Responder | 'chairman' {
  if (assignee === null) return 'cheryl';
  return assignee === 'cheryl' ? 'petra' : assignee === 'petra' ? 'atlas' : 'chairman';
}

/** The SLA deadlines for the incident's severity, from detection. */
export function slaDeadlines(ctx: IncidentContext): ArmParams[] {
  if (!ctx.severity) return [];
  const detected = ms(ctx.detectedAt);
  const out: ArmParams[] = [];
  if (!ctx.respondedAt) {
    const dueAt = responseDueAt(ctx.severity, detected);
    out.push({ kind: 'sla.response', dueAt, event: { type: 'sla.response_due', at: dueAt } });
  }
  const dueAt = resolutionDueAt(ctx.severity, detected, ctx.policy.MAINTENANCE_WINDOW);
  out.push({ kind: 'sla.resolution', dueAt, event: { type: 'sla.resolution_due', at: dueAt } });
  return out;
}
