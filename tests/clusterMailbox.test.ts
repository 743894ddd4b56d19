/**
 * The responders' mailboxes (agents/cluster/responderMailbox.ts): a step posts Cheryl's
 * assign or release and locks nothing of hers; the events are applied through the
 * responder machine by whichever process takes her row (SKIP LOCKED). Checked against a
 * real server: two appliers, as two processes have (a pool each), with 24 posters at once
 * over a capacity of 3 — every incident taken once, never more than 3 held, nothing left
 * waiting (a wake-up lost would leave a poster waiting for its incident to be taken); and
 * events a killed process posted and never applied, applied by a running engine's sweep,
 * to the same active list and queue the responder machine gives; and an acknowledgement
 * that comes due while its release waits in the mailbox, its incident already escalated,
 * is stale.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import pg from 'pg';
import { createActor } from 'xstate';
import { createIncidentEngine } from '../agents/engine.js';
import type { IncidentEngine } from '../agents/types.js';
import type { ClusterContext } from '../agents/cluster/commitStep.js';
import type { QueuedWork } from '../agents/cluster/bossQueue.js';
import { batchOf, track, type Sql } from '../agents/cluster/pgRows.js';
import { post, ResponderMailbox, type MailboxHost } from '../agents/cluster/responderMailbox.js';
import { transaction } from '../agents/cluster/transactions.js';
import { responderMachine } from '../machines/responderMachine.js';
import { createClient, createPool, parseTarget } from '../store/postgres/connection.js';
import { openStore } from '../store/index.js';
import type { Store } from '../store/types.js';
import { eventually } from './helpers/clusterProcs.js';
import { createTestDatabase } from './helpers/pgDatabase.js';

const test = suite('cluster: the responders\' mailboxes');

const WAIT_MS = 60_000;
const CAPACITY = 3;

let db: Awaited<ReturnType<typeof createTestDatabase>> | undefined;
let store: Store | undefined;
let engine: IncidentEngine | undefined;
const pools: pg.Pool[] = [];

test.after(async () => {
  await engine?.stop();
  await store?.close();
  for (const pool of pools) await pool.end();
  await db?.drop();
});

/** A process's mailbox over a pool of its own: transactions as ClusterHost runs them (the batch sent with the COMMIT); acknowledgement jobs recorded, not queued. */
function applier(url: string, acks: string[]): { mailbox: ResponderMailbox; idle: () => Promise<void>; tx: (work: (sql: Sql) => void) => Promise<void> } {
  const pool = createPool(parseTarget(url), 4, true);
  pools.push(pool);
  const running = new Set<Promise<unknown>>();
  const tx = async (work: (sql: Sql, none: unknown, also: pg.QueryResult[]) => Promise<unknown> | unknown, also: readonly pg.QueryConfig[] = []) => {
    await transaction(pool, async (sql, first) => {
      track(sql);
      return work(sql, undefined, first);
    }, { withBegin: also, lastWrite: (sql) => batchOf(sql).take(sql) });
  };
  const host: MailboxHost = {
    tx: (work, _id, also) => tx(work, also),
    read: (work) => transaction(pool, work, { plain: true }),
    track: (work) => {
      running.add(work);
      void work.finally(() => running.delete(work)).catch(() => undefined);
      return work;
    },
  };
  const queue = { insert: async (_into: unknown, items: readonly QueuedWork[]) => { for (const item of items) if (item.data.t === 'deadline') acks.push(item.data.kind); } };
  const cx = { rt: { clock: { now: () => Date.now() } }, queue, responders: { cheryl: { capacity: CAPACITY } }, channel: 'unused' } as unknown as ClusterContext;
  return {
    mailbox: new ResponderMailbox(host, cx),
    idle: async () => { while (running.size > 0) await Promise.allSettled([...running]); },
    tx: (work) => tx(work),
  };
}

const heldAcks = async (): Promise<string[]> => (await db!.admin(`SELECT kind FROM cluster_deadlines WHERE owner_id = 'cheryl' ORDER BY kind`)).rows.map((r) => r.kind as string);

