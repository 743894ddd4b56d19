import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createIncidentEngine } from '../agents/engine.js';
import { EngineError, type EngineOptions } from '../agents/types.js';
import { openStore } from '../store/index.js';
import { createMemoryStore } from '../store/memoryStore.js';
import { eventually } from './helpers/clusterProcs.js';
import { createTestDatabase } from './helpers/pgDatabase.js';
import { nextTurn, VirtualClock } from '../sim/virtualClock.js';

/**
 * Whatever a subscriber or a job throws, or however long a job hangs, the engine loop
 * goes on: the incident opens, the error is in the audit log, `done` settles.
 */

const engineWith = (jobs: EngineOptions['jobs'] = {}, config: EngineOptions['config'] = {}) => {
  const clock = new VirtualClock({ start: Date.UTC(2026, 2, 2, 14) });
  return { clock, engine: createIncidentEngine({ store: createMemoryStore(), clock, jobs, config }) };
};
/** `done`, or a failure if it has not settled within 2 s of real time (the bug was that it never did). */
const settled = <T>(done: Promise<T>) =>
  Promise.race([done, new Promise<never>((_, reject) => setTimeout(() => reject(new Error('done never settled')), 2_000))]);
const actions = (engine: ReturnType<typeof createIncidentEngine>) => engine.store.queryAudit().rows.map((r) => r.action);

const listeners = suite('engine: a throwing subscribe() listener');

listeners('does not stop the incident from opening; the error is audited as engine.listener_failed', async () => {
  const { engine } = engineWith({ invoices: () => { throw new Error('invoice API 503'); } });
  let thrown = 0;
  engine.subscribe((e) => {
    if (e.type === 'audit' && e.entry.action === 'job.failed' && thrown++ === 0) throw new Error('listener bug');
  });
  const seen: string[] = [];
  engine.subscribe((e) => e.type === 'audit' && seen.push(e.entry.action));
  const { done } = engine.submit({ agent: 'billing', kind: 'invoices' });
  assert.is(await settled(done), 'failed');
  assert.is(engine.store.list('incidents').length, 1, 'the incident opened');
  const failed = engine.store.queryAudit({ action: 'engine.listener_failed' }).rows;
  assert.is(failed.length, 1);
  assert.is(failed[0].level, 'error');
  assert.match(failed[0].message, /listener bug/);
  assert.equal((failed[0].meta as Record<string, unknown>).about, 'job.failed');
  assert.ok(seen.includes('incident.detected'), 'the other listeners still got every event');
  await engine.stop();
});

listeners('over PostgreSQL (one of N engine processes) too: audited in a transaction of its own', async () => {
  const db = await createTestDatabase('k12_engine_isolation');
  try {
    const store = await openStore(db.url, { shared: true });
    const engine = createIncidentEngine({ store, jobs: { invoices: () => { throw new Error('invoice API 503'); } } });
    let thrown = 0;
    engine.subscribe((e) => {
      if (e.type === 'audit' && e.entry.action === 'incident.detected' && thrown++ === 0) throw new Error('listener bug');
    });
    const { done } = engine.submit({ agent: 'billing', kind: 'invoices', retryable: () => false });
    assert.is(await done, 'failed');
    const failed = await eventually(async () => (await db.admin(`SELECT level, message, meta FROM audit_log WHERE action = 'engine.listener_failed'`)).rows[0], 30_000, 'engine.listener_failed');
    assert.is(failed.level, 'error');
    assert.match(failed.message, /listener bug/);
    assert.is(failed.meta.about, 'incident.detected');
    assert.is((await db.admin('SELECT count(*)::int AS n FROM incidents')).rows[0].n, 1, 'the incident opened');
    await engine.stop();
    await store.close();
  } finally {
    await db.drop();
  }
});

