/**
 * Over PostgreSQL, a failure joining an open incident brings its impact as in one process
 * (agentsCheryl.test.ts, machineEscalation.test.ts): a platform-down failure with the root cause
 * of an open P2 makes it a P0, which Cheryl then triages, pauses and escalates as one; one that
 * joins after her triage of the P2 has her mitigation run then (incident.mitigated, its workflow
 * paused, or its agent when it names none) and the incident escalated.
 *
 * Cheryl's acknowledgement is held by a gate, not a delay: her responder row is held by a
 * transaction of the test's own, so the incident's assignment waits in her mailbox (no
 * acknowledgement is armed) until the test commits it; the joining failure lands first
 * whatever the machine's load.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createIncidentEngine } from '../agents/engine.js';
import { createClient, parseTarget } from '../store/postgres/connection.js';
import { openStore } from '../store/index.js';
import { eventually } from './helpers/clusterProcs.js';
import { createTestDatabase } from './helpers/pgDatabase.js';

const test = suite('cluster: a failure joining an open incident brings its impact');

const WAIT_MS = 60_000;

/**
 * A cluster engine on a database of its own: `fail` fails at once, `failLater` once `release()`
 * is called (the joining failure, when the test says); Cheryl acknowledges in 20 ms, Petra and
 * Atlas in `laterAck` ms.
 */
async function joinEngine(label: string, laterAck: number) {
  const db = await createTestDatabase(label);
  const store = await openStore(db.url, { shared: true });
  let release: () => void = () => {};
  const gate = new Promise<void>((resolve) => { release = resolve; });
  const engine = createIncidentEngine({
    store,
    config: { RETRY_DELAYS_MS: [0, 50, 100] },
    jobs: {
      fail: async ({ input }: { input?: unknown }) => { throw new Error((input as { message: string }).message); },
      failLater: async ({ input }: { input?: unknown }) => { await gate; throw new Error((input as { message: string }).message); },
    },
    responders: { cheryl: { ack: 20 }, petra: { ack: laterAck }, atlas: { ack: laterAck } },
    cluster: { pollingIntervalSeconds: 0.5 },
  });
  return { db, store, engine, release };
}

test('a platform-down failure joining a P2 with its root cause before Cheryl acknowledges makes it a P0, triaged as one', async () => {
  const { db, store, engine, release } = await joinEngine('hj_join', 20);
  const holder = createClient(parseTarget(db.url));
  try {
    await engine.ready;
    await holder.connect();
    // Cheryl's row held: the incident's assignment waits in her mailbox, so she cannot acknowledge it yet.
    await holder.query('BEGIN');
    assert.is((await holder.query(`SELECT id FROM responders WHERE id = 'cheryl' FOR UPDATE`)).rows.length, 1);
    const later = engine.submit({ id: 'job_reports', kind: 'failLater', agent: 'reporter', workflow: 'dashboards', input: { message: 'ECONNREFUSED db (reports)' }, rootCause: 'db-primary-down', impact: { kind: 'platform-down' } });
    const first = engine.submit({ id: 'job_invoices', kind: 'fail', agent: 'billing', workflow: 'invoice-run', input: { message: 'ECONNREFUSED db' }, rootCause: 'db-primary-down', impact: { kind: 'feature-broken' } });
    assert.is(await first.done, 'failed');
    const row = async () => (await db.admin(`SELECT id, severity, attached, impact->>'kind' AS kind, state FROM incidents`)).rows;
    await eventually(async () => ((await row())[0]?.state === 'triaged.queued' ? true : undefined), WAIT_MS, 'the P2 waiting for Cheryl');
    assert.is((await row())[0].severity, 'P2');
    release();
    assert.is(await later.done, 'failed');
    const [incident] = await row();
    assert.equal(await row(), [{ id: incident.id, severity: 'P0', attached: 1, kind: 'platform-down', state: 'triaged.queued' }]);
    // Cheryl's row let go: the assignment is applied (the sweep), she acknowledges and triages the P0.
    await holder.query('COMMIT');
    const triage = await eventually(async () => (await db.admin(`SELECT meta->>'severity' AS severity FROM audit_log WHERE entity_id = $1 AND action = 'incident.triage'`, [incident.id])).rows[0], WAIT_MS, 'the triage');
    assert.is(triage.severity, 'P0');
    const steps = (await db.admin(`SELECT action FROM audit_log WHERE entity_id = $1 ORDER BY seq`, [incident.id])).rows.map((r) => r.action);
    assert.ok(steps.indexOf('incident.attached') < steps.indexOf('incident.acknowledged'), steps.join(' '));
    assert.ok(steps.includes('incident.mitigated'), steps.join(' '));
    assert.ok(steps.includes('incident.escalated'), steps.join(' '));
    assert.is((await db.admin(`SELECT paused_by FROM workflows WHERE id = 'invoice-run'`)).rows[0]?.paused_by, incident.id);
  } finally {
    await holder.end().catch(() => undefined);
    await engine.stop();
    await store.close();
    await db.drop();
  }
});

