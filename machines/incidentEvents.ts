import type { Coordination, ImpactAssessment, Responder, Severity } from './types.js';

export type { Coordination } from './types.js';

/**
 * Every event an incident actor receives. Each carries `at` (epoch ms) because a
 * machine never reads a clock: time comes with the event.
 */
export type IncidentEvent =
  | { type: 'retry.due'; at: number }
  | { type: 'responder.ack'; at: number; responder: Responder }
  | {
      type: 'triage.done';
      at: number;
      severity: Severity;
      findings: string[];
      mitigation: { kind: 'agent' | 'workflow'; id: string } | null;
      /** Tenant admins told of a customer-facing incident. */
      notified: string[];
      rootCause: string | null;
    }
  | { type: 'coordination.done'; at: number; coordination: Coordination }
  | { type: 'executive.assessed'; at: number; communication: boolean; boardMemo: boolean; decisionId: string | null }
  | { type: 'decision.answered'; at: number; answer: 'approve' | 'deny'; by: string }
  | { type: 'decision.timeout'; at: number }
  | { type: 'rule.two_hours'; at: number }
  | { type: 'ack.timeout'; at: number; responder: Responder }
  | { type: 'sla.response_due'; at: number }
  | { type: 'sla.resolution_due'; at: number }
  | { type: 'status.due'; at: number }
  | {
      type: 'incident.resolve';
      at: number;
      by: string;
      note?: string;
      rootCause?: string;
      whys?: Array<{ why: string; because: string }>;
    }
  /** A failure with the incident's fingerprint joined it; `impact`, its own assessment (absent: it changes nothing). */
  | { type: 'failure.attached'; at: number; jobId: string | null; impact?: ImpactAssessment }
  | { type: 'review.published'; at: number; documentId: string };

export type IncidentEventType = IncidentEvent['type'];

/** Result of one retry attempt, the output of the `runAttempt` actor. */
export interface AttemptOutcome {
  ok: boolean;
  at: number;
  error?: string;
}
