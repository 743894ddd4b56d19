import type { IncidentContext } from '../machines/incidentContext.js';
import type { JobRecord, TenantRecord } from '../machines/types.js';
import type { Runtime } from './runtime.js';

/**
 * The tenants an incident affects, as the store knows them: the incident's own, then the
 * tenants of the other jobs whose failures joined it, each once. Cheryl notifies their
 * admins (spec, Step 3.4) and Petra keeps them updated (Step 4.5) when customers are hit.
 * @example affectedTenants(rt, incident, rt.store.list('jobs', { incidentId: incident.id })).map((t) => t.admin)
 */
export function affectedTenants(rt: Runtime, incident: Pick<IncidentContext, 'tenant'>, joined: readonly JobRecord[]): TenantRecord[] {
  const ids = new Set<string>(incident.tenant ? [incident.tenant] : []);
  for (const job of joined) if (job.tenant) ids.add(job.tenant);
  return [...ids].flatMap((id) => rt.store.get('tenants', id) ?? []);
}
