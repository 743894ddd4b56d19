/**
 * Petra's status updates go to Atlas and the affected stakeholders (spec, Step 4.5): the admins
 * of the tenants a customer-facing incident hits. Over PostgreSQL her duty reads only the rows
 * seeded for it (agents/cluster/dutySeeds.ts), so the tenants must be among them, or the
 * cluster's coordination names no stakeholder where one process names them.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { clusterEngine } from './helpers/clusterEngine.js';
import { eventually } from './helpers/clusterProcs.js';

const test = suite('cluster: Petra names the stakeholders of a customer-facing incident');

const WAIT_MS = 60_000;

const cluster = clusterEngine('h3_stakeholders');
test.after(cluster.stop);

test('the tenant admin Cheryl notified is in the coordination Petra commits, as in one process', async () => {
  const { engine, db } = await cluster.start({
    tenants: [{ id: 'acme', admin: 'ops@acme.test' }, { id: 'globex', admin: 'it@globex.test' }],
    agents: [{ id: 'billing', tenant: 'acme', workflows: ['invoice-run'] }],
    config: { RETRY_DELAYS_MS: [0, 50, 100] },
    jobs: { fail: async () => { throw new Error('ledger mismatch'); } },
    responders: { cheryl: { ack: 20 }, petra: { ack: 20 }, atlas: { ack: 20 } },
    cluster: { pollingIntervalSeconds: 0.5 },
  });
  // A P1 that customers see: Cheryl notifies acme's admin and escalates to Petra.
  const job = engine.submit({ id: 'job_ledger', kind: 'fail', agent: 'billing', workflow: 'invoice-run', impact: { kind: 'data-integrity', customerFacing: true } });
  assert.is(await job.done, 'failed');
  const coordinated = await eventually(async () => {
    const { rows } = await db.admin(`SELECT meta FROM audit_log WHERE action = 'incident.coordinated'`);
    return rows[0]?.meta as { coordination: { stakeholders?: string[] } } | undefined;
  }, WAIT_MS, 'Petra\'s coordination');
  assert.equal(coordinated.coordination.stakeholders, ['ops@acme.test']);
  const notified = (await db.admin(`SELECT meta FROM audit_log WHERE action = 'incident.notified'`)).rows[0];
  assert.equal(notified.meta.to, ['ops@acme.test']);
  const record = (await db.admin(`SELECT coordination FROM incidents WHERE job_id = 'job_ledger'`)).rows[0];
  assert.equal(record.coordination.stakeholders, ['ops@acme.test']);
});

test.run();
