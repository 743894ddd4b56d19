/**
 * The "escalate" timeout policy's second wait is written to the decision over PostgreSQL
 * too (agents/cluster/commitStep.ts, in the step's transaction), as in one process: the
 * decision's timeoutAt is when it times out now, not the time gone by.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { clusterEngine } from './helpers/clusterEngine.js';
import { eventually } from './helpers/clusterProcs.js';

const test = suite('cluster: a decision\'s second wait under the escalate policy');

const WAIT_MS = 60_000;
const TIMEOUT_MS = 2000;

const cluster = clusterEngine('ho_decision_timeout');
test.after(cluster.stop);

test('the chairman asked, the decision row says when the wait ends now, and subscribers are told', async () => {
  const { engine, db } = await cluster.start({
    jobs: { fail: async () => { throw new Error('database down'); } },
    responders: { cheryl: { ack: 20 }, petra: { ack: 20 }, atlas: { ack: 20 } },
    config: { RETRY_DELAYS_MS: [0, 100, 200], DECISION_TIMEOUT_MS: TIMEOUT_MS, DECISION_TIMEOUT_POLICY: 'escalate' },
    cluster: { pollingIntervalSeconds: 0.5 },
  });
  const told: number[] = [];
  engine.subscribe((e) => e.type === 'decision' && e.decision.status === 'pending' && told.push(Date.parse(e.decision.timeoutAt) - Date.parse(e.decision.requestedAt)));
  engine.submit({ id: 'job_p0', kind: 'fail', agent: 'db-agent', workflow: 'orders', impact: { kind: 'platform-down', decision: 'rollback' } });
  await eventually(async () => (await db.admin(`SELECT 1 FROM audit_log WHERE action = 'incident.decision_timeout' AND meta->>'outcome' = 'escalate'`)).rows[0], WAIT_MS, 'the first timeout');
  const row = (await db.admin(`SELECT extract(epoch FROM timeout_at - requested_at) * 1000 AS wait FROM decisions`)).rows[0];
  assert.is(Number(row.wait), 2 * TIMEOUT_MS);
  // Subscribers are told once the step's COMMIT (and the announcement sent with it) has answered the engine's
  // connection: another connection may see the committed rows before then.
  await eventually(async () => (told.length >= 2 ? true : undefined), WAIT_MS, 'subscribers told of the second wait');
  assert.equal(told, [TIMEOUT_MS, 2 * TIMEOUT_MS]);
});

test.run();