test('24 posters at once through two appliers: each incident taken once, never over capacity, no wake-up lost', async () => {
  db = await createTestDatabase('h2_mailbox');
  // The schema, migrated by a store opened once.
  await (await openStore(db.url, { shared: true })).close();
  await db.admin(`INSERT INTO responders (id, capacity, active, queue, updated_at) VALUES ('cheryl', $1, '{}', '{}', now())`, [CAPACITY]);
  const acks: string[] = [];
  const processes = [applier(db.url, acks), applier(db.url, acks)];
  let peak = 0;
  let watching = true;
  const watch = (async () => {
    while (watching) {
      peak = Math.max(peak, (await heldAcks()).length);
      await new Promise((r) => setTimeout(r, 5));
    }
  })();

  // Each poster: assign, wait to be taken (its acknowledgement armed), hold a moment, release — through either process.
  const incidents = Array.from({ length: 120 }, (_, i) => `inc_${String(i).padStart(3, '0')}`);
  const send = async (incidentId: string, type: 'work.assign' | 'work.release') => {
    const p = processes[Math.floor(Math.random() * processes.length)];
    await p.tx((sql) => void post(batchOf(sql), incidentId, [{ type, responder: 'cheryl' }]));
    p.mailbox.wake('cheryl');
  };
  let next = 0;
  await Promise.all(Array.from({ length: 24 }, async () => {
    while (next < incidents.length) {
      const incidentId = incidents[next++];
      await send(incidentId, 'work.assign');
      await eventually(async () => ((await heldAcks()).includes(`ack:${incidentId}`) ? true : undefined), WAIT_MS, `${incidentId} taken`);
      await new Promise((r) => setTimeout(r, Math.random() * 10));
      await send(incidentId, 'work.release');
    }
  }));
  for (const p of processes) await p.idle();
  watching = false;
  await watch;

  assert.equal([...acks].sort(), incidents.map((id) => `ack:${id}`), 'each incident taken once');
  assert.ok(peak <= CAPACITY, `at most ${CAPACITY} held at once (seen ${peak})`);
  assert.ok(peak === CAPACITY, `the posters kept Cheryl full (seen ${peak})`);
  assert.equal((await db.admin(`SELECT count(*)::int AS n FROM cluster_responder_requests`)).rows[0].n, 0, 'every event applied');
  assert.equal((await db.admin(`SELECT active, queue FROM responders WHERE id = 'cheryl'`)).rows[0], { active: [], queue: [] });
  assert.equal(await heldAcks(), []);
});

test('an event posted while another process applies Cheryl\'s: that one looks again after its commit and applies it', async () => {
  const acks: string[] = [];
  const [a, b] = [applier(db!.url, acks), applier(db!.url, acks)];
  // B's apply is made slow: its write (an acknowledgement's deadline) waits for this lock, while B holds Cheryl's row.
  const blocker = createClient(parseTarget(db!.url));
  await blocker.connect();
  try {
    await blocker.query('BEGIN');
    await blocker.query('LOCK TABLE cluster_deadlines IN SHARE MODE');
    await b.tx((sql) => void post(batchOf(sql), 'inc_x', [{ type: 'work.assign', responder: 'cheryl' }]));
    b.mailbox.wake('cheryl');
    await eventually(async () => ((await db!.admin(`SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE '%cluster_deadlines%'`)).rows.length > 0 ? true : undefined), WAIT_MS, 'B applying, held up');
    // A posts and finds Cheryl's row taken: it leaves the event to B.
    await a.tx((sql) => void post(batchOf(sql), 'inc_y', [{ type: 'work.assign', responder: 'cheryl' }]));
    a.mailbox.wake('cheryl');
    await a.idle();
    assert.equal(await heldAcks(), [], 'nothing applied while B is held up');
    await blocker.query('COMMIT');
    await b.idle();
  } finally {
    await blocker.end();
  }
  assert.equal(await heldAcks(), ['ack:inc_x', 'ack:inc_y'], 'B applied A\'s event after its own commit, without a sweep');
  assert.equal((await db!.admin(`SELECT active, queue FROM responders WHERE id = 'cheryl'`)).rows[0], { active: ['inc_x', 'inc_y'], queue: [] });
  // Released, for the next test.
  await a.tx((sql) => {
    post(batchOf(sql), 'inc_x', [{ type: 'work.release', responder: 'cheryl' }]);
    post(batchOf(sql), 'inc_y', [{ type: 'work.release', responder: 'cheryl' }]);
  });
  a.mailbox.wake('cheryl');
  await a.idle();
  assert.equal(await heldAcks(), []);
});

