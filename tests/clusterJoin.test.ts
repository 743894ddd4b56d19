/**
 * Over PostgreSQL, a failure joining an open incident brings its impact as in one process
 * (agentsCheryl.test.ts, machineEscalation.test.ts): a platform-down failure with the root cause
 * of an open P2 makes it a P0, which Cheryl then triages, pauses and escalates as one.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createIncidentEngine } from '../agents/engine.js';
import { openStore } from '../store/index.js';
import { eventually } from './helpers/clusterProcs.js';
import { createTestDatabase } from './helpers/pgDatabase.js';

const test = suite('cluster: a failure joining an open incident brings its impact');

test('a platform-down failure joining a P2 with its root cause makes it a P0, triaged as one', async () => {
  const db = await createTestDatabase('h5_join');
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
    // Cheryl acknowledges seconds after the hand-over: the joining failure comes before her triage.
    responders: { cheryl: { ack: 10_000 }, petra: { ack: 20 }, atlas: { ack: 20 } },
    cluster: { pollingIntervalSeconds: 0.5 },
  });
  try {
    await engine.ready;
    const later = engine.submit({ id: 'job_reports', kind: 'failLater', agent: 'reporter', workflow: 'dashboards', input: { message: 'ECONNREFUSED db (reports)' }, rootCause: 'db-primary-down', impact: { kind: 'platform-down' } });
    const first = engine.submit({ id: 'job_invoices', kind: 'fail', agent: 'billing', workflow: 'invoice-run', input: { message: 'ECONNREFUSED db' }, rootCause: 'db-primary-down', impact: { kind: 'feature-broken' } });
    assert.is(await first.done, 'failed');
    const row = async () => (await db.admin(`SELECT id, severity, attached, impact->>'kind' AS kind FROM incidents`)).rows;
    await eventually(async () => ((await row())[0]?.severity === 'P2' ? true : undefined), 60_000, 'the P2 opened');
    release();
    assert.is(await later.done, 'failed');
    const [incident] = await row();
    assert.equal(await row(), [{ id: incident.id, severity: 'P0', attached: 1, kind: 'platform-down' }]);
    const triage = await eventually(async () => (await db.admin(`SELECT meta->>'severity' AS severity FROM audit_log WHERE entity_id = $1 AND action = 'incident.triage'`, [incident.id])).rows[0], 60_000, 'the triage');
    assert.is(triage.severity, 'P0');
    const steps = (await db.admin(`SELECT action FROM audit_log WHERE entity_id = $1 ORDER BY seq`, [incident.id])).rows.map((r) => r.action);
    assert.ok(steps.includes('incident.mitigated'), steps.join(' '));
    assert.ok(steps.includes('incident.escalated'), steps.join(' '));
  } finally {
    await engine.stop();
    await store.close();
    await db.drop();
  }
});

test.run();
