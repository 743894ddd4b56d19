import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createActor, setup } from 'xstate';
import { MAX_TIMER_MS, RealClock, type TimerSource } from '../agents/realClock.js';

const DAY = 86_400_000;

/** A timer source that records what is armed and fires only on demand. */
function fakeTimers() {
  const armed = new Map<number, { fn: () => void; ms: number; unrefed: boolean }>();
  let next = 0;
  const source: TimerSource = {
    now: () => 1_700_000_000_000,
    setTimeout(fn, ms) {
      const handle = { id: ++next, unref() { armed.get(this.id)!.unrefed = true; } };
      armed.set(handle.id, { fn, ms, unrefed: false });
      return handle;
    },
    clearTimeout(handle) {
      if (typeof handle === 'object' && handle !== null && 'id' in handle && typeof handle.id === 'number') armed.delete(handle.id);
    },
  };
  /** Fires the only armed timer, as Node would once its delay passed. */
  const fire = () => {
    assert.is(armed.size, 1, 'exactly one underlying timer armed');
    const [[id, timer]] = armed;
    armed.delete(id);
    timer.fn();
    return timer.ms;
  };
  return { source, armed, fire };
}

const clock = suite('RealClock');

clock('passes short delays straight to the timer source', () => {
  const fake = fakeTimers();
  const real = new RealClock({ source: fake.source });
  let fired = 0;
  real.setTimeout(() => fired++, 5_000);
  assert.is(fake.fire(), 5_000);
  assert.is(fired, 1);
  assert.is(real.now(), 1_700_000_000_000);
});

clock('splits a 30-day delay into chained timers no longer than 2^31-1 ms', () => {
  const fake = fakeTimers();
  const real = new RealClock({ source: fake.source });
  let fired = 0;
  real.setTimeout(() => fired++, 30 * DAY);
  assert.is(fake.fire(), MAX_TIMER_MS);
  assert.is(fired, 0, 'not yet after the first chunk');
  assert.is(fake.fire(), 30 * DAY - MAX_TIMER_MS);
  assert.is(fired, 1);
  assert.is(fake.armed.size, 0);
});

clock('splits a delay of several whole chunks exactly', () => {
  const fake = fakeTimers();
  const real = new RealClock({ source: fake.source });
  let fired = 0;
  real.setTimeout(() => fired++, 3 * MAX_TIMER_MS);
  assert.equal([fake.fire(), fake.fire(), fake.fire()], [MAX_TIMER_MS, MAX_TIMER_MS, MAX_TIMER_MS]);
  assert.is(fired, 1);
  assert.is(fake.armed.size, 0);
});

clock('clearTimeout cancels a split timer in any of its chunks', () => {
  const fake = fakeTimers();
  const real = new RealClock({ source: fake.source });
  let fired = 0;
  const early = real.setTimeout(() => fired++, 60 * DAY);
  real.clearTimeout(early);
  assert.is(fake.armed.size, 0, 'first chunk cleared');
  const late = real.setTimeout(() => fired++, 60 * DAY);
  fake.fire();
  real.clearTimeout(late);
  assert.is(fake.armed.size, 0, 'second chunk cleared');
  real.clearTimeout(late); // twice: no effect
  real.clearTimeout({ not: 'a timer' });
  assert.is(fired, 0);
});

clock('a callback that fires after being cleared (a race in the source) does nothing', () => {
  const armed: Array<() => void> = [];
  const real = new RealClock({ source: { now: () => 0, setTimeout: (fn) => armed.push(fn), clearTimeout: () => {} } });
  let fired = 0;
  const id = real.setTimeout(() => fired++, 10);
  real.clearTimeout(id);
  armed[0]();
  assert.is(fired, 0);
});

clock('unrefs every chunk only when asked', () => {
  const fake = fakeTimers();
  new RealClock({ source: fake.source, unref: true }).setTimeout(() => {}, 40 * DAY);
  assert.ok([...fake.armed.values()][0].unrefed);
  fake.fire();
  assert.ok([...fake.armed.values()][0].unrefed, 'the chained chunk too');
  const plain = fakeTimers();
  new RealClock({ source: plain.source }).setTimeout(() => {}, 10);
  assert.not.ok([...plain.armed.values()][0].unrefed);
});

clock('negative and non-finite delays count as zero', () => {
  const fake = fakeTimers();
  const real = new RealClock({ source: fake.source });
  real.setTimeout(() => {}, -1);
  assert.is(fake.fire(), 0);
  real.setTimeout(() => {}, Number.NaN);
  assert.is(fake.fire(), 0);
});

clock('serves as the XState clock, a 30-day `after` included', () => {
  const fake = fakeTimers();
  const machine = setup({}).createMachine({ initial: 'open', states: { open: { after: { [30 * DAY]: 'expired' } }, expired: {} } });
  const actor = createActor(machine, { clock: new RealClock({ source: fake.source }) }).start();
  fake.fire();
  assert.is(actor.getSnapshot().value, 'open', 'not after the first 24.8 days');
  fake.fire();
  assert.is(actor.getSnapshot().value, 'expired');
});

clock('works on Node timers by default', async () => {
  // Not unref'd: an unref'd timer alone would let the test process exit before it fires.
  const real = new RealClock();
  const before = real.now();
  assert.ok(Math.abs(before - Date.now()) < 1_000);
  const fired = await new Promise<boolean>((resolve) => real.setTimeout(() => resolve(true), 1));
  assert.ok(fired);
  let late = false;
  real.clearTimeout(real.setTimeout(() => (late = true), 1));
  await new Promise((resolve) => setTimeout(resolve, 10));
  assert.not.ok(late);
});

clock.run();
