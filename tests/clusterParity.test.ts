/**
 * The cluster engine keeps the single-process engine's promises: the same workload through
 * `createIncidentEngine` over a memory store and over a PostgreSQL store opened `shared`
 * (its own database, dropped after) gives the same events to a `subscribe()` listener, in
 * the same order per incident and per job, and the same answers and `EngineError`s from
 * the API. Ids and times differ; what differs by design is checked as documented (the
 * single engine's `incident` events may skip states the cluster reports step by step;
 * only a cluster engine returns `queued`).
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createIncidentEngine } from '../agents/engine.js';
import { EngineError, type EngineEvent, type IncidentEngine } from '../agents/types.js';
import { createMemoryStore } from '../store/memoryStore.js';
import { openStore } from '../store/index.js';
import type { Store, StoreChange } from '../store/types.js';
import type { Clock, DeadlineRecord } from '../machines/types.js';
import { WEEK } from '../agents/chairman.js';
import { isoWeek, isoWeekStart } from '../reports/time.js';
import { eventually } from './helpers/clusterProcs.js';
import { createTestDatabase } from './helpers/pgDatabase.js';

const test = suite('cluster parity: one workload through both engines');

const WAIT_MS = 120_000;
/** Which incident each job's failure belongs to: job_p2b fails like job_p2 (same fingerprint) and joins its incident. */
const THREAD: Record<string, 'p2' | 'p0'> = { job_p2: 'p2', job_p2b: 'p2', job_p0: 'p0' };

interface Transcript {
  /** Per incident (by the job that opened it): its audit actions, each job's `job.failed` (job, attempt) and decisions, in the order heard. */
  threads: Record<string, string[]>;
  /** Per incident: the states of its `incident` events, in order. */
  states: Record<string, string[]>;
  /** Every other event heard (must stay empty). */
  strays: string[];
  /** What the API answered, call by call. */
  api: Record<string, unknown>;
  /** The onFix hook's argument: its keys, per call. */
  fixArgs: string[];
  /** The incidents' final records, the parts both engines must agree on. */
  records: Record<string, unknown>;
}

/** A call's outcome: 'ok', or the error's class and message with generated ids masked. */
async function outcome(call: () => unknown): Promise<string> {
  try {
    await call();
    return 'ok';
  } catch (error) {
    const e = error as Error;
    return `${e instanceof EngineError ? 'EngineError' : e.name}: ${e.message.replace(/\b(dec|inc)_[\w-]{6,}/g, '$1_…')}`;
  }
}

