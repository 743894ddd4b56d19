import { DEFAULT_MAINTENANCE_WINDOW, SEVERITY_TABLE, resolutionDueAt, responseDueAt } from '../machines/policies/index.js';
import type { IncidentRecord, Severity } from '../machines/types.js';

/** One SLA clock of an incident: met, missed, or not decidable yet (still open). */
export type SlaOutcome = 'met' | 'missed' | 'pending';

export interface SlaVerdict {
  response: SlaOutcome;
  resolution: SlaOutcome;
  /** Both met: the incident counts towards SLA attainment. */
  met: boolean;
  /** Both decided, or one already missed: the incident is in the attainment denominator. */
  judged: boolean;
  /** Epoch ms when each target fell due (null for unclassified incidents). */
  responseDueAt: number | null;
  resolutionDueAt: number | null;
}

/**
 * The SLA verdict of one incident against the spec's severity table.
 * Both clocks start at `detectedAt`. The response clock stops at the first responder
 * acknowledgement, or at resolution when none was needed (auto-resolved by retry).
 * A target is met when the clock stops strictly before it falls due ("< 5 min"); an SLA
 * breach the engine recorded counts as missed whatever the timestamps say.
 * Unclassified incidents (no severity) have no targets and are never judged.
 * @example slaVerdict(incident).met // true when both response and resolution were on time
 */
export function slaVerdict(incident: IncidentRecord): SlaVerdict {
  const severity = incident.severity;
  if (severity === null) {
    return { response: 'pending', resolution: 'pending', met: false, judged: false, responseDueAt: null, resolutionDueAt: null };
  }
  const detected = Date.parse(incident.detectedAt);
  const window = incident.policy?.MAINTENANCE_WINDOW ?? DEFAULT_MAINTENANCE_WINDOW;
  const responseDue = responseDueAt(severity, detected);
  const resolutionDue = resolutionDueAt(severity, detected, window);
  const firstResponse = incident.respondedAt ?? incident.resolvedAt;
  const breached = (kind: 'response' | 'resolution') => incident.slaBreaches.some((b) => b.kind === kind);
  const outcome = (stop: string | null, due: number, kind: 'response' | 'resolution'): SlaOutcome => {
    if (breached(kind)) return 'missed';
    if (stop === null) return 'pending';
    return Date.parse(stop) < due ? 'met' : 'missed';
  };
  const response = outcome(firstResponse, responseDue, 'response');
  const resolution = outcome(incident.resolvedAt, resolutionDue, 'resolution');
  const anyMissed = response === 'missed' || resolution === 'missed';
  return {
    response,
    resolution,
    met: response === 'met' && resolution === 'met',
    judged: anyMissed || (response !== 'pending' && resolution !== 'pending'),
    responseDueAt: responseDue,
    resolutionDueAt: resolutionDue,
  };
}

/**
 * The resolution target of a severity in ms from detection, for charts. P3's "next
 * window" is at most a week away, so a week is its upper bound.
 */
export function resolutionTargetMs(severity: Severity): number {
  const target = SEVERITY_TABLE[severity].resolution;
  return target.kind === 'within' ? target.ms : 7 * 86_400_000;
}
