import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { startEngineProcess, type EngineProcess } from './helpers/clusterProcs.js';
import { assertWorkloadDone, reportedJobs, submitSlowly, workloadJob } from './helpers/clusterWorkload.js';
import { createTestDatabase } from './helpers/pgDatabase.js';

/**
 * The cluster test of issue 10: 3 engine processes (child processes, real clock, short
 * retry delays) on one database, 600 failing jobs over 60 fingerprints, one process
 * killed with SIGKILL in the middle and a replacement started.
 */
const test = suite('cluster: three processes, one killed');

const JOBS = 600;
const FINGERPRINTS = 60;

let db: Awaited<ReturnType<typeof createTestDatabase>>;
const procs: EngineProcess[] = [];

test.before(async () => {
  db = await createTestDatabase('h10b_cluster');
});
test.after(async () => {
  await Promise.all(procs.map((p) => p.stop()));
  await db.drop();
});

test('every incident reaches its end, each step once and in order, nothing committed lost', async () => {
  procs.push(...(await Promise.all(['a', 'b', 'c'].map((name) => startEngineProcess(db.url, name)))));
  const shares = [0, 1, 2].map((k) => Array.from({ length: JOBS }, (_, i) => i).filter((i) => i % 3 === k).map((i) => workloadJob(i, FINGERPRINTS)));
  const feeding = [submitSlowly(procs[0], shares[0]), submitSlowly(procs[2], shares[2])];

  // b takes half its share, then is killed with SIGKILL while it holds work in flight.
  const victim = procs[1];
  void submitSlowly(victim, shares[1]);
  await victim.waitFor(() => victim.messages.filter((m) => m.ev === 'queued').length >= 100, 60_000);
  // Killed in the middle of a job's run: it holds at least that item (taken, never completed).
  victim.send({ cmd: 'hold' });
  await victim.waitFor((m) => m.ev === 'running', 60_000);
  victim.proc.kill('SIGKILL');
  // The replacement submits what b had not reported committed (the same ids: a no-op for any b did commit).
  const byVictim = reportedJobs([victim]);
  const replacement = await startEngineProcess(db.url, 'b2');
  procs.push(replacement);
  feeding.push(submitSlowly(replacement, shares[1].filter((j) => !byVictim.has(j.id))));
  await Promise.all(feeding);

  await assertWorkloadDone(db, JOBS, FINGERPRINTS, reportedJobs(procs), 240_000);
  // What b had taken when it died went to the others once its lease ran out (pg-boss retried it).
  const retried = (await db.admin(`SELECT count(*)::int AS n FROM incident_flow_boss.job WHERE retry_count > 0 AND state = 'completed'`)).rows[0].n;
  assert.ok(retried > 0, 'work taken by the killed process was done elsewhere');
});

test.run();