/** Runs the workload through `engine` and records what a listener hears and what the API answers. */
async function runWorkload(engine: IncidentEngine, store: Store, fixes: string[]): Promise<Transcript> {
  const t: Transcript = { threads: { p2: [], p0: [] }, states: { p2: [], p0: [] }, strays: [], api: {}, fixArgs: fixes, records: {} };
  const threadOf = new Map<string, 'p2' | 'p0'>();
  let decisionId = '';
  let attached!: () => void;
  const attachedSeen = new Promise<void>((resolve) => (attached = resolve));
  gates.set(engine, attachedSeen);
  const closed = new Set<string>();
  let allClosed!: () => void;
  const bothClosed = new Promise<void>((resolve) => (allClosed = resolve));
  // A listener that throws once must not stop the engine's step: it is audited, not emitted.
  let thrown = false;
  engine.subscribe((e) => {
    if (e.type === 'decision' && !thrown) {
      thrown = true;
      throw new Error('listener bug');
    }
  });
  const unheard: EngineEvent[] = [];
  engine.subscribe((e) => void unheard.push(e))();

  engine.subscribe((e) => {
    // Frozen on either host (agents/runtime.ts auditEntry): a listener cannot edit what was written.
    if (e.type === 'audit' && !(Object.isFrozen(e.entry) && Object.isFrozen(e.entry.meta))) t.strays.push(`audit ${e.entry.action} not frozen`);
    if (e.type === 'audit' && e.entry.entityType === 'job') {
      const thread = THREAD[e.entry.entityId];
      if (thread && e.entry.action === 'job.failed') t.threads[thread].push(`job.failed ${e.entry.entityId} #${String(e.entry.meta.attempt)}`);
      else t.strays.push(`audit ${e.entry.entityId} ${e.entry.action}`);
    } else if (e.type === 'audit' && e.entry.entityType === 'incident') {
      if (e.entry.action === 'incident.detected') threadOf.set(e.entry.entityId, THREAD[String(e.entry.meta.jobId)]);
      if (e.entry.action === 'incident.attached') attached();
      const thread = threadOf.get(e.entry.entityId);
      if (thread) t.threads[thread].push(e.entry.action);
      else t.strays.push(`audit ${e.entry.action} before its incident.detected`);
    } else if (e.type === 'decision') {
      const thread = threadOf.get(e.decision.incidentId);
      if (thread) t.threads[thread].push(`decision ${e.decision.status}${e.decision.by ? ` by ${e.decision.by}` : ''}`);
      else t.strays.push(`decision of an unknown incident`);
      if (e.decision.status === 'pending') {
        decisionId = e.decision.id;
        // Answered from inside the listener, as a watcher or a chat bot would.
        void outcome(() => engine.decide(e.decision.id, 'approve', 'dana')).then((o) => (t.api.decideFromListener = o));
      }
    } else if (e.type === 'incident') {
      const thread = threadOf.get(e.incident.id);
      if (!thread) t.strays.push(`incident ${e.incident.state} before its incident.detected`);
      else t.states[thread].push(e.incident.state);
      if (e.incident.status === 'closed') closed.add(e.incident.id);
      if (closed.size === 2) allClosed();
    } else t.strays.push(`${e.type} ${JSON.stringify(e)}`);
  });

  await engine.ready;
  const ok = engine.submit({ id: 'job_ok', kind: 'fail', agent: 'agent-ok', input: { message: null } });
  t.api.submitReturns = Object.keys(ok).filter((k) => k !== 'queued').sort();
  if (ok.queued) await ok.queued;
  t.api.okDone = await ok.done;
  // The same job id again (a caller retrying after a crash): not run a second time; its done tells how the first run went.
  const again = engine.submit({ id: 'job_ok', kind: 'fail', agent: 'agent-ok', input: { message: null } });
  if (again.queued) await again.queued;
  t.api.okAgain = [again.jobId, await again.done];
  const p2 = engine.submit({ id: 'job_p2', kind: 'fail', agent: 'agent-a', workflow: 'wf-a', input: { message: 'cache storm' }, impact: { kind: 'feature-broken' } });
  t.api.p2Done = await p2.done;
  // The same failure again while job_p2's incident is open (its first retry waits for this): it joins it.
  const p2b = engine.submit({ id: 'job_p2b', kind: 'fail', agent: 'agent-a', workflow: 'wf-a', input: { message: 'cache storm' }, impact: { kind: 'feature-broken' } });
  t.api.p2bDone = await p2b.done;
  // A P0 whose recovery needs a rollback: Atlas asks for a go/no-go, which the listener approves.
  const p0 = engine.submit({ id: 'job_p0', kind: 'fail', agent: 'agent-b', workflow: 'wf-b', input: { message: 'database down' }, impact: { kind: 'platform-down', decision: 'rollback' } });
  t.api.p0Done = await p0.done;
  await within(bothClosed, 'both incidents closed');
  assert.equal(unheard, [], 'an unsubscribed listener hears nothing');

  const [p2Id, p0Id] = ['p2', 'p0'].map((k) => [...threadOf].find(([, thread]) => thread === k)![0]);
  t.api.decideAgain = await outcome(() => engine.decide(decisionId, 'deny', 'erin'));
  t.api.decideUnknown = await outcome(() => engine.decide('dec_nope', 'approve', 'dana'));
  t.api.decideBadAnswer = await outcome(() => engine.decide(decisionId, 'maybe' as never, 'dana'));
  t.api.decideNobody = await outcome(() => engine.decide(decisionId, 'approve', ''));
  t.api.resolveUnknown = await outcome(() => engine.resolve('inc_nope'));
  t.api.resolveClosed = await outcome(() => engine.resolve(p2Id, { by: 'petra' }));
  t.api.submitNoAgent = await outcome(() => engine.submit({ agent: '', kind: 'fail' }));
  t.api.submitUnknownKind = await outcome(() => engine.submit({ agent: 'agent-a', kind: 'sendInvoices' }));
  t.api.stateOfClosed = engine.stateOf(p0Id);
  t.api.pendingNow = await engine.pendingDecisionsNow();

  // The store as this engine wrote it (a cluster engine's copy is read again first).
  await store.refresh();
  t.api.pending = engine.pendingDecisions();
  for (const [id, thread] of threadOf) {
    const r = store.get('incidents', id)!;
    t.records[thread] = { status: r.status, state: r.state, severity: r.severity, retries: r.retries.length, attached: r.attached, assignee: r.assignee, escalations: r.escalations.length, decided: r.decisionId ? store.get('decisions', r.decisionId)?.status : null, reviewed: r.reviewId !== null, errorLog: r.findings.filter((f) => f.startsWith('Error log:')) };
  }
  t.api.listenerFailures = await eventually(async () => {
    await store.refresh();
    const rows = store.queryAudit({ action: 'engine.listener_failed' }).rows;
    return rows.length > 0 ? rows.map((r) => r.message.replace(/\b(dec|inc)_[\w-]{6,}/g, '$1_…')) : undefined;
  }, WAIT_MS, 'the listener failure audited');

  t.api.runs = Object.fromEntries(runs.get(engine) ?? []);
  await engine.stop();
  t.api.submitStopped = await outcome(() => engine.submit({ agent: 'agent-a', kind: 'fail' }));
  t.api.decideStopped = await outcome(() => engine.decide(decisionId, 'approve', 'dana'));
  t.api.resolveStopped = await outcome(() => engine.resolve(p0Id));
  return t;
}

