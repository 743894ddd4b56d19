import { createIncidentEngine } from '../agents/engine.js';
import type { IncidentEngine } from '../agents/types.js';
import type { IncidentRecord } from '../machines/types.js';
import { computeMetrics, type Metrics } from '../reports/metrics.js';
import { createMemoryStore } from '../store/memoryStore.js';
import { StoreError, TABLE_NAMES, type Store } from '../store/types.js';
import { ExpectationTally, highestEscalation, type Verdict } from './expectations.js';
import { createIds } from './ids.js';
import { sampleLatency } from './latency.js';
import { createRandom } from './random.js';
import { failureTimeline } from './scenario/expand.js';
import type { FailureEvent, Scenario } from './scenario/types.js';
import { pacedEngine, type Pacer } from './pace.js';
import { nextTurn, VirtualClock } from './virtualClock.js';

export interface RunOptions {
  /** Overrides the scenario's seed. */
  seed?: number;
  /** Where the run writes (default: a fresh memory store). Must be empty (see isEmptyStore): a store holding rows is refused. */
  store?: Store;
  /** Called as virtual time advances, with the share of the run done (0..1). */
  onProgress?: (done: number) => void;
  /** Given the engine once it exists (the watcher mounts on it); awaited before virtual time starts, and what it throws rejects the run. */
  onEngine?: (engine: IncidentEngine) => void | Promise<void>;
  /** A live run: virtual time follows the wall clock (sim/pace.ts); onEngine then gets an engine whose answers are stamped with the paced "now". */
  pace?: Pacer;
  /**
   * Commit (`store.flush()`) whenever this many audit rows were written since the last
   * commit, so a long rehearsal holds only what is open rather than everything that
   * happened. Counted in rows, never in real time: the same scenario and seed commit at
   * the same points. Default: no commit until the caller's.
   */
  commitEvery?: number;
  /**
   * Aborted (the CLI's Ctrl-C): the run stops at the next event, or at once from a paced wait,
   * its engine is stopped and `runScenario` rejects with `RunInterrupted`; the store keeps what
   * was written, the caller says it is incomplete.
   */
  signal?: AbortSignal;
}

/** The run was stopped through `RunOptions.signal` before its end, at virtual time `at` (ISO). */
export class RunInterrupted extends Error {
  constructor(readonly at: string) {
    super(`the rehearsal was interrupted at virtual time ${at}`);
    this.name = 'RunInterrupted';
  }
}

/** Per incident, what `report.json` carries. */
export interface IncidentSummary {
  id: string;
  failure: string | null;
  agent: string;
  workflow: string | null;
  severity: IncidentRecord['severity'];
  status: IncidentRecord['status'];
  autoResolved: boolean;
  repeat: boolean;
  escalatedTo: string;
  escalations: IncidentRecord['escalations'];
  slaBreaches: number;
  attached: number;
  detectedAt: string;
  respondedAt: string | null;
  resolvedAt: string | null;
  /** The post-incident review's document (`incident-flow review <id>` prints it). */
  reviewId: string | null;
}

export interface RunResult {
  scenario: string;
  file: string;
  seed: number;
  start: string;
  end: string;
  verdict: 'pass' | 'fail';
  expectations: Verdict[];
  /**
   * Per incident, what `report.json` lists, in the store's order: read from the run's
   * `store` as it is iterated, one incident at a time, not held by the result (a long run's
   * summaries would grow with it). Each call starts a new pass.
   * @example const [first] = result.incidents(); first?.escalatedTo
   */
  incidents(): IterableIterator<IncidentSummary>;
  metrics: Metrics;
  failures: number;
  auditEntries: number;
  store: Store;
}

/** A job that fails as the scenario says: until `succeedsOnAttempt`, with its retryable flag. */
function failingJob(event: FailureEvent, started: () => void) {
  return ({ attempt }: { attempt: number }) => {
    started();
    if (attempt > 0 && event.succeedsOnAttempt !== null && attempt >= event.succeedsOnAttempt) return;
    const error = Object.assign(new Error(event.error), { retryable: event.retryable });
    // A rehearsed failure has no code behind it: name the scenario's failure instead of the
    // runner's own frames (and skip formatting a source-mapped trace per failure).
    error.stack = `Error: ${event.error}\n    at ${event.failureId} (scenario failure on ${event.agent}${event.workflow ? `/${event.workflow}` : ''})`;
    throw error;
  };
}

