/**
 * The `assess` hook over PostgreSQL is given the job as in one process (its kind, input,
 * workflow, id), also when the process that runs it is not the one that submitted it: it was
 * given only the agent and what the work item carried (impact, rootCause…), so a hook telling
 * jobs apart by kind assessed every job another process submitted as the default.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createIncidentEngine } from '../agents/engine.js';
import type { JobSpec } from '../agents/types.js';
import { openStore } from '../store/index.js';
import { clusterEngine } from './helpers/clusterEngine.js';

const test = suite('cluster: assess is given the job another process submitted');

const cluster = clusterEngine('hc_assess');
test.after(cluster.stop);

test('a job submitted by a process that takes no work is assessed by its kind and input where it runs', async () => {
  const assessed: Array<Pick<JobSpec, 'id' | 'kind' | 'input' | 'workflow' | 'agent'>> = [];
  const { db } = await cluster.start({
    jobs: { charge: async () => { throw new Error('card processor down'); } },
    assess: (_error, job) => {
      assessed.push({ id: job.id, kind: job.kind, input: job.input, workflow: job.workflow, agent: job.agent });
      return job.kind === 'charge' ? { kind: 'platform-down' } : {};
    },
    cluster: { pollingIntervalSeconds: 0.5 },
  });
  // Another process of the cluster (here, in this one) that only submits.
  const store = await openStore(db.url, { shared: true });
  const submitter = createIncidentEngine({ store, jobs: { charge: async () => {} }, cluster: { workers: 0 } });
  try {
    await submitter.ready;
    const { done } = submitter.submit({ id: 'job_charge', kind: 'charge', agent: 'billing-agent', workflow: 'checkout', input: { cart: 7 } });
    assert.is(await done, 'failed');
    assert.equal(assessed, [{ id: 'job_charge', kind: 'charge', input: { cart: 7 }, workflow: 'checkout', agent: 'billing-agent' }]);
    const { rows } = await db.admin(`SELECT severity FROM incidents`);
    assert.equal(rows.map((r) => r.severity), ['P0']);
  } finally {
    await submitter.stop();
    await store.close();
  }
});

test.run();