/** job_p2's first retry waits until job_p2b has joined its incident: the order does not depend on timing. */
const gates = new Map<IncidentEngine, Promise<void>>();
/** How many times each engine ran each job. */
const runs = new Map<IncidentEngine, Map<string, number>>();

function engineOptions(store: Store, fixes: string[], self: () => IncidentEngine) {
  return {
    store,
    config: { RETRY_DELAYS_MS: [0, 100, 200] },
    jobs: {
      fail: async ({ attempt, jobId, input }: { attempt: number; jobId: string; input?: unknown }) => {
        const counts = runs.get(self()) ?? new Map<string, number>();
        runs.set(self(), counts.set(jobId, (counts.get(jobId) ?? 0) + 1));
        if (jobId === 'job_p2' && attempt === 1) await gates.get(self());
        const message = (input as { message: string | null }).message;
        if (message !== null) throw new Error(message);
      },
    },
    responders: { cheryl: { ack: 20 }, petra: { ack: 20 }, atlas: { ack: 20 } },
    // A developer who fixes everything at once: the owner resolves as soon as the fix starts.
    onFix: (incident: { id: string }, owner: string) => {
      fixes.push(Object.keys(incident).sort().join(','));
      void outcome(() => self().resolve(incident.id, { by: owner }));
    },
  };
}

async function within<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), WAIT_MS)));
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

let db: Awaited<ReturnType<typeof createTestDatabase>> | undefined;
let single: Transcript;
let cluster: Transcript;

test.before(async () => {
  const fixesOne: string[] = [];
  const store = createMemoryStore();
  const one: IncidentEngine = createIncidentEngine(engineOptions(store, fixesOne, () => one));
  single = await runWorkload(one, store, fixesOne);

  db = await createTestDatabase('q10_parity');
  const shared = await openStore(db.url, { shared: true });
  const fixesMany: string[] = [];
  const many: IncidentEngine = createIncidentEngine({ ...engineOptions(shared, fixesMany, () => many), cluster: { pollingIntervalSeconds: 0.5 } });
  try {
    cluster = await runWorkload(many, shared, fixesMany);
  } finally {
    await many.stop();
    await shared.close();
  }
});
test.after(async () => {
  await db?.drop();
});

test('each incident: the same audit entries, job failures and decisions, in the same order', () => {
  assert.equal(cluster.threads, single.threads);
  // What the workload is: job_p2 fails 4 times, job_p2b once and joins; job_p0 climbs to Atlas's decision.
  assert.equal(single.threads.p2.slice(0, 5), ['job.failed job_p2 #0', 'incident.detected', 'job.failed job_p2b #0', 'incident.attached', 'job.failed job_p2 #1']);
  assert.ok(single.threads.p0.includes('decision pending'), single.threads.p0.join(', '));
  assert.ok(single.threads.p0.indexOf('decision approved by dana') > single.threads.p0.indexOf('decision pending'));
  for (const thread of ['p2', 'p0']) assert.is(single.threads[thread].at(-1), 'incident.closed');
});

