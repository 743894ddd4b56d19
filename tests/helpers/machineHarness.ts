/**
 * The incident machine on a real actor, with recording effects and a virtual clock:
 * what the machine asked for (audit entries, deadlines, notices...) is kept in arrays a
 * test reads, and armed deadlines can be delivered on the clock like agents/deadlines.ts.
 */
import { incidentInput } from '../../machines/incidentInput.js';
import { createActor, fromPromise, type Actor, type AnyMachineSnapshot, type InspectionEvent } from 'xstate';
import { incidentMachine } from '../../machines/incidentMachine.js';
import type { ArmParams, AuditParams, IncidentInput } from '../../machines/incidentContext.js';
import type { AttemptOutcome, IncidentEvent } from '../../machines/incidentEvents.js';
import type { PolicyConfig } from '../../machines/types.js';
import { VirtualClock } from '../../sim/virtualClock.js';

/** Monday 2026-03-02 14:00 UTC: detection time of every incident built here. */
export const T0 = Date.parse('2026-03-02T14:00:00.000Z');
export const SEC = 1_000;
export const MIN = 60_000;
export const HOUR = 60 * MIN;

/** A retryable P2 incident detected at T0; override anything. */
export function inputOf(over: Partial<IncidentInput> & { policy?: PolicyConfig } = {}): IncidentInput {
  return incidentInput({
    id: 'inc_test',
    fingerprint: 'invoice-run:boom',
    tenant: 'acme',
    agent: 'billing',
    workflow: 'invoice-run',
    jobId: 'job_1',
    error: { message: 'boom', name: 'Error', stack: 'Error: boom\n    at job', retryable: true },
    severity: 'P2',
    detectedAt: new Date(T0).toISOString(),
    ...over,
  });
}

export interface Effect {
  type: string;
  params?: unknown;
}

export interface HarnessOptions {
  /** How each retry attempt goes; default: fails at once. `at` is the clock's time. */
  attempt?: (attempt: number, at: number) => AttemptOutcome | Promise<AttemptOutcome>;
  /** Deliver armed deadlines on the clock (default true); false when a test sends every event. */
  deliver?: boolean;
}

export interface MachineHarness {
  actor: Actor<typeof incidentMachine>;
  clock: VirtualClock;
  audits: AuditParams[];
  /** Every effect in order (audit, arm, disarm, assignResponder, notify...). */
  effects: Effect[];
  /** Deadlines armed and not yet disarmed or fired, by kind. */
  armed: Map<string, ArmParams>;
  /** Attempt numbers and the clock time each began. */
  attempts: Array<{ attempt: number; at: number }>;
  /** Every state node the actor passed through (transient ones included), by id. */
  visited: Set<string>;
  send(event: IncidentEvent): void;
  actions(): string[];
  value(): string;
}

/** The state value as a dotted path ("executive.awaitingDecision"). */
export function dotted(value: unknown): string {
  if (typeof value === 'string') return value;
  const [key, child] = Object.entries(value as Record<string, unknown>)[0];
  return `${key}.${dotted(child)}`;
}

/** Starts an incident actor at T0 on a virtual clock. */
export function startIncident(input: IncidentInput, options: HarnessOptions = {}): MachineHarness {
  const clock = new VirtualClock({ start: Date.parse(input.detectedAt) });
  const audits: AuditParams[] = [];
  const effects: Effect[] = [];
  const armed = new Map<string, ArmParams>();
  const timers = new Map<string, unknown>();
  const attempts: MachineHarness['attempts'] = [];
  const visited = new Set<string>();
  const deliver = options.deliver ?? true;
  const attempt = options.attempt ?? ((_n: number, at: number) => ({ ok: false, at, error: 'boom' }));
  const record = (type: string) => (_: unknown, params?: unknown) => void effects.push({ type, params });

  const machine = incidentMachine.provide({
    actors: {
      runAttempt: fromPromise<AttemptOutcome, { incidentId: string; attempt: number }>(async ({ input }) => {
        attempts.push({ attempt: input.attempt, at: clock.now() });
        return attempt(input.attempt, clock.now());
      }),
    },
    actions: {
      audit: (_, p) => {
        audits.push(p);
        effects.push({ type: 'audit', params: p });
      },
      arm: (_, p) => {
        effects.push({ type: 'arm', params: p });
        armed.set(p.kind, p);
        if (!deliver) return;
        clock.clearTimeout(timers.get(p.kind));
        timers.set(p.kind, clock.setTimeout(() => {
          armed.delete(p.kind);
          actor.send(p.event as IncidentEvent);
        }, p.dueAt - clock.now()));
      },
      disarm: (_, p) => {
        effects.push({ type: 'disarm', params: p });
        for (const kind of p.kinds) {
          armed.delete(kind);
          clock.clearTimeout(timers.get(kind));
        }
      },
      assignResponder: record('assignResponder'),
      releaseResponder: record('releaseResponder'),
      notify: record('notify'),
      startFix: record('startFix'),
      settleDecision: record('settleDecision'),
      extendDecision: record('extendDecision'),
      liftMitigation: record('liftMitigation'),
      commissionReview: record('commissionReview'),
    },
  });
  const inspect = (event: InspectionEvent) => {
    if (event.type !== '@xstate.microstep') return;
    for (const t of event._transitions) visited.add(t.source.id);
    // Microsteps of this actor carry machine snapshots.
    for (const node of (event.snapshot as AnyMachineSnapshot)._nodes) if (node.type === 'atomic' || node.type === 'final') visited.add(node.id);
  };
  const actor = createActor(machine, { input, clock, inspect });
  actor.start();
  return {
    actor,
    clock,
    audits,
    effects,
    armed,
    attempts,
    visited,
    send: (event) => actor.send(event),
    actions: () => audits.map((a) => a.action),
    value: () => dotted(actor.getSnapshot().value),
  };
}

/** Lets promise actors settle (a macrotask turn). */
export const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
