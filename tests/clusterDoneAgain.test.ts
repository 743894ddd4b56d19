/**
 * `done` of a job id submitted again tells how its first run went, in a cluster engine as in
 * one process: a job whose first run failed and whose retry then succeeded (its row
 * `succeeded`, its incident auto-resolved) answers `failed`, as `firstRunOf` in agents/workers.ts.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { clusterEngine, startFlaky } from './helpers/clusterEngine.js';
import { eventually } from './helpers/clusterProcs.js';

const test = suite('cluster: done of a job submitted again');

const cluster = clusterEngine('hb_done_again');
test.after(cluster.stop);

test('a job whose first run failed and whose retry succeeded answers failed when submitted again', async () => {
  const { engine, db, runs } = await startFlaky(cluster, { failures: 1, retryDelaysMs: [0], message: 'upstream 503' });
  const first = engine.submit({ id: 'job_flaky', kind: 'flaky', agent: 'billing-agent' });
  assert.is(await first.done, 'failed');
  await eventually(async () => (await db.admin(`SELECT 1 FROM jobs WHERE id = 'job_flaky' AND status = 'succeeded'`)).rows[0], 30_000, 'the retry succeeded');
  const again = engine.submit({ id: 'job_flaky', kind: 'flaky', agent: 'billing-agent' });
  await again.queued;
  assert.is(await again.done, 'failed');
  assert.is(runs(), 2, 'not run again');
});

test.run();