test('incident events: the single engine reports a subset of the cluster\'s states, in the same order, ending closed', () => {
  // A state saved twice in a row (a failure joined, a retry's bookkeeping) is one state here:
  // whether job_p2b joins before or after the first retry starts is a matter of timing.
  const changes = (states: string[]) => states.filter((state, i) => state !== states[i - 1]);
  for (const thread of ['p2', 'p0']) {
    const [one, many] = [changes(single.states[thread]), changes(cluster.states[thread])];
    let at = 0;
    for (const state of one) {
      while (at < many.length && many[at] !== state) at++;
      assert.ok(at < many.length, `${thread}: single ${one.join(' → ')} is not in cluster ${many.join(' → ')}`);
      at++;
    }
    assert.is(single.states[thread].at(-1), 'closed');
    assert.is(cluster.states[thread].at(-1), 'closed');
  }
});

test('nothing else is heard: no event of the job that succeeded, no connection event, no listener failure re-emitted', () => {
  assert.equal(single.strays, []);
  assert.equal(cluster.strays, []);
});

test('the API answers alike: done values, EngineErrors, stateOf and pending decisions, after stop()', () => {
  assert.equal(cluster.api, single.api);
  assert.equal(single.api.submitReturns, ['done', 'jobId']);
  assert.equal([single.api.okDone, single.api.p2Done, single.api.p2bDone, single.api.p0Done], ['succeeded', 'failed', 'failed', 'failed']);
  assert.equal(single.api.okAgain, ['job_ok', 'succeeded']);
  assert.equal(single.api.runs, { job_ok: 1, job_p2: 4, job_p2b: 1, job_p0: 4 });
  assert.is(single.api.decideFromListener, 'ok');
  assert.is(single.api.decideAgain, 'EngineError: incident-flow: decision "dec_…" is already approved by dana');
  assert.is(single.api.decideUnknown, 'EngineError: incident-flow: no decision "dec_nope"');
  assert.is(single.api.resolveClosed, 'EngineError: incident-flow: incident "inc_…" is not open');
  assert.match(String(single.api.submitUnknownKind), /^EngineError: .*no runner registered as "sendInvoices"; registered kinds: fail$/);
  assert.match(String(single.api.decideStopped), /^EngineError: incident-flow: decide: the engine is stopped/);
  assert.match(String(single.api.resolveStopped), /^EngineError: incident-flow: resolve: the engine is stopped/);
  assert.is(single.api.stateOfClosed, null);
  assert.equal(single.api.pending, []);
  assert.equal(single.api.listenerFailures, ['A subscribe() listener threw on a decision event (dec_…): listener bug']);
});

test('onFix gets the incident\'s context in both engines, once per incident', () => {
  assert.is(cluster.fixArgs.length, 2);
  assert.equal(cluster.fixArgs, single.fixArgs);
  assert.ok(single.fixArgs[0].split(',').includes('policy') && !single.fixArgs[0].split(',').includes('snapshot'), single.fixArgs[0]);
});

test('the incidents end alike in the store', () => {
  assert.equal(cluster.records, single.records);
  assert.is((single.records.p2 as { attached: number }).attached, 1);
  assert.equal(single.records.p0, { status: 'closed', state: 'closed', severity: 'P0', retries: 3, attached: 0, assignee: 'atlas', escalations: 2, decided: 'approved', reviewed: true, errorLog: ['Error log: 8 error-level audit entries for agent-b in the last hour'] });
});

test.run();

const board = suite('cluster parity: the Chairman\'s weekly summary');

/** Real time shifted back to one second before the Monday (00:00 UTC) this week began: the week before ends a second after the engine starts. */
function weekEndClock(): { clock: Clock; weekEnd: number } {
  const weekEnd = isoWeekStart(isoWeek(Date.now()));
  const offset = weekEnd - 1_000 - Date.now();
  return { weekEnd, clock: { now: () => Date.now() + offset, setTimeout: (fn, ms) => setTimeout(fn, ms), clearTimeout: (id) => clearTimeout(id as NodeJS.Timeout) } };
}

