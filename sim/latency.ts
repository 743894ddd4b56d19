import { parseDuration } from './duration.js';
import type { Random } from './random.js';

/** A latency as scenario files write it: durations as strings. */
export type LatencySpec = string | { uniform: [string, string] } | { lognormal: { median: string; p95: string } };

/** A latency with durations in milliseconds (what a parsed scenario holds). */
export type Latency =
  | { kind: 'fixed'; ms: number }
  | { kind: 'uniform'; minMs: number; maxMs: number }
  | { kind: 'lognormal'; medianMs: number; p95Ms: number };

/** z of the 95th percentile of the standard normal: p95 = median · e^(1.6449·σ). */
const Z95 = 1.6448536269514722;

/** A latency spec that parses as durations but makes no sense (b < a, p95 < median). */
export class LatencyError extends Error {
  override name = 'LatencyError';
}

/**
 * Converts a scenario's latency spec to milliseconds. Throws `DurationError` for a bad
 * duration and `LatencyError` for bounds in the wrong order.
 *
 * @example
 * parseLatency('2m');                                   // { kind: 'fixed', ms: 120_000 }
 * parseLatency({ lognormal: { median: '5m', p95: '30m' } });
 */
export function parseLatency(spec: LatencySpec): Latency {
  if (typeof spec === 'string') return { kind: 'fixed', ms: parseDuration(spec) };
  if ('uniform' in spec) {
    const [minMs, maxMs] = spec.uniform.map(parseDuration);
    if (maxMs < minMs) throw new LatencyError(`expected uniform bounds in order [low, high], got [${spec.uniform.join(', ')}]`);
    return { kind: 'uniform', minMs, maxMs };
  }
  const medianMs = parseDuration(spec.lognormal.median);
  const p95Ms = parseDuration(spec.lognormal.p95);
  if (medianMs <= 0 || p95Ms < medianMs) {
    throw new LatencyError(`expected a lognormal with 0 < median <= p95, got median ${spec.lognormal.median}, p95 ${spec.lognormal.p95}`);
  }
  return { kind: 'lognormal', medianMs, p95Ms };
}

/**
 * Draws one latency in whole milliseconds. Deterministic for a seeded `random`: a fixed
 * latency draws nothing, a uniform one draws once, a lognormal one draws twice (Box–Muller,
 * cosine branch only, so the count per sample never varies).
 *
 * @example
 * const random = createRandom(7);
 * sampleLatency({ lognormal: { median: '5m', p95: '30m' } }, random); // ≈ 300_000, right-skewed
 * sampleLatency({ kind: 'uniform', minMs: 0, maxMs: 1000 }, random);
 */
export function sampleLatency(spec: LatencySpec | Latency, random: Random): number {
  const latency = typeof spec === 'string' || !('kind' in spec) ? parseLatency(spec) : spec;
  switch (latency.kind) {
    case 'fixed':
      return latency.ms;
    case 'uniform':
      return Math.round(latency.minMs + random() * (latency.maxMs - latency.minMs));
    case 'lognormal': {
      const sigma = Math.log(latency.p95Ms / latency.medianMs) / Z95;
      // 1 - random() is in (0, 1]: the logarithm never sees 0.
      const z = Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
      return Math.round(latency.medianMs * Math.exp(sigma * z));
    }
  }
}