listeners("cannot edit the store's row through the audit entry it is handed (the memory store keeps the engine's object)", async () => {
  const { engine } = engineWith({ invoices: () => { throw new Error('invoice API 503'); } });
  const tried: string[] = [];
  engine.subscribe((e) => {
    if (e.type !== 'audit' || e.entry.action !== 'job.failed') return;
    for (const edit of [() => (e.entry.message = 'edited'), () => (e.entry.meta.error = 'edited')]) {
      try {
        edit();
        tried.push('edited');
      } catch (error) {
        tried.push((error as Error).name);
      }
    }
  });
  const { done } = engine.submit({ agent: 'billing', kind: 'invoices' });
  assert.is(await settled(done), 'failed');
  assert.equal(tried.slice(0, 2), ['TypeError', 'TypeError'], 'the entry and its meta are frozen');
  const [row] = engine.store.queryAudit({ action: 'job.failed', limit: 1 }).rows;
  assert.is.not(row.message, 'edited');
  assert.is.not(row.meta.error, 'edited');
  assert.is(engine.store.queryAudit({ action: 'engine.listener_failed' }).total, 0, 'the listener caught its own TypeErrors');
});

listeners("cannot edit the store's row through an array or object nested in the entry's meta either (frozen)", async () => {
  // Not retryable: straight to Cheryl, whose triage row carries her findings (an array) and
  // the impact (an object, the incident's own); her mitigation and escalation rows too.
  const error = Object.assign(new Error('ledger corrupted'), { retryable: false });
  const { clock, engine } = engineWith({ ledger: () => { throw error; } });
  const [tried, edited]: string[][] = [[], []];
  engine.subscribe((e) => {
    if (e.type !== 'audit') return;
    for (const [key, value] of Object.entries(e.entry.meta)) {
      if (typeof value !== 'object' || value === null) continue;
      tried.push(`${e.entry.action} ${key}`);
      try {
        if (Array.isArray(value)) value.push('edited');
        else (value as Record<string, unknown>).edited = true;
        edited.push(`${e.entry.action} ${key}`);
      } catch {
        // Frozen: the edit is refused, which keeps the row (and the incident's record) as well.
      }
    }
  });
  const { done } = engine.submit({ agent: 'billing', kind: 'ledger', impact: { kind: 'data-integrity', dataCompromised: true } });
  assert.is(await settled(done), 'failed');
  await clock.advanceByAsync(3_600_000);
  assert.ok(tried.includes('incident.triage findings') && tried.includes('incident.triage impact'), `the listener reached nested values: ${tried.join(', ')}`);
  assert.equal(edited, [], 'every nested array and object is frozen');
  const rows = engine.store.queryAudit({ limit: 1000 }).rows.filter((r) => JSON.stringify(r.meta).includes('edited'));
  assert.equal(rows.map((r) => r.action), [], 'no stored row shows the edit');
  const [incident] = engine.store.list('incidents');
  assert.not.ok(JSON.stringify(incident).includes('edited'), 'nor does the incident record, which holds the same objects');
  await engine.stop();
});

const thrown = suite('engine: a job that throws something odd');

const odd: Array<[string, () => unknown]> = [
  ['Object.create(null)', () => Object.create(null)],
  ['an object whose toString throws', () => ({ toString() { throw new Error('no'); } })],
  ['an Error whose stack getter throws', () => Object.defineProperty(new Error('stackless'), 'stack', { get() { throw new Error('no stack'); } })],
  ['an Error whose message getter throws', () => Object.defineProperty(new Error('x'), 'message', { get() { throw new Error('no message'); } })],
  ['a revoked Proxy', () => { const p = Proxy.revocable({}, {}); p.revoke(); return p.proxy; }],
];
for (const [what, make] of odd) {
  thrown(`opens the incident and audits job.failed when a job throws ${what}`, async () => {
    const { engine } = engineWith({ odd: () => { throw make(); } });
    const { jobId, done } = engine.submit({ agent: 'billing', kind: 'odd' });
    assert.is(await settled(done), 'failed');
    assert.is(engine.store.get('jobs', jobId)?.status === 'running', false, 'the job does not stay running');
    assert.is(engine.store.queryAudit({ action: 'job.failed' }).total, 1);
    assert.is(engine.store.list('incidents').length, 1);
    assert.ok(actions(engine).includes('incident.detected'));
    await engine.stop();
  });
}

