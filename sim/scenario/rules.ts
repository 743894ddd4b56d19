import { DurationError } from '../duration.js';
import { LatencyError, parseLatency, type LatencySpec } from '../latency.js';
import type { Fleet } from './fleet.js';

/**
 * Failures in one run, with repeats and load expanded: a month of a 200-agent fleet is
 * about 21,000. A run's memory holds what is open, plus about 0.7 KB per incident and a
 * failure's event until it is submitted: eight months of that fleet (168,000 failures) peaked
 * at about 830 MB of RSS (README, Benchmarks, "Linear"). Past this a scenario is refused
 * before it runs.
 */
export const MAX_EVENTS = 200_000;

/** A scenario file larger than this is refused before it is read (the largest in scenarios/ is 3.4 KB). */
export const MAX_SCENARIO_BYTES = 1024 * 1024;

/** Spec: three attempts (0 s, 5 s, 25 s) unless RETRY_DELAYS_MS says otherwise. */
export const DEFAULT_RETRIES = 3;

const RATE = /^(\d+(?:\.\d+)?)\/(day|hour|week)$/;
const PER_DAY = { hour: 24, day: 1, week: 1 / 7 } as const;

/**
 * Failures per day from a rate like "30/day", "2/hour" or "5/week"; undefined if malformed.
 *
 * @example
 * parseRate('2/hour'); // 48
 */
export function parseRate(rate: unknown): number | undefined {
  const match = typeof rate === 'string' ? RATE.exec(rate) : null;
  return match ? Number(match[1]) * PER_DAY[match[2] as keyof typeof PER_DAY] : undefined;
}

/** The fleet with defaults applied, or undefined when it does not match the schema. */
export function readFleet(value: unknown): Fleet | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  const { agents, tenants = 1, workflowsPerAgent = 1 }: Record<string, unknown> = { ...value };
  const ok = (n: unknown, min: number, max: number): n is number => typeof n === 'number' && Number.isInteger(n) && n >= min && n <= max;
  return ok(agents, 1, 100_000) && ok(tenants, 1, 100_000) && ok(workflowsPerAgent, 0, 100) ? { agents, tenants, workflowsPerAgent } : undefined;
}

/** How many retries the config allows (the highest `succeedsOnAttempt` that can happen). */
export function retryCount(retryDelays: unknown): number {
  return Array.isArray(retryDelays) ? retryDelays.length : DEFAULT_RETRIES;
}

/**
 * What is wrong with a latency whose durations parse but whose bounds do not (b < a,
 * p95 < median), or null. Malformed shapes and durations are the schema check's to report.
 */
export function latencyProblem(value: unknown): string | null {
  if (!isLatencyShape(value)) return null;
  try {
    parseLatency(value);
    return null;
  } catch (error) {
    if (error instanceof LatencyError) return error.message;
    if (error instanceof DurationError) return null;
    throw error;
  }
}

function isLatencyShape(value: unknown): value is LatencySpec {
  if (typeof value === 'string') return true;
  if (value === null || typeof value !== 'object') return false;
  if ('uniform' in value) return Array.isArray(value.uniform) && value.uniform.length === 2 && value.uniform.every((d) => typeof d === 'string');
  if ('lognormal' in value) {
    const l = value.lognormal;
    return l !== null && typeof l === 'object' && 'median' in l && 'p95' in l && typeof l.median === 'string' && typeof l.p95 === 'string';
  }
  return false;
}
