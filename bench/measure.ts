import { GCProfiler } from 'node:v8';

/** What one measured run cost: wall and CPU time, and the garbage collections it caused. */
export interface Cost {
  wallMs: number;
  cpuMs: number;
  /** Young-generation collections (scavenges): the garbage of short-lived objects. */
  gcYoung: number;
  /** Full mark-sweep-compact collections of the old generation. */
  gcOld: number;
}

/**
 * Runs `fn` once and measures it: wall clock, CPU time of the process (user + system: on a
 * machine shared with others, wall time also counts their work) and GC counts from V8.
 * @example const { value, cost } = await measure(() => incidentRate(1000));
 */
export async function measure<T>(fn: () => Promise<T> | T): Promise<{ value: T; cost: Cost }> {
  const profiler = new GCProfiler();
  profiler.start();
  const cpu = process.cpuUsage();
  const t = performance.now();
  const value = await fn();
  const wallMs = performance.now() - t;
  const used = process.cpuUsage(cpu);
  const { statistics } = profiler.stop();
  const young = statistics.filter((s) => s.gcType === 'Scavenge' || s.gcType.startsWith('Minor')).length;
  const old = statistics.filter((s) => s.gcType === 'MarkSweepCompact').length;
  return { value, cost: { wallMs, cpuMs: (used.user + used.system) / 1000, gcYoung: young, gcOld: old } };
}

/** The median (the mean of the middle two for an even count). */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/**
 * The first and third quartiles: the medians of the lower and upper halves (the middle value,
 * for an odd count, in neither).
 * @example quartiles([1, 2, 3, 4, 5, 6, 7, 8, 9]) // [2.5, 7.5]
 */
export function quartiles(xs: readonly number[]): [number, number] {
  const s = [...xs].sort((a, b) => a - b);
  const half = s.length >> 1;
  if (half === 0) return [s[0], s[0]];
  return [median(s.slice(0, half)), median(s.slice(s.length - half))];
}
