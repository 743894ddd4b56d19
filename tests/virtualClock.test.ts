import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { assign, createActor, fromPromise, setup } from 'xstate';
import { VirtualClock } from '../sim/virtualClock.js';

const T0 = Date.parse('2026-03-02T14:00:00Z');

const timers = suite('VirtualClock timers');

timers('fires timers in due order, ties in the order they were set, with now() at each due time', () => {
  const clock = new VirtualClock({ start: T0 });
  const log: string[] = [];
  const at = (name: string) => () => log.push(`${name}@${clock.now() - T0}`);
  clock.setTimeout(at('c'), 300);
  clock.setTimeout(at('a1'), 100);
  clock.setTimeout(at('b'), 200);
  clock.setTimeout(at('a2'), 100);
  clock.setTimeout(at('zero'), 0);
  const result = clock.advanceTo(T0 + 250);
  assert.equal(log, ['zero@0', 'a1@100', 'a2@100', 'b@200']);
  assert.equal(result, { fired: 4, reason: 'until' });
  assert.is(clock.now(), T0 + 250);
  assert.is(clock.pending(), 1);
  assert.is(clock.nextDueAt(), T0 + 300);
});

timers('a timer set later in a reserved place fires where it would have if set at the reservation', () => {
  const clock = new VirtualClock({ start: T0 });
  const log: string[] = [];
  const at = (name: string) => () => log.push(`${name}@${clock.now() - T0}`);
  clock.setTimeout(at('before'), 100);
  const first = clock.reserve(2);
  clock.setTimeout(at('after'), 100);
  clock.setTimeout(at('early'), 50);
  clock.advanceTo(T0 + 50);
  // Set once the clock is at 50, for 100: ties with the timers set around the reservation.
  assert.is(clock.setTimeoutAt(at('second'), T0 + 100, first + 1), first + 1);
  clock.setTimeoutAt(at('first'), T0 + 100, first);
  clock.advanceTo(T0 + 100);
  assert.equal(log, ['early@50', 'before@100', 'first@100', 'second@100', 'after@100']);
  assert.throws(() => clock.setTimeoutAt(at('x'), T0 + 200, first + 5), /not reserved/);
  clock.setTimeoutAt(at('again'), T0 + 200, first);
  assert.throws(() => clock.setTimeoutAt(at('x'), T0 + 200, first), /taken/);
});

timers('fires timers set by firing callbacks when they fall within the advance', () => {
  const clock = new VirtualClock();
  const log: number[] = [];
  // A retry ladder: each timer sets the next, 0 s, 5 s, 25 s apart.
  const step = (delays: number[]) => () => {
    log.push(clock.now());
    if (delays.length) clock.setTimeout(step(delays.slice(1)), delays[0]);
  };
  clock.setTimeout(step([5_000, 25_000, 60_000]), 0);
  clock.advanceBy(30_000);
  assert.equal(log, [0, 5_000, 30_000]);
  assert.is(clock.nextDueAt(), 90_000);
  assert.is(clock.now(), 30_000);
});

timers('a timer set for the current instant by a callback fires in the same advance', () => {
  const clock = new VirtualClock();
  const log: string[] = [];
  clock.setTimeout(() => {
    log.push('outer');
    clock.setTimeout(() => log.push('inner'), 0);
  }, 10);
  clock.advanceTo(10);
  assert.equal(log, ['outer', 'inner']);
});

timers('cleared timers never fire, including one cleared by an earlier timer at the same instant', () => {
  const clock = new VirtualClock();
  const log: string[] = [];
  const victim = clock.setTimeout(() => log.push('victim'), 10);
  clock.setTimeout(() => log.push('kept'), 10);
  clock.setTimeout(() => clock.clearTimeout(victim), 5);
  const other = clock.setTimeout(() => log.push('other'), 7);
  clock.clearTimeout(other);
  clock.clearTimeout(other); // twice: no effect
  clock.clearTimeout('not-an-id');
  assert.is(clock.pending(), 3);
  clock.advanceTo(20);
  assert.equal(log, ['kept']);
  assert.is(clock.pending(), 0);
  assert.is(clock.nextDueAt(), null);
});

