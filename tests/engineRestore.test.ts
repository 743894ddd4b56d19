import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { JobRunner } from '../agents/types.js';
import { VirtualClock } from '../sim/virtualClock.js';
import { canonicalJson } from '../store/canonicalJson.js';
import { createMemoryStore } from '../store/memoryStore.js';
import { HOUR, MIN, SEC, T0, createHarness, failing, type HarnessOptions } from './helpers/engineHarness.js';

/**
 * An engine over a store and a clock, then a second one over the same store after the
 * first stopped: a restart on virtual time (tests/durability.test.ts kills real processes).
 */
function restartable(options: HarnessOptions = {}) {
  const store = createMemoryStore();
  const clock = new VirtualClock({ start: T0 });
  const first = createHarness({ store, clock, fixAfterMs: null, ...options });
  return {
    first,
    async restart(more: HarnessOptions = {}) {
      await first.engine.stop();
      return createHarness({ store, clock, fixAfterMs: null, seed: 2, ...options, ...more });
    },
  };
}

// ---------------------------------------------------------------------------
const Restore = suite('engine: restart over the same store');

Restore('an open incident\'s record, snapshot included, is written in canonical key order: the store stores it without sorting a copy', async () => {
  const { first } = restartable();
  // Fails, then its retries hang a while: an attempt under way is a child actor in the snapshot.
  let calls = 0;
  const fail = failing('retryable one');
  const run: JobRunner = (...args) => (calls++ === 0 ? fail(...args) : new Promise((resolve) => setTimeout(resolve, 5)).then(() => fail(...args)));
  first.engine.submit({ agent: 'billing', workflow: 'invoice-run', run });
  const states = new Set<string>();
  for (let t = 0; t < 40; t++) {
    await first.run(SEC);
    const [open] = first.incidents();
    const record = first.store.get('incidents', open.id)!;
    assert.ok(record.snapshot, 'an open incident keeps its snapshot');
    assert.is(JSON.stringify(record), canonicalJson(record), record.state);
    states.add(`${record.state}${Object.keys((record.snapshot as { children: object }).children).length ? ' (an attempt under way)' : ''}`);
  }
  assert.ok([...states].some((state) => state.endsWith('(an attempt under way)')), [...states].join(', '));
});

Restore("each responder's hands and queue come back as they were, capacity kept", async () => {
  const { first, restart } = restartable({ responders: { cheryl: { ack: MIN, capacity: 1 } }, config: { ACK_TIMEOUT_MS: 10 * HOUR } });
  // Opened first, but reaches Cheryl last (after its retries): it waits behind the other.
  first.engine.submit({ agent: 'billing', workflow: 'invoice-run', run: failing('retryable one') });
  await first.run(SEC);
  first.engine.submit({ agent: 'mailer', workflow: 'email-send', run: failing('bad payload'), retryable: () => false });
  await first.run(5 * MIN);
  const [waiting, working] = first.incidents().map((i) => i.id);
  assert.equal([first.engine.stateOf(waiting), first.engine.stateOf(working)], ['triaged.queued', 'triaged.fixing']);
  const held = first.store.get('responders', 'cheryl')!;
  assert.equal([held.active, held.queue], [[working], [waiting]]);

  const second = await restart();
  const back = second.store.get('responders', 'cheryl')!;
  assert.equal([back.active, back.queue], [[working], [waiting]]);
  await second.run(30 * MIN);
  // Cheryl does not pick up the waiting one while her hands are full...
  assert.is(second.engine.stateOf(waiting), 'triaged.queued');
  second.engine.resolve(working, { by: 'cheryl' });
  await second.run(2 * MIN);
  // ...and takes it once they are free.
  assert.is(second.engine.stateOf(waiting), 'triaged.fixing');
  assert.equal(second.store.get('responders', 'cheryl')!.active, [waiting]);
});

Restore('an attempt that was running when the engine stopped is run again, and the ladder goes on', async () => {
  const calls: string[] = [];
  const slow: JobRunner = ({ attempt }) => {
    calls.push(`first engine, run ${attempt}`);
    if (attempt === 0) throw new Error('ECONNRESET');
    return new Promise(() => {}); // never ends: the engine stops under it
  };
  const { first, restart } = restartable({ jobs: { sync: slow } });
  first.engine.submit({ agent: 'billing', workflow: 'invoice-run', kind: 'sync' });
  await first.run(SEC);
  const [incident] = first.incidents();
  assert.is(incident.state, 'retrying.attempting');

  const second = await restart({
    jobs: {
      sync: ({ attempt }) => {
        calls.push(`second engine, run ${attempt}`);
        throw new Error('ECONNRESET');
      },
    },
  });
  assert.is(second.engine.stateOf(incident.id), 'retrying.attempting');
  await second.run(MIN);
  assert.equal(calls, ['first engine, run 0', 'first engine, run 1', 'second engine, run 1', 'second engine, run 2', 'second engine, run 3']);
  const after = second.store.get('incidents', incident.id)!;
  assert.equal(after.retries.map((r) => [r.attempt, Date.parse(r.at) - T0]), [[1, SEC], [2, 6 * SEC], [3, 31 * SEC]]);
  assert.is(after.state, 'triaged.queued');
  const ids = second.audit().map((e) => e.id);
  assert.is(new Set(ids).size, ids.length);
});

Restore('jobs waiting on a paused workflow survive the restart and run once it resumes', async () => {
  const ran: string[] = [];
  const jobs: Record<string, JobRunner> = {
    rollout: failing('database down'),
    invoice: ({ input }) => void ran.push(String(input)),
  };
  const { first, restart } = restartable({ jobs });
  first.engine.submit({ agent: 'billing', workflow: 'invoice-run', kind: 'rollout', impact: { kind: 'platform-down' } });
  await first.run(5 * MIN);
  assert.is(first.store.get('workflows', 'invoice-run')!.status, 'paused');
  const waiting = ['march', 'april'].map((input) => first.engine.submit({ agent: 'billing', workflow: 'invoice-run', kind: 'invoice', input }).jobId);
  await first.run(MIN);
  assert.equal(ran, []);

  const second = await restart();
  await second.run(MIN);
  assert.equal(ran, [], 'still paused after the restart');
  const [incident] = second.incidents();
  second.engine.resolve(incident.id, { by: second.engine.stateOf(incident.id)!.startsWith('executive') ? 'atlas' : 'petra' });
  await second.run(MIN);
  assert.equal(ran, ['march', 'april']);
  for (const id of waiting) assert.is(second.store.get('jobs', id)!.status, 'succeeded');
});

Restore.run();
