/**
 * Every audit action the engine writes (README, "The workflow, as built"). `AuditParams.action`
 * is typed by it, so a new step cannot write an action this list does not name; a scenario's
 * `expect: [{ audit: … }]` is checked against it, as one naming an action never written
 * would pass `count: 0` and fail `min: 1` whatever the run did.
 * @example AUDIT_ACTIONS.includes('incident.escalated') // true
 */
export const AUDIT_ACTIONS = [
  'job.failed',
  'incident.detected',
  'incident.attached',
  'incident.retry',
  'incident.retry_skipped',
  'incident.assigned',
  'incident.acknowledged',
  'incident.triage',
  'incident.mitigated',
  'incident.notified',
  'incident.escalated',
  'incident.coordinated',
  'incident.status_update',
  'incident.communication_drafted',
  'incident.board_memo',
  'incident.decision_requested',
  'incident.decision',
  'incident.decision_timeout',
  'incident.sla_breached',
  'incident.ack_timeout',
  'incident.resolved',
  'incident.review_commissioned',
  'incident.review_published',
  'incident.closed',
  'incident.actor_error',
  'engine.listener_failed',
] as const;

export type AuditAction = (typeof AUDIT_ACTIONS)[number];
