import type { AuditEntry, IncidentRecord } from '../machines/types.js';
import type { ReviewImpact, TimelineRow } from './reviewTypes.js';
import { slaVerdict } from './sla.js';
import { formatOffset, msBetween } from './time.js';

/**
 * Section 1: the timeline, one row per audit entry of the incident, oldest first, with
 * its offset from detection. Only what the audit log says: no row is made up.
 * @example timelineOf(incident, entries)[0] // { offset: 'T+00:00', action: 'incident.detected', ... }
 */
export function timelineOf(incident: IncidentRecord, entries: readonly AuditEntry[]): TimelineRow[] {
  return entries
    .filter((e) => e.entityType === 'incident' && e.entityId === incident.id)
    .map((e, index) => ({ e, index }))
    // Stable: equal timestamps keep the log's order.
    .sort((a, b) => Date.parse(a.e.ts) - Date.parse(b.e.ts) || a.index - b.index)
    .map(({ e }) => {
      const offsetMs = msBetween(incident.detectedAt, e.ts);
      return {
        offset: formatOffset(offsetMs),
        offsetMs,
        ts: e.ts,
        action: e.action,
        actor: e.actor,
        level: e.level,
        message: e.message,
        auditId: e.id,
      };
    });
}

/**
 * Section 2: the 5 Whys. The incident's own chain when one was scripted or diagnosed;
 * otherwise built from its failure data (error, retries, diagnosis findings) and always
 * ending at the root cause, or saying plainly that none was established.
 * @example fiveWhys(incident).rootCause // 'connection pool exhausted by the nightly export'
 */
export function fiveWhys(incident: IncidentRecord): {
  whys: Array<{ why: string; because: string }>;
  source: 'scripted' | 'derived';
  rootCause: string;
} {
  const established = incident.rootCause ?? null;
  if (incident.whys.length > 0) {
    const last = incident.whys[incident.whys.length - 1].because;
    return { whys: incident.whys.map((w) => ({ ...w })), source: 'scripted', rootCause: established ?? last };
  }
  const where = [incident.workflow && `workflow ${incident.workflow}`, incident.tenant && `tenant ${incident.tenant}`]
    .filter(Boolean)
    .join(', ');
  const error = `${incident.error.name ? `${incident.error.name}: ` : ''}${incident.error.message}`;
  const whys = [{ why: `Why did ${incident.agent} fail${where ? ` (${where})` : ''}?`, because: error }];
  const failed = incident.retries.filter((r) => r.outcome === 'failed');
  if (!incident.autoResolved) {
    whys.push({
      why: 'Why did the automatic recovery not fix it?',
      because: failed.length > 0
        ? `${failed.length} retr${failed.length === 1 ? 'y' : 'ies'} failed (last: ${failed[failed.length - 1].error ?? error})`
        : incident.error.retryable ? 'no retry was attempted' : 'the error is not retryable, so no retry was attempted',
    });
  }
  // Findings are what the diagnosis saw, not proven causes: they are asked as such, and
  // one that only restates the error adds nothing.
  const findings = incident.findings.filter((f) => !f.includes(incident.error.message));
  findings.slice(0, 2).forEach((finding, n) => whys.push(findingWhy(finding, n)));
  const rootCause = established ?? `not established (error signature ${incident.fingerprint})`;
  whys.push({ why: 'What is the root cause?', because: rootCause });
  return { whys, source: 'derived', rootCause };
}

/**
 * A finding as a question of its own: Cheryl labels most ("Job history: …"), and a chain that
 * asks "What did the diagnosis find?" twice reads as a copy, not as digging deeper.
 */
function findingWhy(finding: string, n: number): { why: string; because: string } {
  const labelled = /^([A-Z][A-Za-z ]{2,30}): (.+)$/s.exec(finding);
  if (labelled) return { why: `What did the diagnosis find in the ${labelled[1].toLowerCase()}?`, because: labelled[2] };
  return { why: n === 0 ? 'What did the diagnosis find?' : 'What else did the diagnosis find?', because: finding };
}

const uniqueSorted = (values: Array<string | null | undefined>): string[] =>
  [...new Set(values.filter((v): v is string => typeof v === 'string' && v !== ''))].sort();

/**
 * Section 3: quantified impact. `jobFailures` are the `job.failed` audit entries of the
 * `jobsLinked` jobs; an ongoing incident is measured up to `now`.
 */
export function impactOf(
  incident: IncidentRecord,
  jobs: { linked: number; failures: number },
  now: string,
): ReviewImpact {
  const affected = incident.coordination?.affected;
  const tenants = uniqueSorted([incident.tenant, ...(affected?.tenants ?? [])]);
  const customerFacing = incident.impact?.customerFacing ?? false;
  const end = incident.resolvedAt ?? now;
  const verdict = slaVerdict(incident);
  const stops = { response: incident.respondedAt ?? incident.resolvedAt, resolution: incident.resolvedAt };
  const due = { response: verdict.responseDueAt, resolution: verdict.resolutionDueAt };
  const slaMissed = (['response', 'resolution'] as const)
    .filter((kind) => verdict[kind] === 'missed')
    .map((kind) => ({
      kind,
      dueAt: due[kind] === null ? '' : new Date(due[kind] as number).toISOString(),
      stoppedAt: stops[kind],
    }));
  return {
    tenants,
    customerFacing,
    customerTenants: customerFacing ? tenants.length : 0,
    agents: uniqueSorted([incident.agent, ...(affected?.agents ?? [])]),
    workflows: uniqueSorted([incident.workflow, ...(affected?.workflows ?? [])]),
    jobsFailed: jobs.failures,
    jobsLinked: jobs.linked,
    jobsFailedAssessed: affected ? affected.failedJobs : null,
    attachedFailures: incident.attached,
    outageMs: {
      fromDetection: msBetween(incident.detectedAt, end),
      fromFailure: msBetween(incident.failureStartedAt, end),
      ongoing: incident.resolvedAt === null,
    },
    financialUSD: incident.impact?.financialUSD ?? 0,
    dataCompromised: incident.impact?.dataCompromised ?? false,
    slaMissed,
  };
}