timers('negative and non-finite delays count as zero', () => {
  const clock = new VirtualClock({ start: 100 });
  clock.setTimeout(() => {}, -5);
  clock.setTimeout(() => {}, Number.NaN);
  assert.is(clock.nextDueAt(), 100);
  assert.is(clock.advanceBy(0).fired, 2);
});

timers('runUntilIdle stops when idle, at a horizon, or after maxTimers', () => {
  const clock = new VirtualClock();
  for (const ms of [10, 20, 30]) clock.setTimeout(() => {}, ms);
  assert.equal(clock.runUntilIdle({ maxTimers: 1 }), { fired: 1, reason: 'maxTimers' });
  assert.is(clock.now(), 10);
  assert.equal(clock.runUntilIdle({ until: 25 }), { fired: 1, reason: 'until' });
  assert.is(clock.now(), 25);
  assert.equal(clock.runUntilIdle(), { fired: 1, reason: 'idle' });
  assert.is(clock.now(), 30);
  // A self-rearming timer needs the guard.
  const tick = () => clock.setTimeout(tick, 1_000);
  tick();
  assert.equal(clock.runUntilIdle({ maxTimers: 100 }), { fired: 100, reason: 'maxTimers' });
});

timers('refuses to go back in time or to advance from inside a timer', () => {
  const clock = new VirtualClock({ start: 1_000 });
  assert.throws(() => clock.advanceTo(999), /cannot move from 1000 to 999/);
  clock.setTimeout(() => clock.advanceBy(10), 1);
  assert.throws(() => clock.advanceBy(5), /already advancing/);
  // The failed run released the clock: it can be advanced again.
  assert.is(clock.advanceBy(5).fired, 0);
});

timers('a throwing callback stops the advance at its due time and leaves later timers queued', () => {
  const clock = new VirtualClock();
  const log: number[] = [];
  clock.setTimeout(() => {
    throw new Error('boom');
  }, 10);
  clock.setTimeout(() => log.push(clock.now()), 20);
  assert.throws(() => clock.advanceTo(100), /boom/);
  assert.is(clock.now(), 10);
  assert.is(clock.pending(), 1);
  clock.advanceTo(100);
  assert.equal(log, [20]);
});

timers('fires in due order among 100,000 timers with heavy clearing', () => {
  const clock = new VirtualClock();
  let fired = 0;
  const ids: number[] = [];
  for (let i = 0; i < 100_000; i++) ids.push(clock.setTimeout(() => fired++, (i * 7919) % 86_400_000));
  for (let i = 0; i < ids.length; i += 2) clock.clearTimeout(ids[i]);
  let last = -1;
  let ordered = true;
  for (let i = 0; i < 1_000; i++) clock.setTimeout(() => { ordered &&= clock.now() >= last; last = clock.now(); }, i * 86_400);
  clock.runUntilIdle();
  assert.is(fired, 50_000);
  assert.ok(ordered);
});

timers.run();

const xstate = suite('VirtualClock as the XState clock');

const pager = setup({
  types: { events: {} as { type: 'ack' } },
}).createMachine({
  id: 'pager',
  initial: 'paged',
  states: {
    paged: { on: { ack: 'acknowledged' }, after: { 300_000: 'reEscalated' } },
    reEscalated: { after: { 600_000: 'executive' } },
    acknowledged: {},
    executive: {},
  },
});

xstate('fires `after` delays, chained ones included, when the clock advances', () => {
  const clock = new VirtualClock({ start: T0 });
  const actor = createActor(pager, { clock }).start();
  clock.advanceBy(299_999);
  assert.is(actor.getSnapshot().value, 'paged');
  clock.advanceBy(1_000_000); // one big step replays both delays
  assert.is(actor.getSnapshot().value, 'executive');
  assert.is(clock.pending(), 0);
  actor.stop();
});

xstate('cancels a delay when the state is left before it fires', () => {
  const clock = new VirtualClock({ start: T0 });
  const actor = createActor(pager, { clock }).start();
  assert.is(clock.pending(), 1);
  actor.send({ type: 'ack' });
  assert.is(clock.pending(), 0);
  clock.advanceBy(3_600_000);
  assert.is(actor.getSnapshot().value, 'acknowledged');
});

