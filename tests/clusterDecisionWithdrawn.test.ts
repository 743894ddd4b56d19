/**
 * An incident resolved while Atlas's go/no-go waits withdraws the decision over PostgreSQL
 * too (agents/cluster/commitStep.ts settles it in the resolve's transaction), as in one
 * process: it leaves the pending decisions, and an answer after is refused.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { clusterEngine } from './helpers/clusterEngine.js';
import { eventually } from './helpers/clusterProcs.js';

const test = suite('cluster: a decision withdrawn when its incident is resolved');

const WAIT_MS = 60_000;

const cluster = clusterEngine('hw_decision_withdrawn');
test.after(cluster.stop);

test('resolving the incident settles the decision as withdrawn; decide() after is an EngineError and audits nothing', async () => {
  const { engine, db } = await cluster.start({
    jobs: { fail: async () => { throw new Error('database down'); } },
    responders: { cheryl: { ack: 20 }, petra: { ack: 20 }, atlas: { ack: 20 } },
    cluster: { pollingIntervalSeconds: 0.5 },
  });
  engine.submit({ id: 'job_p0', kind: 'fail', agent: 'db-agent', workflow: 'orders', impact: { kind: 'platform-down', decision: 'rollback' } });
  const pending = await eventually(async () => (await db.admin(`SELECT id, incident_id FROM decisions WHERE status = 'pending'`)).rows[0] as { id: string; incident_id: string } | undefined, WAIT_MS, 'a pending decision');
  await engine.resolve(pending.incident_id, { by: 'atlas' });
  const row = (await db.admin('SELECT status, answered_by FROM decisions WHERE id = $1', [pending.id])).rows[0];
  assert.equal(row, { status: 'withdrawn', answered_by: 'atlas' });
  assert.equal(await engine.pendingDecisionsNow(), []);
  const resolved = (await db.admin(`SELECT meta FROM audit_log WHERE action = 'incident.resolved'`)).rows[0];
  assert.is(resolved.meta.withdrawnDecision, pending.id);
  try {
    await engine.decide(pending.id, 'approve', 'ops');
    assert.unreachable('decide() after the withdrawal');
  } catch (error) {
    assert.match(String(error), /^EngineError: incident-flow: decision "dec_[\w-]+" is already withdrawn by atlas$/);
  }
  assert.is((await db.admin(`SELECT count(*)::int AS n FROM audit_log WHERE action = 'incident.decision'`)).rows[0].n, 0);
  // A store written before withdrawals can hold a decision pending for a closed incident: refused, not taken silently.
  await eventually(async () => (await db.admin('SELECT status FROM incidents WHERE id = $1', [pending.incident_id])).rows[0]?.status === 'closed' || undefined, WAIT_MS, 'the incident closed');
  await db.admin(`UPDATE decisions SET status = 'pending', answered_by = NULL WHERE id = $1`, [pending.id]);
  try {
    await engine.decide(pending.id, 'approve', 'ops');
    assert.unreachable('decide() of a decision pending for a closed incident');
  } catch (error) {
    assert.match(String(error), `EngineError: incident-flow: decision "${pending.id}" cannot be answered: incident "${pending.incident_id}" is no longer open`);
  }
  assert.is((await db.admin(`SELECT count(*)::int AS n FROM audit_log WHERE action = 'incident.decision'`)).rows[0].n, 0);
});

test.run();