thrown('a job whose assess or retryable callback throws still opens its incident', async () => {
  const clock = new VirtualClock({ start: 0 });
  const engine = createIncidentEngine({ store: createMemoryStore(), clock, assess: () => { throw new Error('assess bug'); } });
  const { done } = engine.submit({ agent: 'billing', run: () => { throw new Error('boom'); }, retryable: () => { throw new Error('retryable bug'); } });
  assert.is(await settled(done), 'failed');
  assert.is(engine.store.list('incidents').length, 1);
  await engine.stop();
});

const timeout = suite('engine: JOB_TIMEOUT_MS');

timeout('fails a job that never settles as retryable and frees the agent for its next job', async () => {
  const { clock, engine } = engineWith({ hang: () => new Promise(() => {}), quick: async () => {} }, { JOB_TIMEOUT_MS: 60_000 });
  const first = engine.submit({ agent: 'billing', kind: 'hang' });
  const second = engine.submit({ agent: 'billing', kind: 'quick' });
  await nextTurn();
  assert.is(engine.store.get('jobs', second.jobId)?.status, 'queued', 'waits behind the hung job');
  await clock.advanceByAsync(60_000);
  assert.is(await settled(first.done), 'failed');
  assert.is(await settled(second.done), 'succeeded', 'the agent took its next job');
  const failed = engine.store.queryAudit({ action: 'job.failed' }).rows[0];
  assert.match(failed.message, /did not finish within JOB_TIMEOUT_MS \(60000 ms\)/);
  const incident = engine.store.list('incidents')[0];
  assert.is(incident.error.retryable, true);
  assert.is(incident.error.name, 'JobTimeoutError');
  await engine.stop();
});

timeout('defaults to 10 minutes and arms no timer for a job that returns at once', async () => {
  const { clock, engine } = engineWith({ sync: () => {} });
  assert.is(engine.store.list('incidents').length, 0);
  const before = clock.pending();
  const { done } = engine.submit({ agent: 'billing', kind: 'sync' });
  assert.is(await done, 'succeeded');
  assert.is(clock.pending(), before);
  const { engine: e2 } = engineWith({ slow: () => new Promise((r) => setTimeout(r, 5)) });
  const slow = e2.submit({ agent: 'billing', kind: 'slow' });
  assert.is(await slow.done, 'succeeded', 'a job well within the default is not cut');
  await engine.stop();
  await e2.stop();
});

const stopped = suite('engine: after stop()');

stopped('submit throws EngineError and writes nothing', async () => {
  const { engine } = engineWith({ invoices: () => { throw new Error('503'); } });
  await engine.stop();
  const rows = engine.store.auditCount();
  assert.throws(() => engine.submit({ agent: 'billing', kind: 'invoices' }), (e: unknown) => e instanceof EngineError && /stopped/.test((e as Error).message));
  await nextTurn();
  assert.is(engine.store.auditCount(), rows);
  assert.is(engine.store.list('jobs').length, 0);
});

stopped('over PostgreSQL (one of N engine processes) too', async () => {
  const db = await createTestDatabase('k12_engine_isolation');
  try {
    const store = await openStore(db.url, { shared: true });
    const engine = createIncidentEngine({ store, jobs: { invoices: () => { throw new Error('503'); } } });
    await (engine as { ready?: Promise<void> }).ready;
    await engine.stop();
    assert.throws(() => engine.submit({ agent: 'billing', kind: 'invoices' }), (e: unknown) => e instanceof EngineError && /stopped/.test((e as Error).message));
    assert.is((await db.admin('SELECT count(*)::int AS n FROM jobs')).rows[0].n, 0);
    await store.close();
  } finally {
    await db.drop();
  }
});

listeners.run();
thrown.run();
timeout.run();
stopped.run();
