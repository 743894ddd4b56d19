/**
 * The two floors the engine's lifecycle cost is measured against (`npm run bench`):
 * - chart floor: our own incident machine with every effect a no-op (no audit, no
 *   records, no deadlines, no responders), driven through the same events on the same clock;
 * - physical floor: the bare machine's transitions plus what a lifecycle must write at
 *   the least: `JSON.stringify` of the same audit rows and a raw append of them, with an
 *   fdatasync per 10,000 lines.
 */
import { closeSync, fdatasyncSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createActor, fromPromise } from 'xstate';
import type { AttemptOutcome, IncidentEvent } from '../machines/incidentEvents.js';
import { incidentMachine } from '../machines/incidentMachine.js';
import type { AuditEntry } from '../machines/types.js';
import { VirtualClock } from '../sim/virtualClock.js';
import { bareMachine, benchInput, chain, drain, incidentRate, lifecycleEvent } from './lifecycle.js';

const T0 = Date.UTC(2026, 2, 2, 14);
const SYNC_EVERY = 10_000;

/**
 * Our incident machine with every effect a no-op (no audit, records, deadline rows or
 * responders), except that an armed deadline still fires on the clock: without it no
 * retry, SLA or status timer would run. Attempts fail.
 */
function noopMachine(clock: VirtualClock) {
  const timers = new Map<string, unknown>();
  const runAttempt = fromPromise<AttemptOutcome, { incidentId: string; attempt: number }>(async () => ({ ok: false, at: clock.now(), error: 'ECONNREFUSED' }));
  return incidentMachine.provide({
    actors: { runAttempt },
    actions: {
      arm: ({ context, self }, p) => {
        const key = `${context.id}:${p.kind}`;
        if (timers.has(key)) clock.clearTimeout(timers.get(key));
        timers.set(key, clock.setTimeout(() => (timers.delete(key), self.send(p.event as IncidentEvent)), Math.max(0, p.dueAt - clock.now())));
      },
      disarm: ({ context }, p) => {
        for (const kind of p.kinds) {
          const key = `${context.id}:${kind}`;
          if (timers.has(key)) clock.clearTimeout(timers.get(key));
          timers.delete(key);
        }
      },
    },
  });
}

/** Lifecycles per second of the no-op machine, `wave` open at once, as `incidentRate` drives them. */
export async function noopRate(n: number, wave = n): Promise<number> {
  const clock = new VirtualClock({ start: T0 });
  const machine = noopMachine(clock);
  const started = performance.now();
  for (let from = 0; from < n; from += wave) {
    const actors = Array.from({ length: Math.min(wave, n - from) }, (_, k) => createActor(machine, { input: benchInput(from + k, clock.now()), clock }).start());
    await drain(clock);
    actors.forEach((actor, k) => chain((step) => actor.send(lifecycleEvent(step, from + k, clock.now()))));
    if (!actors.every((a) => a.getSnapshot().status === 'done')) throw new Error(`bench: the no-op machine did not finish: ${JSON.stringify(actors[0].getSnapshot().value)} ${actors[0].getSnapshot().status}`);
  }
  return n / ((performance.now() - started) / 1000);
}

/** The audit rows one lifecycle writes, taken from a real run on the memory store. */
export async function lifecycleRows(): Promise<AuditEntry[]> {
  let rows: AuditEntry[] = [];
  await incidentRate(1, 1, 'memory', (store) => (rows = store.queryAudit({ limit: 1000 }).rows));
  return rows;
}

/**
 * Lifecycles per second of the physical floor: the bare machine's transitions, then each
 * lifecycle's audit rows (the template's, with its own ids) stringified and appended to a
 * file, fdatasync after every 10,000 lines and at the end.
 */
export async function physicalRate(n: number, wave: number, template: readonly AuditEntry[]): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'if-floor-'));
  const fd = openSync(join(dir, 'audit.jsonl'), 'a');
  const clock = new VirtualClock({ start: T0 });
  const events = [{ type: 'ack' }, { type: 'done' }, { type: 'ack' }, { type: 'done' }, { type: 'ack' }, { type: 'done' }, { type: 'resolve' }, { type: 'reviewed' }] as const;
  let lines: string[] = [];
  const sync = () => {
    writeSync(fd, `${lines.join('\n')}\n`);
    fdatasyncSync(fd);
    lines = [];
  };
  const started = performance.now();
  for (let from = 0; from < n; from += wave) {
    const actors = Array.from({ length: Math.min(wave, n - from) }, () => createActor(bareMachine, { clock }).start());
    await drain(clock);
    actors.forEach((actor, k) => {
      chain((step) => actor.send(events[step]));
      const id = `inc_${from + k}`;
      template.forEach((row, j) => lines.push(JSON.stringify({ ...row, id: `aud_${from + k}_${j}`, entityId: id })));
      if (lines.length >= SYNC_EVERY) sync();
    });
  }
  if (lines.length) sync();
  const rate = n / ((performance.now() - started) / 1000);
  closeSync(fd);
  rmSync(dir, { recursive: true, force: true });
  return rate;
}
