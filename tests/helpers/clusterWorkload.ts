import * as assert from 'uvu/assert';
import { capacityProblems, overlapProblems, sequenceProblems, type AuditRow } from './auditChecks.js';
import { eventually, type EngineProcess } from './clusterProcs.js';
import type { createTestDatabase } from './pgDatabase.js';

/**
 * The cluster tests' workload: failing jobs spread over fingerprints, and what the database
 * must hold once every incident has closed.
 */
export type TestDb = Awaited<ReturnType<typeof createTestDatabase>>;
export type WorkloadJob = ReturnType<typeof workloadJob>;

export const CAPACITY = { cheryl: 3, petra: 2, atlas: 2 };

// P0 (a failed subsystem) climbs to Atlas, P1 (incorrect data) to Petra, both reviewed; P2 stays with Cheryl.
const severityOf = (group: number) => (group % 6 === 0 ? 'P0' : group % 6 === 3 ? 'P1' : 'P2');
const KIND = { P0: 'subsystem-failed', P1: 'data-integrity', P2: 'feature-broken' } as const;
const RETRIES = ['incident.detected', 'incident.retry#1', 'incident.retry#2', 'incident.retry#3', 'incident.assigned', 'incident.acknowledged', 'incident.triage'];
const TO_PETRA = [...RETRIES, 'incident.mitigated', 'incident.escalated', 'incident.acknowledged', 'incident.coordinated'];
const REVIEWED = ['incident.resolved', 'incident.review_commissioned', 'incident.review_published', 'incident.closed'];
/** Each incident's steps, by severity, each once (the onFix hook resolves as soon as the owner starts the fix). */
const EXPECTED = {
  P0: [...TO_PETRA, 'incident.escalated', 'incident.acknowledged', 'incident.board_memo', ...REVIEWED],
  P1: [...TO_PETRA, ...REVIEWED],
  P2: [...RETRIES, 'incident.resolved', 'incident.closed'],
};

/** Job `i` of a workload over `fingerprints` root causes. */
export function workloadJob(i: number, fingerprints: number) {
  const group = i % fingerprints;
  return { id: `job_${String(i).padStart(4, '0')}`, agent: `agent-${group % 10}`, workflow: `wf-${group}`, message: `failure ${group}`, impact: { kind: KIND[severityOf(group)] } };
}

/** Sends jobs 10 at a time, every 150 ms, while the process lives. */
export async function submitSlowly(proc: EngineProcess, jobs: readonly WorkloadJob[]): Promise<void> {
  for (let at = 0; at < jobs.length && proc.proc.connected; at += 10) {
    proc.send({ cmd: 'submit', jobs: jobs.slice(at, at + 10) });
    await new Promise((r) => setTimeout(r, 150));
  }
}

/** Job ids the processes reported committed. */
export const reportedJobs = (procs: readonly EngineProcess[]) => new Set(procs.flatMap((p) => p.messages.filter((m) => m.ev === 'queued').map((m) => String(m.jobId))));

const count = async (db: TestDb, sql: string): Promise<number> => (await db.admin(sql)).rows[0].n as number;

/**
 * Waits until `total` jobs have failed into incidents and every incident closed, then
 * asserts: nothing reported committed is missing; each job's failure taken once and joined
 * to one incident once; each incident's steps once and in order; never two open incidents
 * for one fingerprint; responder capacity never exceeded (from the audit log); nothing left
 * armed or held.
 */
export async function assertWorkloadDone(db: TestDb, total: number, fingerprints: number, reported: Set<string>, timeoutMs: number): Promise<void> {
  await eventually(async () => {
    const open = await count(db, `SELECT count(*)::int AS n FROM incidents WHERE status <> 'closed'`);
    const unsettled = await count(db, `SELECT count(*)::int AS n FROM jobs WHERE status <> 'failed' OR incident_id IS NULL`);
    const jobs = await count(db, `SELECT count(*)::int AS n FROM jobs`);
    // The responders' last releases are applied after the steps that posted them committed (responderMailbox.ts).
    const posted = await count(db, `SELECT count(*)::int AS n FROM cluster_responder_requests`);
    return open === 0 && unsettled === 0 && jobs === total && posted === 0 ? true : undefined;
  }, timeoutMs, 'every job failed into an incident, every incident closed and every responder event applied');

  const jobs = new Set((await db.admin(`SELECT id FROM jobs`)).rows.map((r: { id: string }) => r.id));
  assert.equal([...reported].filter((id) => !jobs.has(id)), [], 'every job reported committed is there');
  const failed = (await db.admin(`SELECT entity_id, count(*)::int AS n FROM audit_log WHERE action = 'job.failed' AND meta->>'attempt' = '0' GROUP BY entity_id HAVING count(*) <> 1`)).rows;
  assert.equal(failed, [], 'each job fails once on its first run');
  const joined = (await db.admin(`
    SELECT j.id, (SELECT count(*) FROM incidents i WHERE i.job_id = j.id)::int + (SELECT count(*) FROM audit_log a WHERE a.action = 'incident.attached' AND a.meta->>'jobId' = j.id)::int AS n
    FROM jobs j`)).rows.filter((r: { n: number }) => r.n !== 1);
  assert.equal(joined, [], 'each failure opened or joined exactly one incident');

  const rows = (await db.admin(`SELECT seq::int AS seq, action, actor, entity_id, meta FROM audit_log ORDER BY seq`)).rows as AuditRow[];
  const groupOf = new Map(rows.filter((r) => r.action === 'incident.detected').map((r) => [r.entity_id, Number(String(r.meta.error).split(' ')[1])]));
  assert.equal(sequenceProblems(rows, (id) => EXPECTED[severityOf(groupOf.get(id)!)]), [], 'each step once, in order');
  // On failure the message carries the incidents' own audit rows (seq, id, action), to tell a real overlap from rows numbered out of commit order.
  const overlaps = overlapProblems(rows);
  const involved = new Set(overlaps.flatMap((p) => p.match(/inc_[\w-]+/g) ?? []));
  assert.equal(overlaps, [], `never two open incidents for one fingerprint ${JSON.stringify(rows.filter((r) => involved.has(r.entity_id)).map((r) => [r.seq, r.entity_id, r.action]))}`);
  assert.equal(capacityProblems(rows, CAPACITY), [], 'responder capacity never exceeded');
  const incidents = await count(db, `SELECT count(*)::int AS n FROM incidents`);
  assert.ok(incidents >= fingerprints, `${incidents} incidents for ${fingerprints} fingerprints`);
  // Every deadline fired or was disarmed: nothing is left armed but the board's weekly summary, and no responder holds anything.
  assert.is(await count(db, `SELECT count(*)::int AS n FROM cluster_deadlines WHERE owner_id <> '_board'`), 0);
  assert.is(await count(db, `SELECT count(*)::int AS n FROM cluster_deadlines WHERE owner_id = '_board'`), 1);
  assert.equal((await db.admin(`SELECT id, active, queue FROM responders WHERE cardinality(active) + cardinality(queue) > 0`)).rows, []);
  // Jobs of a group submitted while its P0/P1 incident paused its workflow were held, then run on the resolve.
  assert.is(await count(db, `SELECT count(*)::int AS n FROM cluster_held_jobs`), 0, 'no job left held');
}
