/**
 * Small numeric helpers shared by the metrics, the text report and the charts.
 * All pure; empty inputs give `null` rather than NaN so JSON output stays valid.
 */

/**
 * Arithmetic mean, or null for no values.
 * @example mean([1, 2, 6]) // 3
 */
export function mean(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  let sum = 0;
  for (const v of values) sum += v;
  return sum / values.length;
}

/**
 * Percentile by linear interpolation between closest ranks (the "R-7" / NumPy default):
 * p50 of [1,2,3,4] is 2.5. `p` in [0, 100]. Null for no values.
 * @example percentile([10, 20, 30, 40], 95) // 38.5
 */
export function percentile(values: ArrayLike<number>, p: number): number | null {
  if (values.length === 0) return null;
  if (!(p >= 0 && p <= 100)) throw new RangeError(`incident-flow reports: percentile ${p} is outside [0, 100]`);
  // A typed array sorts by numeric value without a comparator call per pair.
  const sorted = Float64Array.from(values).sort();
  const rank = (p / 100) * (sorted.length - 1);
  const lo = Math.floor(rank);
  const hi = Math.ceil(rank);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (rank - lo);
}

/** @example p50([3, 1, 2]) // 2 */
export const p50 = (values: ArrayLike<number>): number | null => percentile(values, 50);
/** @example p95([1, 2, 3, 4, 5]) // 4.8 */
export const p95 = (values: ArrayLike<number>): number | null => percentile(values, 95);

export interface Summary {
  count: number;
  mean: number | null;
  p50: number | null;
  p95: number | null;
  min: number | null;
  max: number | null;
}

/**
 * Count, mean, p50, p95, min and max of a sample — what a seed sweep prints per metric.
 * @example summarize([1, 2, 3]) // { count: 3, mean: 2, p50: 2, p95: 2.9, min: 1, max: 3 }
 */
export function summarize(values: readonly number[]): Summary {
  return {
    count: values.length,
    mean: mean(values),
    p50: p50(values),
    p95: p95(values),
    // reduce, not Math.min(...values): a spread of 100k+ values overflows the stack.
    min: values.length ? values.reduce((a, b) => Math.min(a, b)) : null,
    max: values.length ? values.reduce((a, b) => Math.max(a, b)) : null,
  };
}

/** A share in [0, 1], or null when the denominator is zero. */
export function ratio(part: number, whole: number): number | null {
  return whole === 0 ? null : part / whole;
}
