import { createActor, setup, SimulatedClock } from 'xstate';
import { VirtualClock } from '../sim/virtualClock.js';

/** A pager per open incident: the response and resolution targets as `after` delays. */
const pager = setup({}).createMachine({
  initial: 'open',
  states: {
    open: { after: { 300_000: 'responseBreached' } },
    responseBreached: { after: { 3_300_000: 'resolutionBreached' } },
    resolutionBreached: { type: 'final' },
  },
});

/**
 * Why the project has its own clock: `n` open incidents whose timers all fire, on
 * XState's SimulatedClock (re-sorts every pending timer per firing) and on ours (a heap).
 * Returns milliseconds for each.
 */
export function clockRace(n: number): { simulatedMs: number; virtualMs: number } {
  const sim = new SimulatedClock();
  let t = performance.now();
  const a = Array.from({ length: n }, () => createActor(pager, { clock: sim }).start());
  // SimulatedClock.increment fires only timers already due; a chain needs one step per link.
  sim.increment(300_000);
  sim.increment(3_300_000);
  const simulatedMs = performance.now() - t;
  if (!a.every((x) => x.getSnapshot().status === 'done')) throw new Error('bench: SimulatedClock run incomplete');

  const virtual = new VirtualClock({ start: 0 });
  t = performance.now();
  const b = Array.from({ length: n }, () => createActor(pager, { clock: virtual }).start());
  virtual.advanceBy(3_600_000);
  const virtualMs = performance.now() - t;
  if (!b.every((x) => x.getSnapshot().status === 'done')) throw new Error('bench: VirtualClock run incomplete');
  return { simulatedMs, virtualMs };
}
