/**
 * A job's `job.failed` entry is stamped when its run ended, the time of the incident step it
 * leads to, as in one process (the worker stamps the failure, then the incident opens). Over
 * PostgreSQL it was stamped inside the step's transaction, after the BEGIN and the locks:
 * later than the `incident.detected` (or `incident.retry`) written after it, so the log read
 * by time had the incident detected before the failure that opened it.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { clusterEngine } from './helpers/clusterEngine.js';
import { eventually } from './helpers/clusterProcs.js';

const test = suite('cluster: a failure is stamped no later than the step it leads to');

const cluster = clusterEngine('hc_job_failed_time');
test.after(cluster.stop);

test('each job.failed is no later than the incident entry written after it (first run and retries)', async () => {
  // Real time, one millisecond further at every reading: a stamp taken later is always later.
  let readings = 0;
  const clock = { now: () => Date.now() + ++readings, setTimeout: (fn: () => void, ms: number) => setTimeout(fn, ms), clearTimeout: (id: unknown) => clearTimeout(id as NodeJS.Timeout) };
  const { engine, db } = await cluster.start({
    clock,
    config: { RETRY_DELAYS_MS: [0, 0, 0] },
    jobs: { fail: async () => { throw new Error('disk full'); } },
    cluster: { pollingIntervalSeconds: 0.5 },
  });
  assert.is(await engine.submit({ id: 'job_disk', kind: 'fail', agent: 'disk-agent', workflow: 'backups' }).done, 'failed');
  const rows = await eventually(async () => {
    const { rows: all } = await db.admin(`SELECT action, ts, meta->>'attempt' AS attempt FROM audit_log ORDER BY seq`);
    return all.filter((r) => r.action === 'incident.retry').length === 3 ? all : undefined;
  }, 60_000, 'the three retries');
  const pairs = rows.flatMap((row, i) => (row.action === 'job.failed' ? [[row, rows[i + 1]]] : []));
  assert.equal(pairs.map(([failed, next]) => [failed.attempt, next.action]), [['0', 'incident.detected'], ['1', 'incident.retry'], ['2', 'incident.retry'], ['3', 'incident.retry']]);
  for (const [failed, next] of pairs) {
    assert.ok(failed.ts.getTime() <= next.ts.getTime(), `job.failed (attempt ${failed.attempt}) at ${failed.ts.toISOString()}, ${next.action} at ${next.ts.toISOString()}`);
  }
});

test.run();
