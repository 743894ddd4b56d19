import type { AuditLevel, Severity } from '../types.js';
import { isSerious } from './severity.js';

/** Steps that record a timeout or a missed target, whatever the severity. */
const WENT_WRONG: ReadonlySet<string> = new Set(['incident.sla_breached', 'incident.decision_timeout', 'incident.ack_timeout']);

/**
 * The level of an incident's audit entry. The watcher draws `error` in red (spec, "Monitoring
 * Integration"), so `error` says something went wrong: a failed retry, a missed SLA target,
 * a timeout (a decision nobody answered, a responder who did not acknowledge), the detection
 * of a P0/P1. Every response step (assignment, triage, escalation, coordination, decisions,
 * resolution, review, closing) is `warn`, at any severity: a P0's feed stays readable.
 * The job's own `job.failed` entry (written by the worker loop) is `error` too.
 * @example auditLevel('incident.retry', 'P2', { outcome: 'failed' }) // 'error'
 */
export function auditLevel(action: string, severity: Severity | null, meta: Readonly<Record<string, unknown>>): Extract<AuditLevel, 'warn' | 'error'> {
  if (WENT_WRONG.has(action)) return 'error';
  if (action === 'incident.retry') return meta.outcome === 'failed' ? 'error' : 'warn';
  if (action === 'incident.escalated') return Array.isArray(meta.criteria) && meta.criteria.includes('ack-timeout') ? 'error' : 'warn';
  if (action === 'incident.detected') return isSerious(severity) ? 'error' : 'warn';
  return 'warn';
}