/** No audit row and no row in any table (meta aside): what a run may write to. Reads at most one row a table, not each table whole. */
export function isEmptyStore(store: Store): boolean {
  return store.auditCount() === 0 && TABLE_NAMES.every((table) => store.list(table, undefined, { last: 1 }).length === 0);
}

/** What a store that is not empty holds, for the refusal: "12 audit rows; rows in incidents, jobs" (at most a row a table read). */
function heldRows(store: Store): string {
  const tables = TABLE_NAMES.filter((table) => store.list(table, undefined, { last: 1 }).length > 0);
  return `${store.auditCount()} audit rows${tables.length ? `; rows in ${tables.join(', ')}` : ''}`;
}

/**
 * Runs a scenario in virtual time: the same engine, actors and store as production,
 * on a virtual clock with a seeded random source and seeded ids, so the same scenario
 * and seed give byte-identical output. Runs until every incident is closed, or to
 * the scenario's horizon.
 */
export async function runScenario(scenario: Scenario, options: RunOptions = {}): Promise<RunResult> {
  const seed = options.seed ?? scenario.seed;
  // Separate streams: an extra id drawn never shifts a latency sample, and back.
  const random = createRandom(seed);
  const ids = createIds(createRandom(seed ^ 0x5bd1e995));
  const timeline = failureTimeline(scenario, () => createRandom(seed ^ 0x27d4eb2f));
  const start = scenario.startMs;
  const horizon = scenario.untilMs === null ? null : start + scenario.untilMs;
  // The only promises a rehearsal makes are job runs (first runs and retries): between two
  // timers, wait for a macrotask turn only when one was started, else go straight on.
  let jobsStarted = false;
  const settle = async () => {
    while (jobsStarted) {
      jobsStarted = false;
      await nextTurn();
    }
  };
  const clock = new VirtualClock({ start, settle });
  const store = options.store ?? createMemoryStore();
  // The report counts every incident in the store: an earlier run's would be counted too.
  if (!isEmptyStore(store)) throw new StoreError(`runScenario: ${store.path ?? 'the store given'} already holds rows (${heldRows(store)}: an earlier run's?), which this run's report would count: give each run an empty store`, 'not-empty', store.path);
  store.setMeta('scenario', { name: scenario.name, file: scenario.file, seed, start: new Date(start).toISOString() });

  const eventOfJob = new Map<string, FailureEvent>();
  /** Incident id → the pending fix's timer. */
  const fixes = new Map<string, number>();
  const latency = (spec: Parameters<typeof sampleLatency>[0]) => (r: () => number) => sampleLatency(spec, r);
  const responders = Object.fromEntries(
    Object.entries(scenario.responders).map(([id, p]) => [id, { ack: latency(p.ack), capacity: p.capacity ?? Number.POSITIVE_INFINITY }]),
  );
  const engine = createIncidentEngine({
    store,
    clock,
    ids,
    random,
    config: scenario.config,
    tenants: scenario.tenants,
    agents: scenario.agents,
    responders,
    onFix: (incident, owner) => {
      const event = incident.jobId ? eventOfJob.get(incident.jobId) : undefined;
      const last = incident.escalations.at(-1);
      const from = last ? Date.parse(last.at) : clock.now();
      const due = Math.max(clock.now(), from + (event?.fixedAfterMs ?? 30 * 60_000));
      // The fix lands `fixedAfter` after the *last* escalation: a fix started by an earlier
      // owner (Cheryl, before the two-hour rule moved the incident to Petra) is superseded.
      const earlier = fixes.get(incident.id);
      if (earlier !== undefined) clock.clearTimeout(earlier);
      fixes.set(incident.id, clock.setTimeout(() => {
        fixes.delete(incident.id);
        if (engine.stateOf(incident.id) !== null) engine.resolve(incident.id, { by: owner, note: 'fix applied' });
      }, due - clock.now()));
    },
  });
  const { pace } = options;
  // A person acts between two timers: move virtual time to the wall clock's first (never
  // past the next timer, which the loop fires), so the audit says when they acted.
  const catchUp = () => {
    if (!pace || clock.isAdvancing()) return;
    // Fed first: a failure not queued yet begins after the next timer, so never before t.
    feed();
    const t = Math.min(pace.now(), (clock.nextDueAt() ?? Infinity) - 1);
    if (t > clock.now()) clock.advanceTo(t);
  };
  try {
    await options.onEngine?.(pace ? pacedEngine(engine, catchUp, pace) : engine);
  } catch (error) {
    await engine.stop();
    throw error;
  }
  const open = new Set<string>();
  /** Pending decisions the person has been asked (an answer scheduled). */
  const asked = new Set<string>();
  engine.subscribe((e) => {
    // A failure that joined an open incident has no fix of its own to look its event up for.
    if (e.type === 'audit' && e.entry.action === 'incident.attached') {
      const jobId = (e.entry.meta as { jobId?: unknown } | null)?.jobId;
      if (typeof jobId === 'string') eventOfJob.delete(jobId);
    }
    // The fix lands `fixedAfter` after the last escalation, by whoever holds the incident:
    // Cheryl's, pending when the two-hour rule hands the incident to Petra, is dropped, not
    // left to resolve it minutes later while Petra, who holds it now, has not acknowledged it.
    if (e.type === 'audit' && e.entry.action === 'incident.escalated') {
      const pending = fixes.get(e.entry.entityId);
      if (pending !== undefined) {
        clock.clearTimeout(pending);
        fixes.delete(e.entry.entityId);
      }
    }
    if (e.type === 'incident') {
      if (e.incident.status !== 'closed') open.add(e.incident.id);
      else {
        open.delete(e.incident.id);
        // Only an open incident's fix looks its failure up: a long run keeps only those.
        if (e.incident.jobId) eventOfJob.delete(e.incident.jobId);
      }
    }
    if (e.type !== 'decision' || scenario.human.answer === 'none') return;
    // The person draws one latency per decision, when it is first asked: a later `pending`
    // event (escalate's moved timeoutAt) is the same question, not a second chance, and a
    // second draw would shift every later one.
    if (e.decision.status !== 'pending') {
      asked.delete(e.decision.id);
      return;
    }
    if (asked.has(e.decision.id)) return;
    asked.add(e.decision.id);
    const answer = scenario.human.answer;
    const after = sampleLatency(scenario.human.after, random);
    clock.setTimeout(() => {
      if (store.get('decisions', e.decision.id)?.status === 'pending') engine.decide(e.decision.id, answer, 'human');
    }, after);
  });

  let submitted = 0;
  // Each failure's timer joins the clock's queue only as its time nears (`feed`), in the
  // place it would have had if all were set now: the same firing order, without a timer and
  // a closure per failure of a long run held from the start. A failure's event is made as
  // it is fed (the timeline is drawn as it is taken) and let go once its job is submitted
  // (an open incident's fix keeps its own through eventOfJob).
  const firstPlace = clock.reserve(timeline.count);
  const upcoming = timeline.events();
  let ahead = upcoming.next();
  let fed = 0;
  const submit = (event: FailureEvent, begins: number) => {
    const { jobId } = engine.submit({
      agent: event.agent,
      workflow: event.workflow,
      tenant: event.tenant,
      run: failingJob(event, () => (jobsStarted = true)),
      impact: event.impact,
      rootCause: event.rootCause ?? undefined,
      whys: event.whys,
      failure: event.failureId,
      startedAt: begins,
    });
    eventOfJob.set(jobId, event);
    submitted++;
  };
  /**
   * Queues every failure that begins by the next timer's due time: the timeline is in order
   * of beginning and a failure is detected at or after it begins, so each one left begins,
   * and comes due, after whatever the clock fires next.
   */
  const feed = () => {
    while (!ahead.done) {
      const event = ahead.value;
      const begins = start + event.atMs;
      if (begins > (clock.nextDueAt() ?? Number.POSITIVE_INFINITY)) return;
      ahead = upcoming.next();
      clock.setTimeoutAt(() => submit(event, begins), begins + event.detectAfterMs, firstPlace + fed);
      fed++;
    }
  };
  const failures = timeline.count;
  const lastFailure = Math.max(start, start + timeline.lastDetectMs);
  const allClosed = () => submitted === failures && open.size === 0;
  // Without a horizon a run ends when every incident is closed; a year is the backstop.
  const backstop = start + 366 * 86_400_000;
  const commitEvery = options.commitEvery ?? Number.POSITIVE_INFINITY;
  let committedAt = store.auditCount();
  // A paced wait ends at the abort, as at an answer: the loop then sees it.
  const { signal } = options;
  signal?.addEventListener('abort', () => pace?.wake(), { once: true });
  for (;;) {
    if (signal?.aborted) break;
    feed();
    const next = clock.nextDueAt();
    if (next === null || (horizon !== null && next > horizon) || next > backstop) {
      // Nothing is due before the horizon: a watched run still waits for it, as for any timer
      // (the page's clock ticks up to `until`); a person's answer meanwhile may set timers.
      if (pace && horizon !== null && clock.now() < horizon && (await pace.wait(horizon))) continue;
      break;
    }
    if (horizon === null && allClosed()) break;
    // Woken early: an answer may have set earlier timers, so look again at what is due.
    if (pace && (await pace.wait(next))) continue;
    await clock.advanceToAsync(next);
    if (store.auditCount() - committedAt >= commitEvery) {
      committedAt = store.auditCount();
      await store.flush();
    }
    options.onProgress?.(Math.min(1, (clock.now() - start) / Math.max(1, (horizon ?? lastFailure) - start)));
  }
  if (signal?.aborted) {
    pace?.stop(clock.now());
    await engine.stop();
    throw new RunInterrupted(new Date(clock.now()).toISOString());
  }
  if (horizon !== null) await clock.advanceToAsync(horizon);
  // The page's clock stops where the run ended (the report's `end`), not where the wall clock
  // had taken it by the time the loop saw nothing left.
  pace?.stop(clock.now());
  await engine.stop();

  // One pass over the incidents, one at a time (a file store reads each closed one back from
  // disk in its turn): the metrics and what the failure expectations observe.
  const observed = new ExpectationTally(scenario.expect);
  const metrics = computeMetrics(tap(store.each('incidents'), (incident) => observed.add(incident)));
  // Audit expectations need counts only: the store's action index answers without reading rows.
  const countOf = (action: string) => store.queryAudit({ action, limit: 0 }).total;
  const expectations = observed.verdicts(countOf, metrics);
  return {
    scenario: scenario.name,
    file: scenario.file,
    seed,
    start: new Date(start).toISOString(),
    end: new Date(clock.now()).toISOString(),
    verdict: expectations.every((v) => v.status === 'pass') ? 'pass' : 'fail',
    expectations,
    *incidents() {
      for (const incident of store.each('incidents')) yield summarize(incident);
    },
    metrics,
    failures,
    auditEntries: store.auditCount(),
    store,
  };
}

/** The items of `items`, each given to `see` first. */
function* tap<T>(items: Iterable<T>, see: (item: T) => void): Generator<T, undefined, undefined> {
  for (const item of items) {
    see(item);
    yield item;
  }
  return undefined;
}

function summarize(i: IncidentRecord): IncidentSummary {
  return {
    id: i.id,
    failure: i.failure,
    agent: i.agent,
    workflow: i.workflow,
    severity: i.severity,
    status: i.status,
    autoResolved: i.autoResolved,
    repeat: i.repeatOf !== null,
    escalatedTo: highestEscalation(i),
    escalations: i.escalations,
    slaBreaches: i.slaBreaches.length,
    attached: i.attached,
    detectedAt: i.detectedAt,
    respondedAt: i.respondedAt,
    resolvedAt: i.resolvedAt,
    reviewId: i.reviewId,
  };
}
