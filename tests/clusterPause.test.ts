/**
 * Cheryl's mitigation pauses a workflow or an agent; in one process the worker holds the jobs
 * of what is paused in its queue and runs them once it is resumed (machines/workerMachine.ts).
 * Two cluster engines on one database do the same: a job submitted in either process while
 * the other paused its workflow or agent is not run (its queued item is taken and done, its
 * row stays queued), and the resolve that resumes what was paused, from either process, has
 * it run once.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createIncidentEngine } from '../agents/engine.js';
import type { IncidentEngine } from '../agents/types.js';
import { openStore } from '../store/index.js';
import type { Store } from '../store/types.js';
import { eventually } from './helpers/clusterProcs.js';
import { createTestDatabase } from './helpers/pgDatabase.js';

const test = suite('cluster: jobs of a paused workflow or agent are held until it is resumed');

const WAIT_MS = 60_000;

let db: Awaited<ReturnType<typeof createTestDatabase>> | undefined;
const stores: Store[] = [];
const engines: IncidentEngine[] = [];
const runs = new Map<string, number>();

test.after(async () => {
  for (const engine of engines) await engine.stop();
  for (const store of stores) await store.close();
  await db?.drop();
});

async function engineOn(url: string): Promise<IncidentEngine> {
  const store = await openStore(url, { shared: true });
  stores.push(store);
  const engine = createIncidentEngine({
    store,
    config: { RETRY_DELAYS_MS: [0, 50, 100] },
    jobs: {
      fail: async ({ input }: { input?: unknown }) => { throw new Error((input as { message: string }).message); },
      work: async ({ jobId }: { jobId: string }) => { runs.set(jobId, (runs.get(jobId) ?? 0) + 1); },
    },
    responders: { cheryl: { ack: 20 }, petra: { ack: 20 }, atlas: { ack: 20 } },
    cluster: { pollingIntervalSeconds: 0.5 },
  });
  engines.push(engine);
  await engine.ready;
  return engine;
}

function incidentOf(jobId: string): Promise<string> {
  return eventually(async () => (await db!.admin(`SELECT id FROM incidents WHERE job_id = $1`, [jobId])).rows[0]?.id as string | undefined, WAIT_MS, `${jobId}'s incident`);
}

function pausedBy(table: 'agents' | 'workflows', id: string, incidentId: string): Promise<true> {
  return eventually(async () => ((await db!.admin(`SELECT paused_by FROM ${table} WHERE id = $1`, [id])).rows[0]?.paused_by === incidentId ? true : undefined), WAIT_MS, `${table} ${id} paused by ${incidentId}`);
}

/** The job's row status once every queued item that names it was taken and done. */
function afterItsItems(jobId: string): Promise<string> {
  return eventually(async () => {
    const { rows } = await db!.admin(`SELECT state FROM incident_flow_boss.job WHERE data->>'t' = 'job' AND data->>'jobId' = $1`, [jobId]);
    if (rows.length === 0 || rows.some((r) => r.state !== 'completed')) return undefined;
    return (await db!.admin(`SELECT status FROM jobs WHERE id = $1`, [jobId])).rows[0].status as string;
  }, WAIT_MS, `${jobId}'s queued items done`);
}

test('held while paused by another process, run once on resume', async () => {
  db = await createTestDatabase('h9_pause');
  const a = await engineOn(db.url);
  const b = await engineOn(db.url);

  // Two P0 incidents opened in process a: one pauses its workflow, the other (no workflow) its agent.
  assert.is(await a.submit({ id: 'job_wf_down', kind: 'fail', agent: 'agent-a', workflow: 'wf-a', input: { message: 'disk full' }, impact: { kind: 'platform-down' } }).done, 'failed');
  assert.is(await a.submit({ id: 'job_agent_down', kind: 'fail', agent: 'agent-b', input: { message: 'out of memory' }, impact: { kind: 'platform-down' } }).done, 'failed');
  const onWorkflow = await incidentOf('job_wf_down');
  const onAgent = await incidentOf('job_agent_down');
  await pausedBy('workflows', 'wf-a', onWorkflow);
  await pausedBy('agents', 'agent-b', onAgent);

  // Process b submits a job of the paused workflow (on another agent), one of the paused agent, and one of neither.
  const ofWorkflow = b.submit({ id: 'job_of_wf', kind: 'work', agent: 'agent-c', workflow: 'wf-a' });
  const ofAgent = b.submit({ id: 'job_of_agent', kind: 'work', agent: 'agent-b', workflow: 'wf-b' });
  const free = b.submit({ id: 'job_free', kind: 'work', agent: 'agent-c', workflow: 'wf-c' });
  assert.is(await free.done, 'succeeded');
  assert.is(await afterItsItems('job_of_wf'), 'queued', 'a job of a paused workflow waits');
  assert.is(await afterItsItems('job_of_agent'), 'queued', 'a job of a paused agent waits');
  assert.is(runs.get('job_of_wf'), undefined);
  assert.is(runs.get('job_of_agent'), undefined);

  // Each resumed from the other process than the one that submitted it: the held job runs, once.
  await b.resolve(onWorkflow, { by: 'petra' });
  assert.is(await ofWorkflow.done, 'succeeded');
  assert.is(runs.get('job_of_agent'), undefined, 'the agent is still paused');
  await a.resolve(onAgent, { by: 'petra' });
  assert.is(await ofAgent.done, 'succeeded');

  for (const jobId of ['job_of_wf', 'job_of_agent']) {
    assert.is(await afterItsItems(jobId), 'succeeded');
    assert.is(runs.get(jobId), 1, `${jobId} ran once`);
  }
  assert.is((await db.admin(`SELECT count(*)::int AS n FROM cluster_held_jobs`)).rows[0].n, 0, 'nothing left held');
  // As in one process: a held job's run writes no audit row of its own (it succeeded).
  assert.is((await db.admin(`SELECT count(*)::int AS n FROM audit_log WHERE entity_id IN ('job_of_wf', 'job_of_agent')`)).rows[0].n, 0);
});

test.run();