/**
 * A platform-down failure joins a P2 Cheryl has triaged and kept (nothing paused): its mitigation
 * runs then, pausing the incident's workflow, or its agent when its jobs name no workflow.
 */
for (const { kind, workflow, paused } of [
  { kind: 'workflow', workflow: 'invoice-run', paused: 'invoice-run' },
  { kind: 'agent', workflow: undefined, paused: 'billing' },
] as const) {
  test(`a platform-down failure joining a P2 after Cheryl triaged it: its ${kind} paused (incident.mitigated) and escalated`, async () => {
    const { db, store, engine, release } = await joinEngine(`hj_join_after_${kind}`, 600_000);
    const table = `${kind}s`;
    try {
      await engine.ready;
      const later = engine.submit({ id: 'job_reports', kind: 'failLater', agent: 'reporter', workflow: workflow && 'dashboards', input: { message: 'ECONNREFUSED db (reports)' }, rootCause: 'db-primary-down', impact: { kind: 'platform-down' } });
      const first = engine.submit({ id: 'job_invoices', kind: 'fail', agent: 'billing', workflow, input: { message: 'ECONNREFUSED db' }, rootCause: 'db-primary-down', impact: { kind: 'feature-broken' } });
      assert.is(await first.done, 'failed');
      const row = async () => (await db.admin(`SELECT id, severity, state FROM incidents`)).rows[0];
      // Cheryl triages the P2 and keeps it: nothing paused.
      await eventually(async () => ((await row())?.state === 'triaged.fixing' ? true : undefined), WAIT_MS, 'the P2 triaged');
      const { id } = await row();
      assert.equal((await db.admin(`SELECT id FROM ${table} WHERE status = 'paused'`)).rows, []);
      release();
      assert.is(await later.done, 'failed');
      assert.equal(await row(), { id, severity: 'P0', state: 'coordinated.queued' });
      const mitigated = (await db.admin(`SELECT actor, meta->'paused' AS paused, meta->>'raisedFrom' AS "raisedFrom" FROM audit_log WHERE entity_id = $1 AND action = 'incident.mitigated'`, [id])).rows;
      assert.equal(mitigated, [{ actor: 'cheryl', paused: { id: paused, kind }, raisedFrom: 'P2' }]);
      assert.equal((await db.admin(`SELECT id, status, paused_by FROM ${table} WHERE status = 'paused'`)).rows, [{ id: paused, status: 'paused', paused_by: id }]);
      const escalated = (await db.admin(`SELECT meta->'criteria' AS criteria FROM audit_log WHERE entity_id = $1 AND action = 'incident.escalated'`, [id])).rows;
      assert.equal(escalated, [{ criteria: ['severity-p0-p1'] }]);
    } finally {
      await engine.stop();
      await store.close();
      await db.drop();
    }
  });
}

test.run();
