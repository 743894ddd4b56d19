import type { IncidentRecord, Responder, Severity } from './types.js';
import { isSerious, resolutionDueAt, responseDueAt } from './policies/severity.js';
import { impactOf } from './policies/classification.js';
import { cherylCriteria, petraCriteria, type EscalationFacts } from './policies/escalation.js';

/** What an incident actor holds: its record, less what the shell derives from the snapshot. */
export type IncidentContext = Omit<IncidentRecord, 'snapshot' | 'status' | 'state' | 'path'> & {
  /** When the current retry attempt began (epoch ms). */
  attemptStartedAt: number | null;
  decisionAnswer: 'approve' | 'deny' | 'timed_out' | null;
  decisionTimeouts: number;
};

export type IncidentInput = IncidentContext;

/** Parameters of the `audit` action; the shell adds id and timestamp. */
export interface AuditParams {
  at: number;
  actor: string;
  action: string;
  level: 'warn' | 'error';
  message: string;
  meta: Record<string, unknown>;
}

/** Parameters of the `arm` action: a deadline that must survive a restart. */
export interface ArmParams {
  kind: string;
  dueAt: number;
  event: { type: string; [key: string]: unknown };
}

export const ms = (iso: string): number => Date.parse(iso);
export const iso = (t: number): string => new Date(t).toISOString();

/**
 * Builds an audit entry's parameters with the `meta` the spec asks of every step:
 * severity, affected workflow and agent, retry attempts, auto-resolve status and
 * escalation target. Detection and P0/P1 steps are `error`, the rest `warn`.
 */
export function auditOf(
  ctx: IncidentContext,
  at: number,
  actor: string,
  action: string,
  message: string,
  extra: Record<string, unknown> = {},
): AuditParams {
  const level = action === 'incident.detected' || isSerious(ctx.severity) ? 'error' : 'warn';
  return {
    at,
    actor,
    action,
    level,
    message,
    meta: {
      severity: ctx.severity,
      agent: ctx.agent,
      workflow: ctx.workflow,
      tenant: ctx.tenant,
      retryAttempts: ctx.retries.length,
      autoResolved: ctx.autoResolved,
      escalationTarget: ctx.assignee,
      ...extra,
    },
  };
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
