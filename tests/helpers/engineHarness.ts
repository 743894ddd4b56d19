/**
 * The engine on virtual time: a seeded id and random source, a memory store (or the one a
 * test passes), a tenant with two agents, responders with fixed latencies, and an owner who
 * resolves each incident a set time after starting on the fix.
 */
import { createIncidentEngine } from '../../agents/engine.js';
import type { EngineEvent, EngineOptions, IncidentEngine, JobRunner } from '../../agents/types.js';
import type { AuditEntry, DecisionRecord, IncidentRecord } from '../../machines/types.js';
import { createIds } from '../../sim/ids.js';
import { createRandom } from '../../sim/random.js';
import { VirtualClock } from '../../sim/virtualClock.js';
import { createMemoryStore } from '../../store/memoryStore.js';
import type { AuditQuery, Store } from '../../store/types.js';

/** Monday 2026-03-02 14:00 UTC. */
export const T0 = Date.parse('2026-03-02T14:00:00.000Z');
export const SEC = 1_000;
export const MIN = 60_000;
export const HOUR = 60 * MIN;

export const TENANTS = [
  { id: 'acme', admin: 'ops@acme.test' },
  { id: 'globex', admin: 'it@globex.test' },
];
export const AGENTS = [
  { id: 'billing', tenant: 'acme', workflows: ['invoice-run', 'refunds'] },
  { id: 'mailer', tenant: 'acme', workflows: ['email-send'] },
  { id: 'reporter', tenant: 'globex', workflows: ['dashboards'] },
];

export interface HarnessOptions extends Omit<EngineOptions, 'store' | 'clock' | 'ids' | 'random'> {
  store?: Store;
  clock?: VirtualClock;
  seed?: number;
  /** The owner resolves the incident this long after starting on the fix; null: never. Default 40 min. */
  fixAfterMs?: number | null;
  /** Answer every decision as it is requested, after `afterMs` (default at once); null: nobody answers. */
  answer?: { answer: 'approve' | 'deny'; by?: string; afterMs?: number } | null;
}

export interface Harness {
  engine: IncidentEngine;
  store: Store;
  clock: VirtualClock;
  events: EngineEvent[];
  /** Runs virtual time forward by `ms`, letting promise work settle between timers. */
  run(ms: number): Promise<void>;
  /** Runs until the clock reaches `t` (epoch ms). */
  runTo(t: number): Promise<void>;
  audit(query?: AuditQuery): AuditEntry[];
  /** Audit actions of one incident (or of every entry), oldest first. */
  actions(incidentId?: string): string[];
  incidents(): IncidentRecord[];
  /** The only incident; fails the test when there are none or several. */
  incident(): IncidentRecord;
  decisions(): DecisionRecord[];
}

export function createHarness(options: HarnessOptions = {}): Harness {
  const { store: given, clock: givenClock, seed = 1, fixAfterMs = 40 * MIN, answer = { answer: 'approve' }, ...engineOptions } = options;
  const clock = givenClock ?? new VirtualClock({ start: T0 });
  const store = given ?? createMemoryStore();
  const events: EngineEvent[] = [];
  const engine: IncidentEngine = createIncidentEngine({
    tenants: TENANTS,
    agents: AGENTS,
    responders: { cheryl: { ack: 2 * MIN }, petra: { ack: MIN }, atlas: { ack: MIN } },
    onFix:
      fixAfterMs === null
        ? undefined
        : (incident, owner) =>
            void clock.setTimeout(() => {
              if (engine.stateOf(incident.id)?.endsWith('fixing')) engine.resolve(incident.id, { by: owner, note: 'fix applied' });
            }, fixAfterMs),
    ...engineOptions,
    store,
    clock,
    ids: createIds(createRandom(seed)),
    random: createRandom(seed + 1000),
  });
  // One answer per decision, on its first `pending` event: escalate's moved timeoutAt is
  // the same question again, not a second answer.
  const asked = new Set<string>();
  engine.subscribe((event) => {
    events.push(event);
    if (answer && event.type === 'decision' && event.decision.status === 'pending' && !asked.has(event.decision.id)) {
      const { id } = event.decision;
      asked.add(id);
      const decide = () => store.get('decisions', id)?.status === 'pending' && engine.decide(id, answer.answer, answer.by ?? 'ops');
      if (answer.afterMs) clock.setTimeout(decide, answer.afterMs);
      else decide();
    }
  });
  const audit = (query: AuditQuery = {}) => store.queryAudit({ limit: 100_000, ...query }).rows;
  return {
    engine,
    store,
    clock,
    events,
    run: async (ms) => void (await clock.runUntilIdleAsync({ until: clock.now() + ms })),
    runTo: async (t) => void (await clock.runUntilIdleAsync({ until: t })),
    audit,
    actions: (incidentId) => audit(incidentId ? { entityId: incidentId } : {}).map((e) => e.action),
    incidents: () => store.list('incidents'),
    incident() {
      const all = store.list('incidents');
      if (all.length !== 1) throw new Error(`expected one incident, found ${all.length}`);
      return all[0];
    },
    decisions: () => store.list('decisions'),
  };
}

/** A job that always throws `message`. */
export const failing = (message = 'ECONNREFUSED 10.0.0.5:5432'): JobRunner => () => {
  throw new Error(message);
};

/** A job that throws on its first `failures` runs, then succeeds; `calls` records each run's attempt. */
export function flaky(failures: number, message = 'ECONNRESET'): JobRunner & { calls: number[] } {
  const calls: number[] = [];
  const run = ({ attempt }: { attempt: number }) => {
    calls.push(attempt);
    if (calls.length <= failures) throw new Error(message);
    return 'ok';
  };
  return Object.assign(run, { calls });
}
