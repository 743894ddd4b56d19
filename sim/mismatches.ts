import { formatPercent, NONE } from '../reports/time.js';
import { formatDuration as exactDuration } from './duration.js';
import type { Observation, Observations } from './observations.js';
import { DURATION_METRICS, RATE_METRICS } from './scenario/expectCheck.js';
import { byPosition } from './scenario/problems.js';
import type { AuditExpectation, FailureExpectation, MetricExpectation } from './scenario/types.js';

/**
 * One field of a failing expectation: where the scenario wrote it, what it asked and what the
 * run gave, so the author goes from the report to the line of the YAML.
 */
export interface Mismatch {
  /** The field as written in the scenario: `expect[2].resolvedWithin`, `expect[0].max`. */
  path: string;
  /** 1-based, of the field's value; null when the expectation has no place in a file (built in code). */
  line: number | null;
  column: number | null;
  /** As the verdict's `expected` has it (durations in milliseconds). */
  expected: unknown;
  /** The run's value; for a failure expectation, that of the first incident failing the field. */
  observed: unknown;
  /** Failure expectations: the first incident failing the field. */
  incident?: string;
  /** Failure expectations: how many of the incidents fail the field. */
  failing?: number;
  /** Failure expectations: how many incidents the failure opened. */
  incidents?: number;
  /** `expected at most 1h, observed 1h12m30s (inc_…)`: with `formatProblem`, a compiler's line. */
  message: string;
}

type Expectation = FailureExpectation | AuditExpectation | MetricExpectation;

/**
 * A mismatch at `key` of `e`, where the file has the key's value. An expectation built in code
 * notes no places: its mismatches have none, rather than its entry's line at a column 1 that
 * is no place of the field (or a line of a file it was never written in).
 */
function at(e: Expectation, key: string, rest: Omit<Mismatch, 'path' | 'line' | 'column'>): Mismatch {
  const place = e.source.fields?.[key] ?? { line: null, column: null };
  return { path: `${e.source.path}.${key}`, line: place.line, column: place.column, ...rest };
}

/**
 * `items`, each one of `e`'s fields (`key`), in the order the scenario writes them (line, then
 * column); as given without places (built in code). The verdict's `expected` lists them so, as
 * the mismatch lines under it do.
 * @example inWrittenOrder(e, ['min', 'max'], (k) => k) // ['max', 'min'] for { max: 5m, min: 1m }
 */
export function inWrittenOrder<T>(e: Expectation, items: T[], key: (item: T) => string): T[] {
  const place = (item: T) => e.source.fields?.[key(item)] ?? { line: null, column: null };
  return items.sort((a, b) => byPosition(place(a), place(b)));
}

/**
 * Mismatches as the scenario lists their fields: `{ failure: x, resolvedWithin: 30m, severity: P1 }`
 * reads top to bottom, as `validate` lists problems. Without positions (built in code), as given.
 */
function inFileOrder(mismatches: Mismatch[]): Mismatch[] {
  return mismatches.sort(byPosition);
}

const BOUND_WORDS = { count: '', equals: '', min: 'at least ', max: 'at most ' } as const;

/**
 * The bounds of an audit or metric expectation that `value` breaks (each of them when there
 * is nothing to measure). `show` writes a value as the scenario reads it.
 * @example boundMismatches(e, 2, String) // [{ path: 'expect[1].count', expected: 3, observed: 2, message: 'expected 3, observed 2', … }]
 */
export function boundMismatches(e: AuditExpectation | MetricExpectation, value: number | null, show: (v: number) => string): Mismatch[] {
  const bounds: Array<[keyof typeof BOUND_WORDS, number | undefined]> =
    e.kind === 'audit' ? [['count', e.count], ['min', e.min], ['max', e.max]] : [['equals', e.equals], ['min', e.min], ['max', e.max]];
  const observed = value === null ? `${NONE} (nothing to measure)` : show(value);
  const broken = bounds.filter(([key, bound]) => {
    if (bound === undefined) return false;
    if (value === null) return true;
    return key === 'min' ? value < bound : key === 'max' ? value > bound : value !== bound;
  });
  const out = broken.map(([key, bound]) => {
    const wanted = show(bound as number);
    // A mean a fraction of a millisecond past its bound reads as the bound: its milliseconds too.
    const seen = observed === wanted ? `${observed} (${String(value)} ms)` : observed;
    return at(e, key, { expected: bound, observed: value, message: `expected ${BOUND_WORDS[key]}${wanted}, observed ${seen}` });
  });
  // Nothing to measure and no bound written (an expectation built in code): the entry itself.
  const key = e.kind === 'audit' ? 'audit' : 'metric';
  return out.length ? inFileOrder(out) : [at(e, key, { expected: null, observed: value, message: `expected a value of ${e.kind === 'audit' ? e.action : e.metric}, observed ${observed}` })];
}

