import type { IncidentContext } from '../machines/incidentContext.js';
import type { Coordination, IncidentEvent } from '../machines/incidentEvents.js';
import type { ImpactKind } from '../machines/types.js';
import { resolutionDueAt } from '../machines/policies/severity.js';
import { affectedTenants } from './affectedTenants.js';
import { isoAt, type Runtime } from './runtime.js';

type CoordinationDone = Extract<IncidentEvent, { type: 'coordination.done' }>;

/** Temporary fixes by kind of impact (Step 4, "Workaround Development"). */
const WORKAROUND: Record<ImpactKind, string> = {
  'platform-down': 'fail over to the standby and hold non-critical jobs',
  'subsystem-failed': 'route work around the failed subsystem and queue what depends on it',
  'data-integrity': 'freeze writes on the affected records and correct them from the audit trail',
  safety: 'require human approval for the affected actions until the fix is in',
  'feature-broken': 're-queue the failed jobs after the affected workflow is repaired',
  cosmetic: 'none needed: the next maintenance window carries the fix',
};

/** A recent failure, as the workers saw it (for Petra's impact window). */
export interface RecentFailure {
  at: number;
  agent: string;
  workflow: string | null;
  tenant: string | null;
}

/**
 * Petra's coordination (spec, Step 4): resource allocation, impact assessment from
 * the store (other failing jobs and open incidents in the window), a workaround, an ETA,
 * and who besides Atlas hears her status updates, which run on the incident's cadence.
 */
export function coordinate(rt: Runtime, incident: IncidentContext, at: number, recent: readonly RecentFailure[]): CoordinationDone {
  const windowStart = at - 3_600_000;
  const related = recent.filter(
    (f) => f.at >= windowStart && (f.agent === incident.agent || (incident.workflow !== null && f.workflow === incident.workflow) || (incident.tenant !== null && f.tenant === incident.tenant)),
  );
  // `closedAt: null` narrows the index lookup to incidents not closed (bounded by what is
  // open), rather than every incident the agent ever had.
  const openIncidents = rt.store.list('incidents', { agent: incident.agent, closedAt: null }).filter((i) => i.status !== 'closed' && i.id !== incident.id);
  // Jobs whose failures joined this incident (same root cause on other agents or tenants).
  const joined = rt.store.list('jobs', { incidentId: incident.id });
  const uniq = (xs: Array<string | null>) => [...new Set(xs.filter((x): x is string => x !== null))].sort();
  const affected = {
    agents: uniq([incident.agent, ...joined.map((j) => j.agent), ...related.map((f) => f.agent)]),
    failedJobs: Math.max(1, related.length) + incident.attached,
    tenants: uniq([incident.tenant, ...joined.map((j) => j.tenant), ...related.map((f) => f.tenant), ...openIncidents.map((i) => i.tenant)]),
    workflows: uniq([incident.workflow, ...joined.map((j) => j.workflow), ...related.map((f) => f.workflow), ...openIncidents.map((i) => i.workflow)]),
  };
  const impact = incident.impact;
  const humanDeveloper = Boolean(impact && (impact.needsChange || impact.dataCompromised));
  // Step 4.5's "affected stakeholders": the admins of the affected tenants, those Cheryl notifies (Step 3.4)
  // (also when the incident reached Petra without her triage, an acknowledgement having stalled).
  const stakeholders = impact?.customerFacing ? affectedTenants(rt, incident, joined).map((t) => t.admin) : [];
  const severity = incident.severity ?? 'P2';
  // The ETA is the severity's resolution target, counted from now.
  const eta = resolutionDueAt(severity, at, incident.policy.MAINTENANCE_WINDOW);
  const coordination: Coordination = {
    affected,
    assigned: affected.agents,
    eta: isoAt(eta),
    humanDeveloper,
    // Left out when there are none: the record of an incident no customer saw is as it was.
    ...(stakeholders.length > 0 ? { stakeholders } : {}),
    workaround: WORKAROUND[impact?.kind ?? 'feature-broken'],
  };
  return { type: 'coordination.done', at, coordination };
}
