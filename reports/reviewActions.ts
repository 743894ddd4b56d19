import { SEVERITY_TABLE } from '../machines/policies/index.js';
import type { FollowUpRecord, IncidentRecord, Severity } from '../machines/types.js';
import type { ProcessImprovement, ReviewImpact } from './reviewTypes.js';
import { formatDuration, msBetween } from './time.js';

const DAY = 86_400_000;

/** Days to close a corrective action, by severity (unclassified incidents get P2's). */
export const FOLLOW_UP_DAYS: Readonly<Record<Severity, number>> = { P0: 7, P1: 14, P2: 30, P3: 60 };

/** A detection lag above this calls for better monitoring. */
export const SLOW_DETECTION_MS = 5 * 60_000;

/**
 * Section 4: corrective actions as follow-ups, each with an owner and a due date.
 * The root-cause fix goes to engineering when it needs a code or configuration change
 * or a human developer, else to Petra who coordinated the incident.
 * @example correctiveActions(incident, 'rev_1', '2026-03-02T12:00:00Z', ids)[0].dueAt // 7 days later for a P0
 */
export function correctiveActions(
  incident: IncidentRecord,
  rootCause: string,
  reviewId: string,
  now: string,
  ids: (prefix: string) => string,
): FollowUpRecord[] {
  const dueAt = new Date(Date.parse(now) + FOLLOW_UP_DAYS[incident.severity ?? 'P2'] * DAY).toISOString();
  const engineering = incident.impact?.needsChange === true || incident.coordination?.humanDeveloper === true;
  const actions: Array<{ action: string; owner: string }> = [
    { action: `Fix the root cause: ${rootCause}`, owner: engineering ? 'engineering' : 'petra' },
  ];
  const workaround = incident.coordination?.workaround;
  if (workaround) actions.push({ action: `Replace the workaround "${workaround}" with the permanent fix`, owner: 'petra' });
  if (incident.repeatOf) {
    actions.push({ action: `Find why the fix after ${incident.repeatOf} did not prevent this recurrence`, owner: 'petra' });
  }
  if (incident.impact?.dataCompromised) {
    actions.push({ action: 'Confirm which customer data was exposed and complete the customer notifications', owner: 'atlas' });
  }
  return actions.map(({ action, owner }) => ({
    id: ids('fu'),
    incidentId: incident.id,
    reviewId,
    action,
    owner,
    dueAt,
    status: 'open',
    doneAt: null,
  }));
}

/**
 * Section 5: runbook, monitoring and escalation changes, each from something that
 * happened: slow detection → monitoring; missed SLA → escalation; repeat → runbook;
 * an executive decision → runbook pre-authorisation. Empty when nothing calls for one.
 */
export function processImprovements(incident: IncidentRecord, impact: ReviewImpact): ProcessImprovement[] {
  const out: ProcessImprovement[] = [];
  const lag = msBetween(incident.failureStartedAt, incident.detectedAt);
  if (lag > SLOW_DETECTION_MS) {
    out.push({
      area: 'monitoring',
      change: `Alert on the failure signature of ${incident.agent}${incident.workflow ? `/${incident.workflow}` : ''} as soon as it starts`,
      reason: `The failure ran ${formatDuration(lag)} before it was detected.`,
    });
  }
  const sev = incident.severity;
  for (const miss of impact.slaMissed) {
    const took = miss.stoppedAt === null ? 'still open' : `took ${formatDuration(msBetween(incident.detectedAt, miss.stoppedAt))}`;
    const resolution = sev === null ? null : SEVERITY_TABLE[sev].resolution;
    const goal = sev === null || resolution === null ? ''
      : miss.kind === 'response' ? formatDuration(SEVERITY_TABLE[sev].responseMs)
      : resolution.kind === 'within' ? formatDuration(resolution.ms) : 'next maintenance window';
    const target = ` (target ${goal}, ${took})`;
    out.push(miss.kind === 'response'
      ? {
        area: 'escalation',
        change: `Page the first responder for ${sev} incidents directly and re-escalate on a missed acknowledgement`,
        reason: `The ${sev} response target was missed${target}.`,
      }
      : {
        area: 'escalation',
        change: `Escalate ${sev} incidents to the next responder earlier when resolution is at risk`,
        reason: `The ${sev} resolution target was missed${target}.`,
      });
  }
  if (incident.repeatOf) {
    out.push({
      area: 'runbook',
      change: `Write a runbook entry for "${incident.fingerprint}" with the diagnosis and the fix`,
      reason: `The same root cause occurred before (${incident.repeatOf}).`,
    });
  }
  const decision = incident.impact?.decision;
  if (decision) {
    out.push({
      area: 'runbook',
      change: `State in the runbook when "${decision}" may proceed without waiting for Atlas`,
      reason: `Recovery waited on an executive decision ("${decision}").`,
    });
  }
  return out;
}
