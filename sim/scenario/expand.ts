import type { Random } from '../random.js';
import type { FailureBehaviour, FailureEvent, Scenario } from './types.js';

const DAY_MS = 86_400_000;

/**
 * The scenario's failures on one timeline, in time order: scripted failures with their
 * repeats and storm copies, and load arrivals drawn from `random` (a Poisson process at
 * the load's rate, mix entries by weight, agents and workflows uniformly). Events past
 * `untilMs` are dropped. Keys are `<failureId>#<n>`, n counting from 1 in time order;
 * events at the same instant keep the order they were written in.
 *
 * Each load arrival draws exactly four numbers (gap, mix entry, agent, workflow) whether
 * it needs them or not, so pinning one mix entry to an agent does not reshuffle the rest.
 *
 * @example
 * const events = expandFailures(scenario, createRandom(scenario.seed));
 * events[0]; // { key: 'db-down#1', failureId: 'db-down', atMs: 0, agent: 'billing-agent', … }
 */
export function expandFailures(scenario: Scenario, random: Random): FailureEvent[] {
  const events: Array<Omit<FailureEvent, 'key'>> = [];
  const add = (failureId: string, atMs: number, agent: string, workflow: string | null, tenant: string | null, b: FailureBehaviour) => {
    // Field by field: `b` may be a whole FailureSpec, whose atMs, id and source must not leak in.
    const { error, retryable, succeedsOnAttempt, detectAfterMs, rootCause, impact, fixedAfterMs, whys } = b;
    for (let copy = 0; copy < b.storm; copy++) {
      events.push({ failureId, atMs, agent, workflow, tenant, error, retryable, succeedsOnAttempt, detectAfterMs, rootCause, impact, fixedAfterMs, whys });
    }
  };

  for (const failure of scenario.failures) {
    const { count, everyMs } = failure.repeat ?? { count: 1, everyMs: 0 };
    for (let n = 0; n < count; n++) add(failure.id, failure.atMs + n * everyMs, failure.agent, failure.workflow, failure.tenant, failure);
  }

  const agents = new Map(scenario.agents.map((agent) => [agent.id, agent]));
  for (const load of scenario.load) {
    const perMs = load.perDay / DAY_MS;
    const totalWeight = load.mix.reduce((sum, entry) => sum + entry.weight, 0);
    const end = load.fromMs + load.forMs;
    for (let t = load.fromMs; ; ) {
      // Exponential gaps make a Poisson process; 1 - random() is in (0, 1], so log is finite.
      t += -Math.log(1 - random()) / perMs;
      const pickEntry = random();
      const pickAgent = random();
      const pickWorkflow = random();
      if (!(t < end)) break;
      const entry = pickByWeight(load.mix, pickEntry * totalWeight);
      const agent = (entry.agent && agents.get(entry.agent)) || scenario.agents[Math.floor(pickAgent * scenario.agents.length)];
      const workflow = entry.workflow ?? agent.workflows[Math.floor(pickWorkflow * agent.workflows.length)] ?? null;
      add(entry.id, Math.round(t), agent.id, workflow, agent.tenant, entry);
    }
  }

  const until = scenario.untilMs ?? Infinity;
  const timeline = events.filter((event) => event.atMs <= until);
  // Array.prototype.sort is stable: same-instant events stay in the order written.
  timeline.sort((a, b) => a.atMs - b.atMs);
  const counts = new Map<string, number>();
  return timeline.map((event) => {
    const n = (counts.get(event.failureId) ?? 0) + 1;
    counts.set(event.failureId, n);
    return { key: `${event.failureId}#${n}`, ...event };
  });
}

function pickByWeight<T extends { weight: number }>(entries: T[], point: number): T {
  for (const entry of entries) {
    if (point < entry.weight) return entry;
    point -= entry.weight;
  }
  return entries[entries.length - 1]; // point landed on the total through rounding
}
