/**
 * Two incidents on one agent and workflow, in two transactions of one cluster engine: Cheryl's
 * triage of the second pauses the workflow the first paused, while the first is resolved (its
 * resume puts back active what it paused). Whichever commits first, the workflow must end paused
 * by the second incident, as in one process (resume only what this incident paused). The race is
 * made, not hoped for: a connection of the test holds the workflow's row locked until the triage
 * and then the resolve wait for it, in that order. The second incident's job is already running
 * when the first pauses the workflow (a job of a paused workflow submitted later would be held
 * until the resume, as in one process: tests/clusterPause.test.ts); it fails once the row is held.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import pg from 'pg';
import { createIncidentEngine } from '../agents/engine.js';
import type { IncidentEngine } from '../agents/types.js';
import { openStore } from '../store/index.js';
import type { Store } from '../store/types.js';
import { eventually } from './helpers/clusterProcs.js';
import { createTestDatabase, PG_SERVER } from './helpers/pgDatabase.js';

const test = suite('cluster: a mitigation paused and resumed by two incidents');

const WAIT_MS = 60_000;
const WORKFLOW = 'wf-shared';

let db: Awaited<ReturnType<typeof createTestDatabase>> | undefined;
let store: Store | undefined;
let engine: IncidentEngine | undefined;
let holder: pg.Client | undefined;
let holderPid = 0;
let secondRunning: () => void = () => {};
const running = new Promise<void>((resolve) => { secondRunning = resolve; });
let letFail: () => void = () => {};
const gate = new Promise<void>((resolve) => { letFail = resolve; });

test.after(async () => {
  await holder?.end().catch(() => {});
  await engine?.stop();
  await store?.close();
  await db?.drop();
});

/** The incident a job opened, once it has one. */
function incidentOf(jobId: string): Promise<string> {
  return eventually(async () => (await db!.admin(`SELECT id FROM incidents WHERE job_id = $1`, [jobId])).rows[0]?.id as string | undefined, WAIT_MS, `${jobId}'s incident`);
}

/** The workflow's row as committed. */
async function workflowRow(): Promise<{ status: string; paused_by: string | null } | undefined> {
  return (await db!.admin(`SELECT status, paused_by FROM workflows WHERE id = $1`, [WORKFLOW])).rows[0] as never;
}

/**
 * Waits until `count` of the engine's connections wait for a lock: the triage for the workflow's
 * row, the resolve for it or (having read it) for a row the triage holds by then (a responder's).
 */
function waiting(count: number, what: string): Promise<true> {
  return eventually(async () => {
    const { rows } = await db!.admin(
      `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND pid <> $1 AND wait_event_type = 'Lock'`,
      [holderPid],
    );
    return (rows[0].n as number) >= count ? true : undefined;
  }, WAIT_MS, what);
}