/** The board summaries and the Chairman's notices in a store, once there is one (read again until then). */
async function summaries(store: Store): Promise<{ docs: Array<{ title: string; body: string; tags: string[] }>; notices: string[] }> {
  return eventually(async () => {
    await store.refresh();
    const docs = store.list('kb_documents').filter((d) => d.tags.includes('board-summary'));
    const notices = store.list('notifications').filter((n) => n.to === 'chairman').map((n) => `${n.from} → ${n.to} at ${n.ts}: ${n.subject}`);
    return docs.length > 0 && notices.length > 0 ? { docs: docs.map(({ title, body, tags }) => ({ title, body, tags })), notices } : undefined;
  }, WAIT_MS, 'the weekly summary');
}

let boardDb: Awaited<ReturnType<typeof createTestDatabase>> | undefined;
board.after(async () => {
  await boardDb?.drop();
});

board('both engines write the summary of the week that ended, once, with its notice, and arm the next week\'s; the responders\' capacities configured hold', async () => {
  const { clock, weekEnd } = weekEndClock();
  const store = createMemoryStore();
  store.put('responders', { id: 'cheryl', capacity: 5, active: [], queue: [], updatedAt: new Date(0).toISOString() });
  const commits: StoreChange[] = [];
  store.subscribe((change) => commits.push(change));
  const one = createIncidentEngine({ store, clock, responders: { cheryl: { capacity: 2 } } });
  // Stopped whatever the assertions say: its timers (the next week's summary) would keep the run from ending.
  let single: Awaited<ReturnType<typeof summaries>>;
  try {
    single = await summaries(store);
    assert.is(store.get('responders', 'cheryl')?.capacity, 2, 'the capacity configured holds over the one stored');
    // The summary is in the store's memory as the deadline fires; the deadline rows are written as they stand
    // at the next commit (README, "Durable across restarts"): until it, the table shows this week's row. Read
    // once that commit is done, and check the summary, its notice and the next week's row landed in that one commit.
    await store.flush();
    assert.is(store.get('deadlines', '_board:weekly')?.dueAt, weekEnd + WEEK);
    const landed = commits.find((c) => c.rows.some((r) => r.table === 'kb_documents'))?.rows ?? [];
    const shown = landed.map((r) => (r.table === 'deadlines' ? `${r.id} due ${(r.row as DeadlineRecord | null)?.dueAt}` : r.table));
    assert.equal(shown, ['kb_documents', 'notifications', `_board:weekly due ${weekEnd + WEEK}`], 'the summary, its notice and the next week\'s deadline in one commit');
  } finally {
    await one.stop();
  }

  boardDb = await createTestDatabase('q10_parity_board');
  const shared = await openStore(boardDb.url, { shared: true });
  // A clock of its own: the first one has passed its week's end by now.
  const again = weekEndClock();
  assert.is(again.weekEnd, weekEnd);
  await boardDb.admin(`INSERT INTO responders (id, capacity, active, queue, updated_at) VALUES ('cheryl', 5, '{}', '{}', now())`);
  const many = createIncidentEngine({ store: shared, clock: again.clock, responders: { cheryl: { capacity: 2 } } });
  try {
    await many.ready;
    // Every responder's row, as one process keeps them: the one stored takes the capacity configured, the others are created with 5.
    const capacities = store.list('responders').map(({ id, capacity }) => ({ id, capacity })).sort((a, b) => (a.id < b.id ? -1 : 1));
    assert.equal(capacities, [{ id: 'atlas', capacity: 5 }, { id: 'cheryl', capacity: 2 }, { id: 'petra', capacity: 5 }]);
    assert.equal((await boardDb.admin(`SELECT id, capacity FROM responders ORDER BY id`)).rows, capacities, 'the capacity configured holds over the one stored');
    const cluster = await summaries(shared);
    assert.equal(cluster, single);
    assert.is(single.docs.length, 1);
    assert.is(single.docs[0].title, `Weekly incident summary ${isoWeek(weekEnd - WEEK)}`);
    assert.equal(single.notices, [`atlas → chairman at ${new Date(weekEnd).toISOString()}: ${single.docs[0].title}`]);
    const armed = (await boardDb.admin(`SELECT owner_id, kind, due_at FROM cluster_deadlines`)).rows;
    assert.equal(armed, [{ owner_id: '_board', kind: 'weekly', due_at: String(weekEnd + WEEK) }]);
  } finally {
    await many.stop();
    await shared.close();
  }
});

board.run();
