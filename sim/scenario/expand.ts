import type { Random } from '../random.js';
import type { AgentSpec, FailureBehaviour, FailureEvent, LoadMixEntry, LoadSpec, Scenario } from './types.js';

const DAY_MS = 86_400_000;

/** A failure on the timeline before its key is given (keys count in time order, across sources). */
type Unkeyed = Omit<FailureEvent, 'key'>;

/**
 * The scenario's failures on one timeline, in time order: scripted failures with their
 * repeats and storm copies, and load arrivals drawn from `random` (a Poisson process at
 * the load's rate, mix entries by weight, agents and workflows uniformly). Events past
 * `untilMs` are dropped. Keys are `<failureId>#<n>`, n counting from 1 in time order;
 * events at the same instant keep the order they were written in.
 *
 * Each load arrival draws exactly four numbers (gap, mix entry, agent, workflow) whether
 * it needs them or not, so pinning one mix entry to an agent does not reshuffle the rest.
 * A run takes the same failures one at a time from `failureTimeline`.
 *
 * @example
 * const events = expandFailures(scenario, createRandom(scenario.seed));
 * events[0]; // { key: 'db-down#1', failureId: 'db-down', atMs: 0, agent: 'billing-agent', … }
 */
export function expandFailures(scenario: Scenario, random: Random): FailureEvent[] {
  // Each load drawn whole in turn from the one stream, as the loads are written.
  const loads = scenario.load.map((load) => [...arrivals(scenario, load, random)]);
  return [...keyed([scripted(scenario), ...loads.map((events) => events.values())], scenario.untilMs ?? Infinity)];
}

/** A scenario's failures, to be taken one at a time in time order (see `failureTimeline`). */
export interface FailureTimeline {
  /** How many failures the run has. */
  count: number;
  /** The latest `atMs + detectAfterMs` of them (-Infinity: none). */
  lastDetectMs: number;
  /** The failures, in time order, as `expandFailures` lists them: each drawn as it is asked for. */
  events(): Generator<FailureEvent, undefined, undefined>;
}

/**
 * The timeline `expandFailures(scenario, stream())` lists, made as it is taken instead of
 * held whole: at eight times the fleet scenario, the 168,000 failures listed at the start
 * held 41 MB of V8's heap through much of the run, and the heap is let grow to a few times
 * what is live between full collections. `stream` gives the same random stream at each
 * call (e.g. `() => createRandom(seed)`): a first pass counts the failures and the numbers
 * each load draws, so that each load then draws from its own place in the stream.
 * @example const timeline = failureTimeline(scenario, () => createRandom(scenario.seed)); for (const e of timeline.events()) …
 */
export function failureTimeline(scenario: Scenario, stream: () => Random): FailureTimeline {
  const until = scenario.untilMs ?? Infinity;
  // One Random handed out twice would be drawn from by the count and again by the events: a wrong timeline, silently.
  if (stream() === stream()) throw new TypeError('failureTimeline: `stream` must give a new Random at each call, e.g. () => createRandom(seed)');
  const counting = countedDraws(stream());
  let [count, lastDetectMs] = [0, -Infinity];
  const starts: number[] = [];
  /** `copies` failures (a storm) at `atMs`, each detected `detectAfterMs` later: counted, not made. */
  const seen = (atMs: number, detectAfterMs: number, copies: number) => {
    if (atMs > until) return;
    count += copies;
    lastDetectMs = Math.max(lastDetectMs, atMs + detectAfterMs);
  };
  for (const failure of scenario.failures) {
    const { count: repeats, everyMs } = failure.repeat ?? { count: 1, everyMs: 0 };
    for (let n = 0; n < repeats; n++) seen(failure.atMs + n * everyMs, failure.detectAfterMs, failure.storm);
  }
  for (const load of scenario.load) {
    starts.push(counting.drawn());
    for (const { atMs, entry } of draws(scenario, load, counting.random)) seen(atMs, entry.detectAfterMs, entry.storm);
  }
  return {
    count,
    lastDetectMs,
    events: () => keyed([scripted(scenario), ...scenario.load.map((load, j) => arrivals(scenario, load, skipped(stream(), starts[j])))], until),
  };
}

