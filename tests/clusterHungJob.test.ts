/**
 * MTTD of a hung job on the cluster, as in one process (hungJobDetection.test.ts): the incident
 * of a job that `JOB_TIMEOUT_MS` failed has `failureStartedAt` = the start of the attempt that
 * hung (it was the moment the timeout fired, so MTTD 0); a thrown error's is when it was
 * caught; a job's own `startedAt` (a scenario's failure start) wins. A virtual clock: the
 * engine's timers move only when the test moves it.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Clock } from '../machines/types.js';
import { VirtualClock } from '../sim/virtualClock.js';
import { clusterEngine } from './helpers/clusterEngine.js';
import { eventually } from './helpers/clusterProcs.js';

const test = suite('cluster: when a failure started (MTTD)');

// Now (whole seconds): the cluster's deadlines and retries are work items due at a real time,
// which a start in the past would make due at once.
const T0 = Math.ceil(Date.now() / 1000) * 1000;
const TIMEOUT_MS = 60_000;
const clock = new VirtualClock({ start: T0 });

const cluster = clusterEngine('hm_cluster_hung_job');
// A run still under way (the test failed before moving the clock) would hold stop() until its timeout.
test.after(async () => {
  await clock.advanceByAsync(TIMEOUT_MS);
  await cluster.stop();
});
const iso = (ms: number) => new Date(ms).toISOString();
const after = (clock: Clock, ms: number) => new Promise<void>((resolve) => clock.setTimeout(resolve, ms));

test('a hung job from its attempt start (MTTD the timeout), a thrown error from its catch, a given start wins', async () => {
  /** When each job's run began, on the engine's clock. */
  const began = new Map<string, number>();
  const { engine, db } = await cluster.start({
    clock,
    // No retry comes due during the test.
    config: { JOB_TIMEOUT_MS: TIMEOUT_MS, RETRY_DELAYS_MS: [3_600_000, 3_600_000, 3_600_000] },
    jobs: {
      hang: ({ jobId }) => { began.set(jobId, clock.now()); return new Promise(() => {}); },
      fail: async ({ jobId }) => { began.set(jobId, clock.now()); await after(clock, 20_000); throw new Error('SMTP 421 too many connections'); },
    },
    cluster: { pollingIntervalSeconds: 0.5 },
  });
  const incidentOf = async (jobId: string) => {
    const row = await eventually(async () => (await db.admin(`SELECT i.failure_started_at, i.detected_at FROM incidents i JOIN jobs j ON j.incident_id = i.id WHERE j.id = $1`, [jobId])).rows[0], 30_000, `the incident of ${jobId}`);
    return { failureStartedAt: (row.failure_started_at as Date).toISOString(), detectedAt: (row.detected_at as Date).toISOString() };
  };
  const hung = engine.submit({ id: 'job_hung', kind: 'hang', agent: 'mailer', workflow: 'digest-email' });
  const thrown = engine.submit({ id: 'job_thrown', kind: 'fail', agent: 'relay', workflow: 'transactional-email' });
  const scenarioStart = T0 - 3_600_000;
  const given = engine.submit({ id: 'job_given', kind: 'hang', agent: 'billing', workflow: 'invoices', startedAt: scenarioStart });
  await eventually(async () => began.size === 3 || undefined, 30_000, 'the three runs');

  await clock.advanceByAsync(20_000);
  assert.is(await thrown.done, 'failed');
  assert.equal(await incidentOf('job_thrown'), { failureStartedAt: iso(T0 + 20_000), detectedAt: iso(T0 + 20_000) }, 'a thrown error: when it was caught');

  await clock.advanceByAsync(TIMEOUT_MS - 20_000);
  assert.is(await hung.done, 'failed');
  assert.is(await given.done, 'failed');
  const start = began.get('job_hung')!;
  assert.equal(await incidentOf('job_hung'), { failureStartedAt: iso(start), detectedAt: iso(start + TIMEOUT_MS) }, 'a hung job: from its attempt start');
  const { rows } = await db.admin(`SELECT extract(epoch FROM detected_at - failure_started_at) * 1000 AS mttd FROM incidents i JOIN jobs j ON j.incident_id = i.id WHERE j.id = 'job_hung'`);
  assert.is(Number(rows[0].mttd), TIMEOUT_MS, 'MTTD = JOB_TIMEOUT_MS');
  assert.is((await incidentOf('job_given')).failureStartedAt, iso(scenarioStart), "the job's own start wins");
});

test.run();
