import pg from 'pg';
import type { AuditEntry, IncidentRecord, JobRecord, Responder } from '../../machines/types.js';
import { selectList } from '../../store/postgres/writeRows.js';
import { fromColumns } from '../../store/postgres/rows.js';
import type { RecentFailure } from '../petra.js';
import type { DutySeed, DutyWrite } from './dutyView.js';
import { getRow, listRows, type Sql } from './pgRows.js';
import { prepared } from '../../store/postgres/connection.js';

const HOUR = 3_600_000;

/** The statement reading the jobs that joined an incident (the seed's first rows), its id inlined: sent with the duty's BEGIN. */
export function joinedJobsSql(incidentId: string): string {
  return `SELECT ${selectList('jobs')} FROM jobs WHERE incident_id = ${pg.escapeLiteral(incidentId)} ORDER BY seq`;
}

/** The jobs that joined an incident, read in the caller's transaction (a duty or review that follows a step). */
export function joinedJobs(sql: Sql, incidentId: string): Promise<JobRecord[]> {
  return listRows(sql, 'jobs', 'incident_id = $1', [incidentId]);
}

/**
 * The rows each duty reads (what `triage`, `coordinate`, `assess` and `buildReview` ask of
 * their store), fetched with the incident row locked; those a duty may write back whole
 * (the agent and workflow Cheryl's mitigation pauses) are locked too, so that a write of
 * another incident's in between is never overwritten. Kept beside the duties' reads: a duty
 * that reads something new needs it here too, and its cluster test fails until it is.
 */
export async function seedFor(sql: Sql, who: Responder | 'review', incident: IncidentRecord, at: number, joined: readonly JobRecord[]): Promise<{ seed: DutySeed; recent: RecentFailure[] }> {
  const rows: DutyWrite[] = [{ table: 'incidents', row: incident }];
  const audit: AuditEntry[] = [];
  const recent: RecentFailure[] = [];
  for (const row of joined) rows.push({ table: 'jobs', row });
  if (who === 'cheryl') {
    // Job history (the agent's last 20 jobs), the error log and latest entries, tenants to notify, what mitigation pauses.
    const history = await listRows(sql, 'jobs', 'id IN (SELECT id FROM jobs WHERE agent = $1 ORDER BY seq DESC LIMIT 20)', [incident.agent]);
    for (const row of history) rows.push({ table: 'jobs', row });
    const tenantIds = [...new Set([incident.tenant, ...joined.map((j) => j.tenant)].filter((t): t is string => t !== null))];
    for (const row of await listRows(sql, 'tenants', 'id = ANY($1)', [tenantIds])) rows.push({ table: 'tenants', row });
    // The agent and workflow her mitigation may pause, locked until the step commits (agents before workflows, as a
    // resolve's resume locks them): another incident's pause or resume of the same row waits, and then sees hers.
    const agent = await getRow(sql, 'agents', incident.agent, true);
    if (agent) rows.push({ table: 'agents', row: agent });
    const workflow = incident.workflow ? await getRow(sql, 'workflows', incident.workflow, true) : undefined;
    if (workflow) rows.push({ table: 'workflows', row: workflow });
    audit.push(...(await auditRows(sql, `agent = $1 AND ((level = 'error' AND ts >= $2) OR seq IN (SELECT seq FROM audit_log WHERE agent = $1 ORDER BY seq DESC LIMIT 5))`, [incident.agent, new Date(at - HOUR)])));
  } else if (who === 'petra') {
    // Open incidents of the agent, and the failures the workers saw in the last hour.
    for (const row of await listRows(sql, 'incidents', `agent = $1 AND status <> 'closed'`, [incident.agent])) if (row.id !== incident.id) rows.push({ table: 'incidents', row });
    const { rows: failed } = await sql.query(prepared(
      `SELECT ts, agent, workflow, meta->>'tenant' AS tenant FROM audit_log
       WHERE action = 'job.failed' AND ts >= $1 AND meta->>'attempt' = '0' AND (agent = $2 OR workflow = $3 OR meta->>'tenant' = $4) ORDER BY seq`,
      [new Date(at - HOUR), incident.agent, incident.workflow, incident.tenant],
    ));
    for (const f of failed) recent.push({ at: (f.ts as Date).getTime(), agent: f.agent, workflow: f.workflow, tenant: f.tenant });
  } else if (who === 'review') {
    const jobIds = [...new Set([incident.jobId, ...joined.map((j) => j.id)].filter((j): j is string => j !== null))];
    audit.push(...(await auditRows(sql, `entity_id = ANY($1) AND action = 'job.failed'`, [jobIds])));
    for (const row of await listRows(sql, 'kb_documents', 'incident_id = $1', [incident.id])) rows.push({ table: 'kb_documents', row });
  }
  return { seed: { rows, audit }, recent };
}

async function auditRows(sql: Sql, where: string, params: unknown[]): Promise<AuditEntry[]> {
  const { rows } = await sql.query(prepared(`SELECT id, ts, actor, entity_type, entity_id, action, level, message, meta, extra FROM audit_log WHERE ${where} ORDER BY seq`, params));
  return rows.map((row) => fromColumns('audit_log', row));
}