/** The scripted failures, each repeat and storm copy, in time order (same instant: as written). */
function scripted(scenario: Scenario): IterableIterator<Unkeyed> {
  const events: Unkeyed[] = [];
  for (const failure of scenario.failures) {
    const { count, everyMs } = failure.repeat ?? { count: 1, everyMs: 0 };
    for (let n = 0; n < count; n++) events.push(...copies(failure.id, failure.atMs + n * everyMs, failure.agent, failure.workflow, failure.tenant, failure));
  }
  // Array.prototype.sort is stable: same-instant events stay in the order written.
  return events.sort((a, b) => a.atMs - b.atMs).values();
}

/** A load's arrivals in time order (storm copies together), drawing four numbers each from `random`, and four for the first past its end. */
function* arrivals(scenario: Scenario, load: LoadSpec, random: Random): Generator<Unkeyed, undefined, undefined> {
  for (const { atMs, entry, agent, workflow } of draws(scenario, load, random)) yield* copies(entry.id, atMs, agent.id, workflow, agent.tenant, entry);
}

/** A load's arrivals as drawn, one per storm: when, which mix entry, which agent and workflow. */
function* draws(scenario: Scenario, load: LoadSpec, random: Random): Generator<{ atMs: number; entry: LoadMixEntry; agent: AgentSpec; workflow: string | null }, undefined, undefined> {
  const agents = new Map(scenario.agents.map((agent) => [agent.id, agent]));
  const perMs = load.perDay / DAY_MS;
  const totalWeight = load.mix.reduce((sum, entry) => sum + entry.weight, 0);
  const end = load.fromMs + load.forMs;
  for (let t = load.fromMs; ; ) {
    // Exponential gaps make a Poisson process; 1 - random() is in (0, 1], so log is finite.
    t += -Math.log(1 - random()) / perMs;
    const pickEntry = random();
    const pickAgent = random();
    const pickWorkflow = random();
    if (!(t < end)) return undefined;
    const entry = pickByWeight(load.mix, pickEntry * totalWeight);
    const agent = (entry.agent && agents.get(entry.agent)) || scenario.agents[Math.floor(pickAgent * scenario.agents.length)];
    const workflow = entry.workflow ?? agent.workflows[Math.floor(pickWorkflow * agent.workflows.length)] ?? null;
    yield { atMs: Math.round(t), entry, agent, workflow };
  }
}

/** A failure's storm copies. */
function copies(failureId: string, atMs: number, agent: string, workflow: string | null, tenant: string | null, b: FailureBehaviour): Unkeyed[] {
  // Field by field: `b` may be a whole FailureSpec, whose atMs, id and source must not leak in.
  const { error, retryable, succeedsOnAttempt, detectAfterMs, rootCause, impact, fixedAfterMs, whys } = b;
  const out: Unkeyed[] = [];
  for (let copy = 0; copy < b.storm; copy++) out.push({ failureId, atMs, agent, workflow, tenant, error, retryable, succeedsOnAttempt, detectAfterMs, rootCause, impact, fixedAfterMs, whys });
  return out;
}

/**
 * The sources' events merged in time order, those past `until` dropped, each keyed. Each
 * source is in time order and the sources are in the order written (scripted failures,
 * then each load), so taking the earliest head, the first source's on a tie, is the stable
 * sort of all of them one after another.
 */
function* keyed(sources: Array<Iterator<Unkeyed>>, until: number): Generator<FailureEvent, undefined, undefined> {
  const heads = sources.map((source) => source.next());
  const counts = new Map<string, number>();
  for (;;) {
    let s = -1;
    for (let i = 0; i < heads.length; i++) {
      const head = heads[i];
      if (!head.done && (s === -1 || head.value.atMs < (heads[s].value as Unkeyed).atMs)) s = i;
    }
    if (s === -1) return undefined;
    const event = heads[s].value as Unkeyed;
    heads[s] = sources[s].next();
    if (event.atMs > until) continue;
    const n = (counts.get(event.failureId) ?? 0) + 1;
    counts.set(event.failureId, n);
    yield { key: `${event.failureId}#${n}`, ...event };
  }
}

/** `random`, counting the numbers drawn from it. */
function countedDraws(random: Random): { random: Random; drawn: () => number } {
  let drawn = 0;
  return { random: () => (drawn++, random()), drawn: () => drawn };
}

/** `random` past its first `count` numbers. */
function skipped(random: Random, count: number): Random {
  for (let i = 0; i < count; i++) random();
  return random;
}

function pickByWeight<T extends { weight: number }>(entries: T[], point: number): T {
  for (const entry of entries) {
    if (point < entry.weight) return entry;
    point -= entry.weight;
  }
  return entries[entries.length - 1]; // point landed on the total through rounding
}
