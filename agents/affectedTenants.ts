import type { IncidentContext } from '../machines/incidentContext.js';
import type { JobRecord, TenantRecord } from '../machines/types.js';
import type { Runtime } from './runtime.js';

/**
 * The ids of the tenants an incident affects: the incident's own, then the tenants of the
 * other jobs whose failures joined it, each once. Cheryl notifies their admins (spec, Step 3.4)
 * and Petra keeps them updated (Step 4.5) when customers are hit; the cluster's duty seeds read
 * these rows for them (agents/cluster/dutySeeds.ts).
 * @example affectedTenantIds({ tenant: 'acme' }, [{ tenant: 'globex' }, { tenant: 'acme' }]) // ['acme', 'globex']
 */
export function affectedTenantIds(incident: Pick<IncidentContext, 'tenant'>, joined: ReadonlyArray<Pick<JobRecord, 'tenant'>>): string[] {
  const ids = new Set<string>(incident.tenant ? [incident.tenant] : []);
  for (const job of joined) if (job.tenant) ids.add(job.tenant);
  return [...ids];
}

/**
 * The tenants an incident affects (affectedTenantIds), as the store knows them.
 * @example affectedTenants(rt, incident, rt.store.list('jobs', { incidentId: incident.id })).map((t) => t.admin)
 */
export function affectedTenants(rt: Runtime, incident: Pick<IncidentContext, 'tenant'>, joined: readonly JobRecord[]): TenantRecord[] {
  return affectedTenantIds(incident, joined).flatMap((id) => rt.store.get('tenants', id) ?? []);
}
