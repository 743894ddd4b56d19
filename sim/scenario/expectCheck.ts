import { AUDIT_ACTIONS } from '../../machines/policies/auditActions.js';
import { durationOrUndefined } from '../duration.js';
import { didYouMean } from '../../store/didYouMean.js';
import type { PathSegment, ProblemList } from './problems.js';

/** Metrics measured in milliseconds: bounds may be written as durations. */
export const DURATION_METRICS = new Set(['mttdMs', 'mttrMs', 'mttResolveMs']);
/** Metrics that are fractions of incidents: bounds must lie in [0, 1]. */
export const RATE_METRICS = new Set(['autoResolveRate', 'repeatRate', 'slaAttainment']);
/** Metrics that count: with the two above, every name the schema's `metric` takes. */
const COUNT_METRICS = new Set(['incidents', 'escalations', 'slaBreaches']);
/** A metric the schema names: its bounds' kind is known. */
export const isMetric = (name: string) => DURATION_METRICS.has(name) || RATE_METRICS.has(name) || COUNT_METRICS.has(name);

/**
 * Checks what the schema cannot about `expect:` entries: that a failure expectation names a
 * declared failure, that an audit one names an action the engine writes, that bounds are
 * given, consistent, and of the metric's kind.
 *
 * @example
 * checkExpectations(data.expect, (id, path) => failures.check(id, path), problems);
 */
export function checkExpectations(
  items: unknown[],
  checkFailure: (id: unknown, path: PathSegment[]) => void,
  problems: ProblemList,
): void {
  items.forEach((item, i) => {
    if (item === null || typeof item !== 'object' || Array.isArray(item)) return;
    const entry: Record<string, unknown> = { ...item };
    const path = ['expect', i];
    if ('failure' in entry) return checkFailure(entry.failure, [...path, 'failure']);
    if ('audit' in entry) {
      checkAuditAction(entry.audit, [...path, 'audit'], problems);
      // Without a bound the entry would pass whatever the run wrote: an expectation that cannot fail.
      if (entry.count === undefined && entry.min === undefined && entry.max === undefined) {
        return problems.add(path, 'expected count, min or max (min: 1 for at least one entry, count: 0 for none); without one it passes whatever the run writes');
      }
      if (entry.count !== undefined && (entry.min !== undefined || entry.max !== undefined)) {
        problems.add(path, 'expected count, or min and/or max, not both');
      }
      return checkBounds(entry, path, problems);
    }
    if (!('metric' in entry)) return;
    if (entry.min === undefined && entry.max === undefined && entry.equals === undefined) {
      return problems.add(path, 'expected at least one of min, max or equals');
    }
    const metric = String(entry.metric);
    // A misspelt name is the schema's to report ("did you mean mttrMs?"): its bounds' kind is unknown.
    if (!isMetric(metric)) return checkBounds(entry, path, problems);
    for (const key of ['min', 'max', 'equals']) {
      const value = entry[key];
      if (typeof value === 'string' && !DURATION_METRICS.has(metric)) {
        problems.add([...path, key], `expected a number for ${metric} (durations are for mttdMs, mttrMs, mttResolveMs), got "${value}"`);
      }
      if (typeof value === 'number' && RATE_METRICS.has(metric) && (value < 0 || value > 1)) {
        problems.add([...path, key], `expected a fraction between 0 and 1 for ${metric}, got ${value}`);
      }
    }
    checkBounds(entry, path, problems);
  });
}

/** An action the engine never writes would pass `count: 0` and fail `min: 1` whatever the run did. */
function checkAuditAction(action: unknown, path: PathSegment[], problems: ProblemList): void {
  const known: readonly string[] = AUDIT_ACTIONS;
  if (typeof action !== 'string' || action === '' || known.includes(action)) return;
  problems.add(path, `unknown audit action "${action}"${didYouMean(action, known) || `; expected one the engine writes: ${known.join(', ')}`}`);
}

function checkBounds(entry: Record<string, unknown>, path: PathSegment[], problems: ProblemList): void {
  const min = asNumber(entry.min);
  const max = asNumber(entry.max);
  if (min !== undefined && max !== undefined && min > max) {
    problems.add(path, `expected min <= max, got min ${String(entry.min)} and max ${String(entry.max)}`);
  }
}

/** A bound as a number: durations in ms; undefined when malformed (the schema says so). */
function asNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  return durationOrUndefined(value);
}
