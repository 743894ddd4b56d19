import type pg from 'pg';
import type { AuditEntry, IncidentRecord, JobRecord, Responder } from '../../machines/types.js';
import { selectList } from '../../store/postgres/writeRows.js';
import { fromColumns, type ColumnValues } from '../../store/postgres/rows.js';
import { affectedTenantIds } from '../affectedTenants.js';
import type { RecentFailure } from '../petra.js';
import type { DutySeed, DutyWrite } from './dutyView.js';
import { getRow, listRows, type Sql } from './pgRows.js';
import { prepared } from '../../store/postgres/connection.js';
import { isoAt } from '../runtime.js';

const HOUR = 3_600_000;

/** The statement reading the jobs that joined an incident (the seed's first rows), prepared: sent with the duty's BEGIN. */
export function joinedJobsQuery(incidentId: string): pg.QueryConfig {
  return prepared(`SELECT ${selectList('jobs')} FROM jobs WHERE incident_id = $1 ORDER BY seq`, [incidentId]);
}

/** The jobs that joined an incident, read in the caller's transaction (a duty or review that follows a step). */
export async function joinedJobs(sql: Sql, incidentId: string): Promise<JobRecord[]> {
  return (await sql.query<ColumnValues>(joinedJobsQuery(incidentId))).rows.map((row) => fromColumns('jobs', row));
}

/**
 * The rows each duty reads (what `triage`, `coordinate`, `assess` and `buildReview` ask of
 * their store), fetched with the incident row locked; those a duty may write back whole
 * (the agent and workflow Cheryl's mitigation pauses) are locked too, so that a write of
 * another incident's in between is never overwritten. Kept beside the duties' reads: a duty
 * that reads something new needs it here too, and its cluster test fails until it is.
 * The reads are asked for at once: on the cluster's pipelined connections they cost one
 * round trip, answered in the order asked (so the agent's row is locked before the
 * workflow's). `written`: the step's write sent just before them (followUp), awaited with them.
 */
export async function seedFor(sql: Sql, who: Responder | 'review', incident: IncidentRecord, at: number, joined: readonly JobRecord[], written?: Promise<void>): Promise<{ seed: DutySeed; recent: RecentFailure[] }> {
  const rows: DutyWrite[] = [{ table: 'incidents', row: incident }];
  const audit: AuditEntry[] = [];
  const recent: RecentFailure[] = [];
  for (const row of joined) rows.push({ table: 'jobs', row });
  const counts: NonNullable<DutySeed['counts']> = [];
  if (who === 'cheryl') {
    // Job history (the agent's last 20 jobs), the error log's count and the latest entries, tenants to notify, what mitigation pauses.
    const since = at - HOUR;
    const [history, tenants, agent, workflow, entries, { rows: [errors] }] = await Promise.all([
      listRows(sql, 'jobs', 'id IN (SELECT id FROM jobs WHERE agent = $1 ORDER BY seq DESC LIMIT 20)', [incident.agent]),
      // Cheryl notifies tenants only of a customer-facing impact (agents/cheryl.ts reads it the same way).
      incident.impact?.customerFacing ? affectedTenantRows(sql, incident, joined) : [],
      // The agent and workflow her mitigation may pause, locked until the step commits (agents before workflows, as a
      // resolve's resume locks them): another incident's pause or resume of the same row waits, and then sees hers.
      getRow(sql, 'agents', incident.agent, true),
      incident.workflow ? getRow(sql, 'workflows', incident.workflow, true) : undefined,
      auditRows(sql, 'seq IN (SELECT seq FROM audit_log WHERE agent = $1 ORDER BY seq DESC LIMIT 5)', [incident.agent]),
      // The hour's error entries are only counted (diagnose asks their total): an agent failing often has many.
      // `level = 'error'` as written: it is the predicate of the index that finds them (audit_agent_errors, migration 103).
      sql.query<{ n: number }>(prepared(`SELECT count(*)::int AS n FROM audit_log WHERE agent = $1 AND level = 'error' AND ts >= $2`, [incident.agent, new Date(since)])),
      written,
    ]);
    counts.push({ query: { agent: incident.agent, level: 'error', since: isoAt(since), limit: 0 }, total: errors.n });
    for (const row of history) rows.push({ table: 'jobs', row });
    for (const row of tenants) rows.push({ table: 'tenants', row });
    if (agent) rows.push({ table: 'agents', row: agent });
    if (workflow) rows.push({ table: 'workflows', row: workflow });
    audit.push(...entries);
  } else if (who === 'petra') {
    // Open incidents of the agent, and the failures the workers saw in the last hour (the first attempts' found by
    // the index audit_first_failures, migration 103, whose predicate is the action and attempt conditions as written);
    // a customer-facing incident's tenants too, whose admins get her status updates.
    const [open, { rows: failed }, tenants] = await Promise.all([
      listRows(sql, 'incidents', `agent = $1 AND status <> 'closed'`, [incident.agent]),
      sql.query(prepared(
        `SELECT ts, agent, workflow, meta->>'tenant' AS tenant FROM audit_log
         WHERE action = 'job.failed' AND ts >= $1 AND meta->>'attempt' = '0' AND (agent = $2 OR workflow = $3 OR meta->>'tenant' = $4) ORDER BY seq`,
        [new Date(at - HOUR), incident.agent, incident.workflow, incident.tenant],
      )),
      incident.impact?.customerFacing ? affectedTenantRows(sql, incident, joined) : [],
      written,
    ]);
    for (const row of open) if (row.id !== incident.id) rows.push({ table: 'incidents', row });
    for (const row of tenants) rows.push({ table: 'tenants', row });
    for (const f of failed) recent.push({ at: (f.ts as Date).getTime(), agent: f.agent, workflow: f.workflow, tenant: f.tenant });
  } else if (who === 'review') {
    const jobIds = [...new Set([incident.jobId, ...joined.map((j) => j.id)].filter((j): j is string => j !== null))];
    const [entries, documents] = await Promise.all([
      auditRows(sql, `entity_id = ANY($1) AND action = 'job.failed'`, [jobIds]),
      listRows(sql, 'kb_documents', 'incident_id = $1', [incident.id]),
      written,
    ]);
    audit.push(...entries);
    for (const row of documents) rows.push({ table: 'kb_documents', row });
  } else await written;
  return { seed: { rows, audit, counts }, recent };
}

/** The rows of the tenants an incident affects (its own and its joined jobs'), those Cheryl notifies and Petra updates. */
function affectedTenantRows(sql: Sql, incident: IncidentRecord, joined: readonly JobRecord[]) {
  return listRows(sql, 'tenants', 'id = ANY($1)', [affectedTenantIds(incident, joined)]);
}

async function auditRows(sql: Sql, where: string, params: unknown[]): Promise<AuditEntry[]> {
  const { rows } = await sql.query(prepared(`SELECT id, ts, actor, entity_type, entity_id, action, level, message, meta, extra FROM audit_log WHERE ${where} ORDER BY seq`, params));
  return rows.map((row) => fromColumns('audit_log', row));
}