/**
 * A metric's value as its bounds are written: a duration in the scenario's own form, exact to
 * the millisecond (the reports' "1h 00m" drops the seconds, and a bound of 1h broken by 5 s
 * read "expected at most 1h 00m, observed 1h 00m"), a fraction with its percentage, a count.
 */
export function showMetric(metric: string): (v: number) => string {
  if (DURATION_METRICS.has(metric)) return exactDuration;
  if (RATE_METRICS.has(metric)) return (v) => `${v} (${formatPercent(v)})`;
  return String;
}

/** A failure expectation's checked field: the key written, the one observed, the check, how each reads. */
export interface FieldCheck {
  /** As written in the scenario (`resolvedWithin`). */
  key: string;
  /** As the verdict's `expected` and each observation name it (`resolvedWithinMs`). */
  field: keyof Observation;
  expected: unknown;
  ok: (o: Observation) => boolean;
  show: (v: unknown) => string;
  /** How the expected value reads ("at most 1h"). */
  wanted: string;
}

/**
 * The fields a failure expectation checks, in the order the scenario writes them, which the
 * verdict's `expected` follows.
 * @example failureChecks(e).every((c) => c.ok(observation))
 */
export function failureChecks(e: FailureExpectation): FieldCheck[] {
  const plain = (v: unknown) => (v === null ? 'none' : String(v));
  const checks: FieldCheck[] = [];
  const { severity, escalatedTo, autoResolved, resolvedWithinMs } = e;
  if (severity !== undefined) checks.push({ key: 'severity', field: 'severity', expected: severity, ok: (o) => o.severity === severity, show: plain, wanted: severity });
  if (escalatedTo !== undefined) checks.push({ key: 'escalatedTo', field: 'escalatedTo', expected: escalatedTo, ok: (o) => o.escalatedTo === escalatedTo, show: plain, wanted: escalatedTo });
  if (autoResolved !== undefined) checks.push({ key: 'autoResolved', field: 'autoResolved', expected: autoResolved, ok: (o) => o.autoResolved === autoResolved, show: plain, wanted: String(autoResolved) });
  if (resolvedWithinMs !== undefined) {
    checks.push({
      key: 'resolvedWithin',
      field: 'resolvedWithinMs',
      expected: resolvedWithinMs,
      ok: (o) => o.resolvedWithinMs !== null && o.resolvedWithinMs <= resolvedWithinMs,
      // Exact, as the scenario writes a duration: "at most 1h, observed 1h5s", not "1h 00m" twice.
      show: (v) => (typeof v === 'number' ? exactDuration(v) : 'not resolved'),
      wanted: `at most ${exactDuration(resolvedWithinMs)}`,
    });
  }
  return inWrittenOrder(e, checks, (c) => c.key);
}

/**
 * The fields of a failure expectation that its incidents fail, each with the first incident
 * failing it and how many do; a failure that opened no incident fails at its `failure` key.
 * One pass over the observations.
 */
export function failureMismatches(e: FailureExpectation, each: Observations): Mismatch[] {
  if (each.length === 0) {
    return [at(e, 'failure', { expected: e.failure, observed: null, incidents: 0, message: `expected failure ${e.failure} to open an incident, observed none` })];
  }
  const checks = failureChecks(e);
  const first: Array<Observation | null> = checks.map(() => null);
  const failing = checks.map(() => 0);
  for (const o of each) {
    checks.forEach((c, k) => {
      if (c.ok(o)) return;
      failing[k]++;
      first[k] ??= o;
    });
  }
  const out = checks.flatMap((c, k) => {
    const o = first[k];
    if (o === null) return [];
    const observed = o[c.field];
    const which = each.length === 1 ? o.incident : `${o.incident}; ${failing[k]} of ${each.length} incidents fail it`;
    return [at(e, c.key, { expected: c.expected, observed, incident: o.incident, failing: failing[k], incidents: each.length, message: `expected ${c.wanted}, observed ${c.show(observed)} (${which})` })];
  });
  return inFileOrder(out);
}