test('a triage and a resolve on the same workflow row: the pause of the one still open survives', async () => {
  db = await createTestDatabase('h5_mitigation');
  store = await openStore(db.url, { shared: true });
  engine = createIncidentEngine({
    store,
    config: { RETRY_DELAYS_MS: [0, 50, 100] },
    jobs: {
      fail: async ({ input }: { input?: unknown }) => { throw new Error((input as { message: string }).message); },
      // Runs until the test lets it fail.
      failLater: async ({ input }: { input?: unknown }) => {
        secondRunning();
        await gate;
        throw new Error((input as { message: string }).message);
      },
    },
    responders: { cheryl: { ack: 20 }, petra: { ack: 20 }, atlas: { ack: 20 } },
    cluster: { pollingIntervalSeconds: 0.5 },
  });
  await engine.ready;

  // The second incident's job, running before the workflow is paused.
  const second = engine.submit({ id: 'job_second', kind: 'failLater', agent: 'agent-shared', workflow: WORKFLOW, input: { message: 'certificate expired' }, impact: { kind: 'platform-down' } });
  await running;

  // The first incident (P0): Cheryl's mitigation pauses the workflow.
  const first = engine.submit({ id: 'job_first', kind: 'fail', agent: 'agent-shared', workflow: WORKFLOW, input: { message: 'disk full' }, impact: { kind: 'platform-down' } });
  assert.is(await first.done, 'failed');
  const firstId = await incidentOf('job_first');
  await eventually(async () => ((await workflowRow())?.paused_by === firstId ? true : undefined), WAIT_MS, 'the workflow paused by the first incident');

  // The row held by the test: the second incident's triage reaches it and waits.
  holder = new pg.Client({ connectionString: `${PG_SERVER}/${db.name}`, options: '-c search_path=incident_flow' });
  await holder.connect();
  holderPid = (await holder.query('SELECT pg_backend_pid() AS pid')).rows[0].pid as number;
  await holder.query('BEGIN');
  await holder.query(`SELECT id FROM workflows WHERE id = $1 FOR UPDATE`, [WORKFLOW]);

  letFail();
  assert.is(await second.done, 'failed');
  const secondId = await incidentOf('job_second');
  assert.is.not(secondId, firstId, 'another root cause opens an incident of its own');
  await waiting(1, 'the second incident\'s triage waiting for the workflow row');
  const { rows: [triage] } = await db.admin(`SELECT query FROM pg_stat_activity WHERE datname = current_database() AND pid <> $1 AND wait_event_type = 'Lock'`, [holderPid]);
  assert.match(triage.query as string, /workflows/, 'what waits is the statement that reads or writes the workflow');

  // Then the first incident is resolved: its resume of the workflow waits too, after the triage.
  const resolved = engine.resolve(firstId, { by: 'petra' });
  await waiting(2, 'the first incident\'s resolve waiting behind the triage');
  await holder.query('COMMIT');
  await resolved;
  await eventually(async () => {
    const { rows } = await db!.admin(`SELECT 1 FROM audit_log WHERE entity_id = $1 AND action = 'incident.mitigated'`, [secondId]);
    return rows.length > 0 ? true : undefined;
  }, WAIT_MS, 'the second incident\'s mitigation committed');
  const closed = await db.admin(`SELECT status FROM incidents WHERE id = $1`, [firstId]);
  assert.is(closed.rows[0].status, 'closed');

  // As in one process: the resolve resumes only what its incident paused, and the second incident paused it last.
  assert.equal(await workflowRow(), { status: 'paused', paused_by: secondId });
});

/**
 * Two open incidents whose triages both paused the workflow: the one the row names is resolved
 * first, and the other, still open, keeps it paused (the row passes to it), as in one process
 * (agentsCheryl.test.ts); once both are resolved it resumes. Both jobs run before either pause
 * and fail together, with errors not worth retrying (straight to Cheryl).
 */
test('the incident resolved first hands the pause to the one still open; the last one resumes the workflow', async () => {
  await holder?.end();
  holder = undefined;
  await engine?.stop();
  await store?.close();
  await db?.drop();
  db = await createTestDatabase('h5_handover');
  store = await openStore(db.url, { shared: true });
  let release: () => void = () => {};
  const gate = new Promise<void>((resolve) => { release = resolve; });
  let started = 0;
  engine = createIncidentEngine({
    store,
    jobs: {
      failTogether: async ({ input }: { input?: unknown }) => {
        started++;
        await gate;
        throw new TypeError((input as { message: string }).message);
      },
    },
    responders: { cheryl: { ack: 20 }, petra: { ack: 20 }, atlas: { ack: 20 } },
    cluster: { pollingIntervalSeconds: 0.5 },
  });
  await engine.ready;
  const jobs = ['job_amount', 'job_rows'].map((id, n) =>
    engine!.submit({ id, kind: 'failTogether', agent: 'agent-ledger', workflow: WORKFLOW, input: { message: n === 0 ? 'wrong amount posted' : 'duplicate rows written' }, impact: { kind: 'data-integrity' } }));
  await eventually(async () => (started === 2 ? true : undefined), WAIT_MS, 'both jobs running');
  release();
  for (const job of jobs) assert.is(await job.done, 'failed');
  const ids = await Promise.all(['job_amount', 'job_rows'].map(incidentOf));
  for (const id of ids) {
    await eventually(async () => ((await db!.admin(`SELECT 1 FROM audit_log WHERE entity_id = $1 AND action = 'incident.mitigated'`, [id])).rows.length > 0 ? true : undefined), WAIT_MS, `${id} mitigated`);
  }

  // The row names the incident triaged last; that one is fixed first.
  const pausedBy = (await workflowRow())!.paused_by!;
  assert.ok(ids.includes(pausedBy));
  const other = ids.find((id) => id !== pausedBy)!;
  await engine.resolve(pausedBy, { by: 'petra' });
  assert.equal(await workflowRow(), { status: 'paused', paused_by: other }, 'the incident still open keeps its mitigation');

  await engine.resolve(other, { by: 'petra' });
  assert.equal(await workflowRow(), { status: 'active', paused_by: null });
});

test.run();
