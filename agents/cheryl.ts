import type { IncidentContext } from '../machines/incidentContext.js';
import type { IncidentEvent } from '../machines/incidentEvents.js';
import { classify, impactOf } from '../machines/policies/classification.js';
import { isSerious } from '../machines/policies/severity.js';
import { affectedTenants } from './affectedTenants.js';
import { mitigationTarget, type Fleet } from './fleet.js';
import { isoAt, type Runtime } from './runtime.js';

type TriageDone = Extract<IncidentEvent, { type: 'triage.done' }>;

const HOUR = 3_600_000;

/**
 * Cheryl's triage (spec, Step 3): classification, initial diagnosis from the
 * store, mitigation for P0/P1, the tenant admin's notice, and the findings that
 * make the incident record. Returns the event the incident receives.
 */
export function triage(rt: Runtime, fleet: Fleet, incident: IncidentContext, at: number): TriageDone {
  const impact = impactOf(incident.impact ?? {});
  const severity = classify(impact);
  const findings = diagnose(rt, incident, at);

  let mitigation: TriageDone['mitigation'] = null;
  if (isSerious(severity)) {
    // Pause the narrowest thing that stops the damage: the workflow when known.
    mitigation = mitigationTarget(incident);
    fleet.pause(mitigation.kind, mitigation.id, incident.id);
  }

  // Every tenant whose jobs joined this incident hears of it, not only the first one's.
  const notified: string[] = [];
  if (impact.customerFacing) {
    for (const tenant of affectedTenants(rt, incident, rt.store.list('jobs', { incidentId: incident.id }))) {
      notified.push(tenant.admin);
      rt.store.put('notifications', {
        id: rt.ids('ntf'),
        ts: isoAt(at),
        from: 'cheryl',
        to: tenant.admin,
        channel: 'email',
        subject: `[${severity}] We are working on an incident affecting ${incident.workflow ?? incident.agent}`,
        body: `An incident (${incident.id}) affects ${incident.workflow ?? incident.agent}. ${mitigation ? `We paused ${mitigation.kind} ${mitigation.id} to prevent further damage. ` : ''}We will keep you updated.`,
        incidentId: incident.id,
      });
    }
  }
  return { type: 'triage.done', at, severity, findings, mitigation, notified, rootCause: incident.rootCause };
}

/**
 * Initial diagnosis: the error log, recent audit entries and the job history of the agent
 * and workflow. Each read costs what it returns: the audit counts come from the log's
 * indexes, the last 20 jobs from the end of the jobs-by-agent index (`last`), not a
 * list of all the agent's jobs.
 */
export function diagnose(rt: Runtime, incident: IncidentContext, at: number): string[] {
  const since = isoAt(at - HOUR);
  const errors = rt.store.queryAudit({ agent: incident.agent, level: 'error', since, limit: 0 }).total;
  const recent = rt.store.queryAudit({ agent: incident.agent, order: 'desc', limit: 5 }).rows;
  const window = rt.store.list('jobs', { agent: incident.agent }, { last: 20 });
  const failed = window.filter((j) => j.status === 'failed').length;
  const findings = [
    `Error: ${incident.error.message}${incident.error.name ? ` (${incident.error.name})` : ''}`,
    `Affected systems: agent ${incident.agent}${incident.workflow ? `, workflow ${incident.workflow}` : ''}${incident.tenant ? `, tenant ${incident.tenant}` : ''}`,
    `Job history: ${failed} of the last ${window.length} jobs of ${incident.agent} failed`,
    `Error log: ${errors} error-level audit entries for ${incident.agent} in the last hour`,
    `Retries: ${incident.retries.length} attempt(s), ${incident.retries.filter((r) => r.outcome === 'failed').length} failed`,
  ];
  if (recent.length > 0) findings.push(`Latest audit entry: ${recent[0].action} at ${recent[0].ts}`);
  if (incident.repeatOf) findings.push(`Same root cause as ${incident.repeatOf}: a repeat`);
  if (incident.attached > 0) findings.push(`${incident.attached} further failure(s) with the same fingerprint attached`);
  return findings;
}
