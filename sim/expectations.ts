import type { IncidentRecord, Responder } from '../machines/types.js';
import type { Metrics } from '../reports/metrics.js';
import { boundMismatches, failureChecks, failureMismatches, inWrittenOrder, showMetric, type Mismatch } from './mismatches.js';
import { Observations, type Observation } from './observations.js';
import type { AuditExpectation, Expectation, MetricExpectation } from './scenario/types.js';

/** One expectation's verdict, with what was expected and what the run gave. */
export interface Verdict {
  status: 'pass' | 'fail';
  kind: Expectation['kind'];
  /** Where it was written ("expect[0]", line). */
  path: string;
  line: number | null;
  name: string;
  expected: Record<string, unknown>;
  /**
   * What the run gave: an audit expectation's `count`, a metric's value by its name, a
   * failure's `incidents` (how many it opened) and `each` (an Observations: what was
   * observed of each of them, in order; as JSON, the array of them).
   */
  observed: Record<string, unknown>;
  /**
   * A failing expectation's fields that failed, each where the scenario wrote it
   * (`expect[2].resolvedWithin`) with what it asked and what the run gave; absent on a pass.
   */
  mismatches?: Mismatch[];
}

const RANK: Record<Responder | 'none', number> = { none: 0, cheryl: 1, petra: 2, atlas: 3 };

/** The highest responder an incident was escalated to by a responder ('none' if Cheryl kept it or retries fixed it). */
export function highestEscalation(incident: IncidentRecord): Responder | 'none' {
  let top: Responder | 'none' = 'none';
  for (const e of incident.escalations) if (e.to !== 'human' && RANK[e.to] > RANK[top]) top = e.to;
  return top;
}

const within = (value: number | null, e: { min?: number; max?: number; equals?: number; count?: number }): boolean =>
  value !== null &&
  (e.min === undefined || value >= e.min) &&
  (e.max === undefined || value <= e.max) &&
  (e.equals === undefined || value === e.equals) &&
  (e.count === undefined || value === e.count);

/** The bounds written, in the order the scenario writes them (as the mismatch lines under the verdict). */
const bounds = (e: (AuditExpectation | MetricExpectation) & { equals?: number; count?: number }) =>
  Object.fromEntries(inWrittenOrder(e, Object.entries({ count: e.count, equals: e.equals, min: e.min, max: e.max }).filter(([, v]) => v !== undefined), ([k]) => k));


/**
 * Judges a run's expectations. A failure expectation holds for every incident the
 * failure opened (a failure that opened none fails it).
 */
export function judge(expectations: readonly Expectation[], incidents: Iterable<IncidentRecord>, countOf: (action: string) => number, metrics: Metrics): Verdict[] {
  const tally = new ExpectationTally(expectations);
  for (const incident of incidents) tally.add(incident);
  return tally.verdicts(countOf, metrics);
}

/**
 * `judge` one incident at a time: what the failure expectations observe is noted as the
 * incidents go by (a pass over the store's incidents, beside the metrics), the verdicts
 * given at the end, once the metrics and audit counts are known.
 * @example const t = new ExpectationTally(scenario.expect); for (const i of store.each('incidents')) t.add(i); t.verdicts(countOf, metrics)
 */
export class ExpectationTally {
  readonly #expectations: readonly Expectation[];
  /** Per failure id, the observations of each failure expectation naming it. */
  readonly #byFailure = new Map<string, Observations[]>();
  readonly #observed: Array<Observations | null>;

  constructor(expectations: readonly Expectation[]) {
    this.#expectations = expectations;
    this.#observed = expectations.map((e) => {
      if (e.kind !== 'failure') return null;
      const each = new Observations();
      const lists = this.#byFailure.get(e.failure);
      if (lists) lists.push(each);
      else this.#byFailure.set(e.failure, [each]);
      return each;
    });
  }

  add(i: IncidentRecord): void {
    const lists = i.failure === null ? undefined : this.#byFailure.get(i.failure);
    if (!lists) return;
    const observation: Observation = {
      incident: i.id,
      severity: i.severity,
      escalatedTo: highestEscalation(i),
      autoResolved: i.autoResolved,
      // From detection, as the severity table's targets and "time to resolve" count
      // (scenario.schema.json says so); a silent failure's delay shows in MTTD instead.
      resolvedWithinMs: i.resolvedAt ? Date.parse(i.resolvedAt) - Date.parse(i.detectedAt) : null,
    };
    for (const each of lists) each.push(observation);
  }

  verdicts(countOf: (action: string) => number, metrics: Metrics): Verdict[] {
    return this.#expectations.map((e, k) => {
      const where = { path: e.source.path, line: e.source.line };
      if (e.kind === 'audit') {
        const a = atLeastOne(e);
        const observed = countOf(a.action);
        const verdict: Verdict = { ...where, kind: a.kind, name: `audit ${a.action}`, status: within(observed, a) ? 'pass' : 'fail', expected: bounds(a), observed: { count: observed } };
        return verdict.status === 'pass' ? verdict : { ...verdict, mismatches: boundMismatches(a, observed, String) };
      }
      if (e.kind === 'metric') {
        const observed = metricValue(metrics, e.metric);
        const verdict: Verdict = { ...where, kind: e.kind, name: `metric ${e.metric}`, status: within(observed, e) ? 'pass' : 'fail', expected: bounds(e), observed: { [e.metric]: observed } };
        return verdict.status === 'pass' ? verdict : { ...verdict, mismatches: boundMismatches(e, observed, showMetric(e.metric)) };
      }
      const observedEach = this.#observed[k] ?? new Observations();
      const checks = failureChecks(e);
      const expected = Object.fromEntries(checks.map((c) => [c.field, c.expected]));
      const ok = (o: Observation) => checks.every((c) => c.ok(o));
      const status = observedEach.length > 0 && observedEach.every(ok) ? 'pass' : 'fail';
      const verdict: Verdict = { ...where, kind: e.kind, name: `failure ${e.failure}`, status, expected, observed: { incidents: observedEach.length, each: observedEach } };
      return status === 'pass' ? verdict : { ...verdict, mismatches: failureMismatches(e, observedEach) };
    });
  }
}

/**
 * An audit expectation built in code with no bound means at least one entry: without one it
 * would pass whatever the run wrote (a scenario file's is refused: `checkExpectations`).
 */
function atLeastOne(e: AuditExpectation): AuditExpectation {
  return e.count === undefined && e.min === undefined && e.max === undefined ? { ...e, min: 1 } : e;
}

/** A scenario metric's value in the run's overall metrics (null when nothing to measure). */
export function metricValue(metrics: Metrics, name: string): number | null {
  if (name === 'slaAttainment') return metrics.overall.sla.attainment;
  const value = metrics.overall[name as keyof Metrics['overall']];
  return typeof value === 'number' ? value : null;
}
