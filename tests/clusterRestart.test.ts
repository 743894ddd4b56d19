import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { startEngineProcess, type EngineProcess } from './helpers/clusterProcs.js';
import { assertWorkloadDone, reportedJobs, submitSlowly, workloadJob } from './helpers/clusterWorkload.js';
import { createTestDatabase } from './helpers/pgDatabase.js';
import { startPrivatePostgres } from './helpers/privatePostgres.js';

/**
 * PostgreSQL restarted under load: two engine processes carry on (reconnect with backoff,
 * a failed commit retried, never half-applied) and their subscribers hear of it.
 *
 * The server restarted is the test's own (initdb in a temporary folder, on a free port), so
 * the machine's shared server and whatever else uses it are left alone.
 */
const test = suite('cluster: PostgreSQL restarted mid-run');

const JOBS = 120;
const FINGERPRINTS = 12;

let server: Awaited<ReturnType<typeof startPrivatePostgres>>;
let db: Awaited<ReturnType<typeof createTestDatabase>>;
const procs: EngineProcess[] = [];

test.before(async () => {
  server = await startPrivatePostgres();
  db = await createTestDatabase('cluster_restart', server.url);
});
test.after(async () => {
  await Promise.all(procs.map((p) => p.stop()));
  server.stop();
});

test('no lost or doubled rows; listeners told of the lost and restored connection', async () => {
  procs.push(...(await Promise.all(['a', 'b'].map((name) => startEngineProcess(db.url, name)))));
  const jobs = Array.from({ length: JOBS }, (_, i) => workloadJob(i, FINGERPRINTS));
  const feeding = [submitSlowly(procs[0], jobs.filter((_, i) => i % 2 === 0)), submitSlowly(procs[1], jobs.filter((_, i) => i % 2 === 1))];
  await procs[0].waitFor(() => procs[0].messages.filter((m) => m.ev === 'queued').length >= 20, 60_000);
  server.restart();
  await Promise.all(feeding);
  await assertWorkloadDone(db, JOBS, FINGERPRINTS, reportedJobs(procs), 180_000);
  for (const p of procs) {
    const said = p.messages.filter((m) => m.ev === 'connection').map((m) => m.status);
    assert.ok(said.includes('lost') && said.lastIndexOf('restored') > said.indexOf('lost'), `${p.name} told: ${said.join(', ')}`);
  }
});

test.run();