test('events a killed process posted and never applied: a running engine\'s sweep applies them, as the responder machine does', async () => {
  store = await openStore(db!.url, { shared: true });
  // Acknowledgements an hour away: they stay armed, to be read.
  engine = createIncidentEngine({ store, responders: { cheryl: { capacity: 1, ack: 3_600_000 } } });
  await engine.ready;
  const machine = createActor(responderMachine, { input: { id: 'cheryl', capacity: 1 } }).start();
  const posted = async (events: Array<['work.assign' | 'work.release', string]>) => {
    // As a process killed after its commit leaves them: committed, older than the sweep's age, nobody applying them.
    for (const [type, incidentId] of events) {
      await db!.admin(`INSERT INTO cluster_responder_requests (responder, incident_id, type, requested_at) VALUES ('cheryl', $1, $2, now() - interval '1 minute')`, [incidentId, type]);
      machine.send({ type, incidentId });
    }
    await eventually(async () => ((await db!.admin(`SELECT count(*)::int AS n FROM cluster_responder_requests`)).rows[0].n === 0 ? true : undefined), WAIT_MS, 'the events applied');
    const { active, queue } = machine.getSnapshot().context;
    assert.equal((await db!.admin(`SELECT active, queue FROM responders WHERE id = 'cheryl'`)).rows[0], { active, queue }, 'the row as the machine has it');
    assert.equal(await heldAcks(), active.map((id) => `ack:${id}`), 'an acknowledgement armed for each incident in hand, and only for those');
  };
  await posted([['work.assign', 'inc_a'], ['work.assign', 'inc_b'], ['work.assign', 'inc_c']]);
  await posted([['work.release', 'inc_a'], ['work.release', 'inc_c']]);
  await posted([['work.release', 'inc_b']]);
  machine.stop();
});

test('an acknowledgement due after its incident left the stage, the release still in the mailbox: stale, not taken for the next responder\'s', async () => {
  const ackDb = await createTestDatabase('h2_mailbox_ack');
  const ackStore = await openStore(ackDb.url, { shared: true });
  // Cheryl takes the incident and would acknowledge in 5 s; it escalates to Petra at 2 s (the acknowledgement timeout).
  // Without the stale check her acknowledgement would be taken for Petra's (or Atlas's): the stage's queued state takes any.
  const ackEngine = createIncidentEngine({
    store: ackStore,
    config: { RETRY_DELAYS_MS: [0, 0, 0], ACK_TIMEOUT_MS: 2_000 },
    jobs: { fail: async () => { throw new Error('feature broken'); } },
    responders: { cheryl: { ack: 5_000 }, petra: { ack: 600_000 }, atlas: { ack: 600_000 } },
  });
  const holder = createClient(parseTarget(ackDb.url));
  try {
    await ackEngine.ready;
    await holder.connect();
    await ackEngine.submit({ id: 'job_ack', kind: 'fail', agent: 'agent-a', impact: { kind: 'feature-broken' } }).done;
    const incidentId = await eventually(async () => (await ackDb.admin(`SELECT owner_id, kind FROM cluster_deadlines WHERE owner_id = 'cheryl'`)).rows[0]?.kind.replace(/^ack:/, '') as string | undefined, WAIT_MS, 'Cheryl taking the incident');
    // Cheryl's row held: the escalation's release waits in her mailbox, her acknowledgement stays armed.
    await holder.query('BEGIN');
    await holder.query(`SELECT id FROM responders WHERE id = 'cheryl' FOR UPDATE`);
    const state = async () => (await ackDb.admin(`SELECT state FROM incidents WHERE id = $1`, [incidentId])).rows[0].state as string;
    assert.is(await state(), 'triaged.queued', 'held before the escalation');
    // Escalated to Petra (and, her acknowledgement 10 minutes away, on to Atlas at the next timeout).
    const waiting = ['coordinated.queued', 'executive.queued'];
    await eventually(async () => (waiting.includes(await state()) ? true : undefined), WAIT_MS, 'the escalation to Petra');
    await eventually(async () => ((await ackDb.admin(`SELECT 1 FROM cluster_deadlines WHERE owner_id = 'cheryl'`)).rows.length === 0 ? true : undefined), WAIT_MS, 'Cheryl\'s acknowledgement fired');
    await holder.query('COMMIT');
    // Released: applied by the sweep (the holder was no applier, so nobody looked again after it).
    await eventually(async () => ((await ackDb.admin(`SELECT cardinality(active) AS n FROM responders WHERE id = 'cheryl'`)).rows[0].n === 0 ? true : undefined), WAIT_MS, 'Cheryl\'s release applied');
    assert.ok(waiting.includes(await state()), 'still waiting for Petra or Atlas');
    const acks = (await ackDb.admin(`SELECT actor FROM audit_log WHERE entity_id = $1 AND action = 'incident.acknowledged'`, [incidentId])).rows;
    assert.equal(acks, [], 'no acknowledgement: Cheryl\'s came after she was released, Petra\'s and Atlas\'s are not due');
  } finally {
    await holder.end().catch(() => undefined);
    await ackEngine.stop();
    await ackStore.close();
    await ackDb.drop();
  }
});

test.run();
