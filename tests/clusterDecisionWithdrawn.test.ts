/**
 * An incident resolved while Atlas's go/no-go waits withdraws the decision over PostgreSQL
 * too (agents/cluster/commitStep.ts settles it in the resolve's transaction), as in one
 * process: it leaves the pending decisions, and an answer after is refused. And
 * `pendingDecisionsNow()` after `stop()` answers from the store (the engine's pool is ended).
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { clusterEngine } from './helpers/clusterEngine.js';
import { eventually } from './helpers/clusterProcs.js';

const test = suite('cluster: a decision withdrawn when its incident is resolved');

const WAIT_MS = 60_000;

const cluster = clusterEngine('hw_decision_withdrawn');
test.after(cluster.stop);

let started: Awaited<ReturnType<typeof cluster.start>>;

test('resolving the incident settles the decision as withdrawn; decide() after is an EngineError and audits nothing', async () => {
  const { engine, db } = (started = await cluster.start({
    jobs: { fail: async () => { throw new Error('database down'); } },
    responders: { cheryl: { ack: 20 }, petra: { ack: 20 }, atlas: { ack: 20 } },
    cluster: { pollingIntervalSeconds: 0.5 },
  }));
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

test('pendingDecisionsNow() after stop() answers the decision still waiting, from the store (it rejected: the pool was ended)', async () => {
  const { engine, db } = started;
  engine.submit({ id: 'job_p0_other', kind: 'fail', agent: 'db-agent', workflow: 'billing', impact: { kind: 'platform-down', decision: 'failover' } });
  await eventually(async () => (await db.admin(`SELECT id FROM decisions WHERE status = 'pending' AND action = 'failover'`)).rows[0]?.id as string | undefined, WAIT_MS, 'the failover decision');
  await engine.stop();
  // The database's pending decisions: the failover, and the one the test above set pending again.
  const held = (await db.admin(`SELECT id, action FROM decisions WHERE status = 'pending'`)).rows.map((r) => [r.id, r.action]).sort();
  assert.equal(held.map(([, action]) => action).sort(), ['failover', 'rollback']);
  assert.equal((await engine.pendingDecisionsNow()).map((d) => [d.id, d.action]).sort(), held);
});

test.run();
