import { execFileSync } from 'node:child_process';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { startEngineProcess, type EngineProcess } from './helpers/clusterProcs.js';
import { assertWorkloadDone, reportedJobs, submitSlowly, workloadJob } from './helpers/clusterWorkload.js';
import { createTestDatabase } from './helpers/pgDatabase.js';

/**
 * PostgreSQL restarted under load: two engine processes carry on (reconnect with backoff,
 * a failed commit retried, never half-applied) and their subscribers hear of it.
 *
 * This restarts the machine's shared PostgreSQL 15 server (`pg_ctlcluster … restart`, fast
 * mode): an outage of a second or two for every client of the server, which the other
 * test suites' clients may see as one failed connection. It needs root (or the postgres
 * user) and runs only against the local server; the server is left running whatever happens.
 */
const test = suite('cluster: PostgreSQL restarted mid-run');

const JOBS = 120;
const FINGERPRINTS = 12;
const VERSION = '15';

let db: Awaited<ReturnType<typeof createTestDatabase>>;
const procs: EngineProcess[] = [];

const ctl = (action: 'restart' | 'start') => execFileSync('pg_ctlcluster', ['--skip-systemctl-redirect', VERSION, 'main', action], { stdio: 'ignore', timeout: 60_000 });
const ready = () => {
  try {
    execFileSync('pg_isready', ['-h', '127.0.0.1', '-q'], { timeout: 5_000 });
    return true;
  } catch {
    return false;
  }
};

test.before(async () => {
  db = await createTestDatabase('h10b_cluster_restart');
});
test.after(async () => {
  // Leave the server running for everyone else, whatever happened above.
  if (!ready()) ctl('start');
  for (let i = 0; i < 50 && !ready(); i++) await new Promise((r) => setTimeout(r, 200));
  await Promise.all(procs.map((p) => p.stop()));
  await db.drop();
});

test('no lost or doubled rows; listeners told of the lost and restored connection', async () => {
  procs.push(...(await Promise.all(['a', 'b'].map((name) => startEngineProcess(db.url, name)))));
  const jobs = Array.from({ length: JOBS }, (_, i) => workloadJob(i, FINGERPRINTS));
  const feeding = [submitSlowly(procs[0], jobs.filter((_, i) => i % 2 === 0)), submitSlowly(procs[1], jobs.filter((_, i) => i % 2 === 1))];
  await procs[0].waitFor(() => procs[0].messages.filter((m) => m.ev === 'queued').length >= 20, 60_000);
  ctl('restart');
  await Promise.all(feeding);
  await assertWorkloadDone(db, JOBS, FINGERPRINTS, reportedJobs(procs), 180_000);
  for (const p of procs) {
    const said = p.messages.filter((m) => m.ev === 'connection').map((m) => m.status);
    assert.ok(said.includes('lost') && said.lastIndexOf('restored') > said.indexOf('lost'), `${p.name} told: ${said.join(', ')}`);
  }
});

test.run();
