import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assign, createActor, fromPromise, setup } from 'xstate';
import { Incidents } from '../agents/incidents.js';
import type { Runtime } from '../agents/runtime.js';
import type { IncidentInput } from '../machines/incidentContext.js';
import type { IncidentEvent } from '../machines/incidentEvents.js';
import { resolvePolicy } from '../machines/policies/config.js';
import { impactOf } from '../machines/policies/classification.js';
import { incidentInput } from '../machines/incidentInput.js';
import { createMemoryStore, openStore } from '../store/index.js';
import { VirtualClock } from '../sim/virtualClock.js';
import type { Store } from '../store/types.js';

const T0 = Date.UTC(2026, 2, 2, 14);

/**
 * The baseline: a bare XState machine doing the same transitions as an incident on
 * the same clock: detection, three failed attempts 0 s / 5 s / 25 s apart (each a
 * promise actor), then triage, coordination, executive, resolution, review and close.
 * No audit, no deadlines, no store.
 */
export const bareMachine = setup({
  types: { context: {} as { attempts: number }, events: {} as { type: 'ack' } | { type: 'done' } | { type: 'resolve' } | { type: 'reviewed' } },
  actors: { attempt: fromPromise(async () => false) },
  delays: { backoff: ({ context }) => [0, 5_000, 25_000][context.attempts] ?? 0 },
}).createMachine({
  context: { attempts: 0 },
  initial: 'detected',
  states: {
    detected: { always: 'retrying' },
    retrying: {
      initial: 'waiting',
      states: {
        waiting: { after: { backoff: 'attempting' } },
        attempting: {
          invoke: {
            src: 'attempt',
            onDone: [
              { guard: ({ context }) => context.attempts < 2, target: 'waiting', actions: assign({ attempts: ({ context }) => context.attempts + 1 }) },
              { target: '#bare.triaged' },
            ],
          },
        },
      },
    },
    triaged: { initial: 'queued', states: { queued: { on: { ack: 'working' } }, working: { on: { done: '#bare.coordinated' } } } },
    coordinated: { initial: 'queued', states: { queued: { on: { ack: 'working' } }, working: { on: { done: '#bare.executive' } } } },
    executive: { initial: 'queued', states: { queued: { on: { ack: 'working' } }, working: { on: { done: 'fixing' } }, fixing: { on: { resolve: '#bare.resolved' } } } },
    resolved: { always: 'reviewing' },
    reviewing: { on: { reviewed: 'closed' } },
    closed: { type: 'final' },
  },
  id: 'bare',
});

/** The responder steps both runs take once retries are exhausted. */
export function chain(send: (step: number) => void): void {
  for (let step = 0; step < 8; step++) send(step);
}

export async function drain(clock: VirtualClock): Promise<void> {
  await clock.runUntilIdleAsync({ until: clock.now() + 60_000 });
}

/**
 * Lifecycles per second of the bare machine: `n` incidents, `wave` of them open at once
 * (all retrying together, then each driven through the chain), wave after wave.
 */
export async function bareRate(n: number, wave = n): Promise<number> {
  const clock = new VirtualClock({ start: T0 });
  const events = [{ type: 'ack' }, { type: 'done' }, { type: 'ack' }, { type: 'done' }, { type: 'ack' }, { type: 'done' }, { type: 'resolve' }, { type: 'reviewed' }] as const;
  const started = performance.now();
  for (let from = 0; from < n; from += wave) {
    const actors = Array.from({ length: Math.min(wave, n - from) }, () => createActor(bareMachine, { clock }).start());
    await drain(clock);
    for (const actor of actors) chain((step) => actor.send(events[step]));
    if (!actors.every((a) => a.getSnapshot().status === 'done')) throw new Error('bench: the bare machine did not finish');
  }
  return n / ((performance.now() - started) / 1000);
}

export function benchInput(i: number, t: number): IncidentInput {
  return incidentInput({
    id: `inc_${i}`, fingerprint: `fp_${i}`, tenant: 'acme', agent: `agent_${i % 200}`, workflow: `wf_${i % 400}`,
    error: { message: 'ECONNREFUSED', retryable: true }, impact: impactOf({ kind: 'platform-down' }), detectedAt: new Date(t).toISOString(),
  });
}

const affected = { agents: [], failedJobs: 1, tenants: [], workflows: [] };

/** The event of step `step` (0..7) of incident `i`'s way from Cheryl to closed. */
export function lifecycleEvent(step: number, i: number, at: number): IncidentEvent {
  switch (step) {
    case 0: return { type: 'responder.ack', at, responder: 'cheryl' };
    case 1: return { type: 'triage.done', at, severity: 'P0', findings: [], mitigation: null, notified: [], rootCause: null };
    case 2: return { type: 'responder.ack', at, responder: 'petra' };
    case 3: return { type: 'coordination.done', at, coordination: { affected, assigned: [], eta: null, humanDeveloper: false, workaround: null } };
    case 4: return { type: 'responder.ack', at, responder: 'atlas' };
    case 5: return { type: 'executive.assessed', at, communication: false, boardMemo: false, decisionId: null };
    case 6: return { type: 'incident.resolve', at, by: 'atlas' };
    default: return { type: 'review.published', at, documentId: `doc_${i}` };
  }
}

/**
 * The same for our incident machine, its audit written to a lowdb store on disk: one group
 * commit (fsync included) per wave, as a running engine commits per burst of events.
 */
export async function incidentRate(n: number, wave = n, on: 'file' | 'memory' = 'file', before?: (store: Store) => void): Promise<{ rate: number; auditRows: number; flushMs: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'if-bench-'));
  const store: Store = on === 'file' ? await openStore(join(dir, 'bench.json'), { autoCommit: false }) : createMemoryStore({ autoCommit: false });
  const clock = new VirtualClock({ start: T0 });
  let seq = 0;
  const rt: Runtime = { store, clock, ids: (p) => `${p}_${++seq}`, random: () => 0.5, policy: resolvePolicy(), emit: () => {} };
  const at = () => clock.now();
  const incidents = new Incidents(rt, {
    runAttempt: async () => ({ ok: false, at: clock.now(), error: 'ECONNREFUSED' }),
    assign: () => {}, release: () => {}, notify: () => {}, startFix: () => {}, settleDecision: () => {}, extendDecision: () => {}, mitigate: () => {}, liftMitigation: () => {},
    commissionReview: () => {},
  });
  let flushMs = 0;
  const started = performance.now();
  for (let from = 0; from < n; from += wave) {
    const to = Math.min(n, from + wave);
    for (let i = from; i < to; i++) incidents.start(benchInput(i, clock.now()));
    await drain(clock);
    for (let i = from; i < to; i++) {
      const id = `inc_${i}`;
      chain((step) => incidents.send(id, lifecycleEvent(step, i, at())));
    }
    if (incidents.openIds().length !== 0) throw new Error('bench: incidents did not close');
    const flushStart = performance.now();
    await store.flush();
    flushMs += performance.now() - flushStart;
  }
  const rate = n / ((performance.now() - started) / 1000);
  const auditRows = store.auditCount();
  before?.(store);
  await store.close();
  rmSync(dir, { recursive: true, force: true });
  return { rate, auditRows, flushMs };
}
