/**
 * `engine.stop()` of a cluster engine while steps are under way: pg-boss stops taking items
 * and waits for those taken (up to the items' expiry, 5 s here; past it pg-boss fails them
 * back to the queue), the steps still running after that finish on the pool, and only then is
 * the pool ended. Before, the pool was ended once pg-boss's wait ran out: the step that
 * finished after it could not commit, and pg-boss's un-awaited `fail` of its item, sent on
 * the ended pool, was an unhandled rejection (which ends a Node process).
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createIncidentEngine } from '../agents/engine.js';
import { EngineError, type IncidentEngine } from '../agents/types.js';
import { openStore } from '../store/index.js';
import type { Store } from '../store/types.js';
import { clusterEngine } from './helpers/clusterEngine.js';
import { eventually } from './helpers/clusterProcs.js';
import { createTestDatabase } from './helpers/pgDatabase.js';
import { unhandledRejections } from './helpers/rejections.js';

const test = suite('cluster: stop() with steps in flight');

let db: Awaited<ReturnType<typeof createTestDatabase>> | undefined;
let store: Store | undefined;
let engine: IncidentEngine | undefined;
const rejections = unhandledRejections(test);

test.after(async () => {
  await engine?.stop();
  await store?.close();
  await db?.drop();
});

test('steps running past pg-boss\'s stop timeout commit before the pool ends; nothing rejects after stop', async () => {
  db = await createTestDatabase('h9_stop');
  store = await openStore(db.url, { shared: true });
  const started = new Set<string>();
  // Longer than pg-boss's graceful wait (the items' expiry, 5 s): the case that ended the pool under a step.
  const slow = async ({ jobId }: { jobId: string }) => {
    started.add(jobId);
    await new Promise((resolve) => setTimeout(resolve, 6_000));
    if (jobId.endsWith('fails')) throw new Error('slow failure');
  };
  engine = createIncidentEngine({ store, jobs: { slow }, cluster: { pollingIntervalSeconds: 0.5, expireInSeconds: 5 } });
  await engine.ready;
  const events: string[] = [];
  engine.subscribe((event) => events.push(event.type === 'connection' ? `connection ${event.status}: ${event.error ?? ''}` : event.type));

  const ids = ['job_slow_1', 'job_slow_2', 'job_slow_fails'];
  const submitted = ids.map((id) => engine!.submit({ id, kind: 'slow', agent: 'agent-slow' }));
  await Promise.all(submitted.map((s) => s.queued));
  await eventually(async () => (started.size === ids.length ? true : undefined), 30_000, 'every job running');

  await engine.stop();
  // The steps committed before the pool ended: each job settled, the failure opened its incident.
  const { rows } = await db.admin(`SELECT id, status, incident_id FROM jobs ORDER BY id`);
  assert.equal(rows.map((r) => [r.id, r.status, r.incident_id !== null]), [['job_slow_1', 'succeeded', false], ['job_slow_2', 'succeeded', false], ['job_slow_fails', 'failed', true]]);
  // Nothing under way is left to reject once stop() resolved (what pg-boss started on settling included).
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  assert.equal(rejections.map(String), []);
  assert.equal(events.filter((e) => e.startsWith('connection')), []);
});

test('a job this engine no longer hears of at stop() (held: its agent is paused) has its done refused (EngineError); the job stays queued', async () => {
  const own = await createTestDatabase('h9_stop_held');
  const heldStore = await openStore(own.url, { shared: true });
  try {
    const ran: string[] = [];
    const held = createIncidentEngine({ store: heldStore, agents: [{ id: 'agent-held' }], jobs: { quick: async ({ jobId }) => void ran.push(jobId) }, cluster: { pollingIntervalSeconds: 0.5 } });
    await held.ready;
    await own.admin(`UPDATE agents SET status = 'paused' WHERE id = 'agent-held'`);
    const { jobId, done, queued } = held.submit({ kind: 'quick', agent: 'agent-held' });
    await queued;
    await eventually(async () => ((await own.admin(`SELECT 1 FROM jobs WHERE id = $1 AND status = 'queued'`, [jobId])).rows.length ? true : undefined), 10_000, 'the job queued');
    await held.stop();
    const refusal = await done.then(() => null, (error: unknown) => error);
    assert.instance(refusal, EngineError);
    assert.match(String((refusal as Error).message), `job ${jobId}: the engine stopped before its first run was recorded`);
    assert.equal(ran, []);
    assert.equal((await own.admin(`SELECT status FROM jobs WHERE id = $1`, [jobId])).rows, [{ status: 'queued' }]);
    assert.equal(rejections.map(String), []);
  } finally {
    await heldStore.close();
    await own.drop();
  }
});

test('a submit that never reaches the database rejects its done with the error its queued gives, not at stop()', async () => {
  const cluster = clusterEngine('h9_stop_refused');
  try {
    const { engine: engineHere, db: own } = await cluster.start({ jobs: { quick: async () => {} }, cluster: { pollingIntervalSeconds: 0.5, retryForSeconds: 1 } });
    // The database refuses every new job row.
    await own.admin('ALTER TABLE jobs ADD CONSTRAINT no_new_jobs CHECK (false) NOT VALID');
    const { done, queued } = engineHere.submit({ kind: 'quick', agent: 'agent-refused' });
    const why = await queued!.then(() => null, (error: unknown) => error);
    assert.instance(why, Error);
    assert.is(await done.then(() => null, (error: unknown) => error), why);
    assert.equal(rejections.map(String), []);
  } finally {
    await cluster.stop();
  }
});

test.run();