xstate('runs 1,000 open incidents through their delays in one advance', () => {
  const clock = new VirtualClock({ start: T0 });
  const actors = Array.from({ length: 1_000 }, () => createActor(pager, { clock }).start());
  actors.slice(0, 300).forEach((actor) => actor.send({ type: 'ack' }));
  clock.advanceBy(86_400_000);
  const count = (value: string) => actors.filter((actor) => actor.getSnapshot().value === value).length;
  assert.equal([count('acknowledged'), count('executive')], [300, 700]);
  assert.is(clock.pending(), 0);
});

xstate.run();

const async = suite('VirtualClock with promise actors');

/** Looks up a record (a promise), then waits 1 s, then is done. */
function lookupThenWait(lookup: () => Promise<number>) {
  return setup({
    types: { context: {} as { found: number } },
    actors: { lookup: fromPromise(lookup) },
  }).createMachine({
    context: { found: 0 },
    initial: 'looking',
    states: {
      looking: { invoke: { src: 'lookup', onDone: { target: 'waiting', actions: assign({ found: ({ event }) => event.output }) } } },
      waiting: { after: { 1_000: 'done' } },
      done: {},
    },
  });
}

async('advanceToAsync lets a promise actor settle before choosing the next timer', async () => {
  const clock = new VirtualClock();
  const actor = createActor(lookupThenWait(async () => { await Promise.resolve(); return 42; }), { clock }).start();
  await clock.advanceToAsync(1_000);
  assert.is(actor.getSnapshot().value, 'done');
  assert.is(actor.getSnapshot().context.found, 42);
  assert.is(clock.now(), 1_000);
});

async('the sync advance, by contrast, runs ahead of the promise', async () => {
  const clock = new VirtualClock();
  const actor = createActor(lookupThenWait(async () => 42), { clock }).start();
  clock.advanceTo(1_000);
  await new Promise((resolve) => setImmediate(resolve));
  // The lookup resolved after the advance, so its 1 s wait started at 1 000, not 0.
  assert.is(actor.getSnapshot().value, 'waiting');
  assert.is(clock.nextDueAt(), 2_000);
});

async('a promise actor that waits on the virtual clock resumes at the right virtual time', async () => {
  const clock = new VirtualClock();
  const sleep = (ms: number) => new Promise<void>((resolve) => clock.setTimeout(resolve, ms));
  let resumedAt = -1;
  const actor = createActor(lookupThenWait(async () => { await sleep(500); resumedAt = clock.now(); return 1; }), { clock }).start();
  const result = await clock.advanceToAsync(1_499);
  assert.is(resumedAt, 500);
  assert.is(actor.getSnapshot().value, 'waiting');
  assert.equal(result, { fired: 1, reason: 'until' });
  await clock.advanceByAsync(1);
  assert.is(actor.getSnapshot().value, 'done');
});

async('calls a custom settle hook before every timer and once at the end', async () => {
  const calls: number[] = [];
  const clock = new VirtualClock({ settle: async () => { calls.push(clock.now()); } });
  clock.setTimeout(() => {}, 10);
  clock.setTimeout(() => {}, 20);
  const result = await clock.runUntilIdleAsync();
  assert.equal(result, { fired: 2, reason: 'idle' });
  assert.equal(calls, [0, 10, 20]);
  // A per-call hook overrides the default.
  let own = 0;
  clock.setTimeout(() => {}, 5);
  await clock.advanceByAsync(10, { settle: async () => { own++; } });
  assert.is(own, 2);
  assert.is(clock.now(), 30);
});

async('refuses a second concurrent async run', async () => {
  const clock = new VirtualClock();
  clock.setTimeout(() => {}, 10);
  const first = clock.advanceToAsync(100);
  try {
    await clock.advanceToAsync(200);
    assert.unreachable('second run started');
  } catch (error) {
    assert.match(String(error), /already advancing/);
  }
  assert.equal(await first, { fired: 1, reason: 'idle' });
});

async.run();
