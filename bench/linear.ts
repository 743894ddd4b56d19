import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { median } from './measure.js';

/** One fleet run's figures, as `fleetCase.ts` prints them. */
interface FleetRun {
  scale: number;
  incidents: number;
  audit: number;
  wallMs: number;
  cpuMs: number;
  gcYoung: number;
  gcOld: number;
  peakRss: number;
  liveHeap: number | null;
}

export interface LinearBench {
  /** Per scale, medians over the runs. */
  scales: Array<{ scale: number; incidents: number; audit: number; cpuMsPerIncident: number; wallMsPerIncident: number; peakRssMB: number; liveHeapMB: number | null; gcYoungPer1k: number }>;
  /** Largest scale against the smallest: CPU per incident and peak RSS, medians of the per-round ratios. */
  cpuRatio: number;
  rssRatio: number;
}

/**
 * The fleet scenario at each of `scales` (30 days at 1×), each run in a child process of
 * its own (its own peak RSS), the scales interleaved round by round, `runs` rounds.
 * @example await linear([1, 8], 3)
 */
export function linear(scales: readonly number[], runs: number): LinearBench {
  const script = fileURLToPath(new URL('./fleetCase.ts', import.meta.url));
  const rounds: FleetRun[][] = [];
  for (let r = 0; r < runs; r++) {
    rounds.push(scales.map((scale) => {
      const out = execFileSync(process.execPath, ['--expose-gc', '--import', 'tsx', script, String(scale)], { encoding: 'utf8' });
      return JSON.parse(out.trim().split('\n').at(-1) ?? '{}') as FleetRun;
    }));
  }
  const per = (k: number, f: (run: FleetRun) => number) => median(rounds.map((round) => f(round[k])));
  const last = scales.length - 1;
  return {
    scales: scales.map((scale, k) => ({
      scale,
      incidents: rounds[0][k].incidents,
      audit: rounds[0][k].audit,
      cpuMsPerIncident: per(k, (x) => x.cpuMs / x.incidents),
      wallMsPerIncident: per(k, (x) => x.wallMs / x.incidents),
      peakRssMB: per(k, (x) => x.peakRss / 2 ** 20),
      liveHeapMB: rounds[0][k].liveHeap === null ? null : per(k, (x) => (x.liveHeap ?? 0) / 2 ** 20),
      gcYoungPer1k: per(k, (x) => (1000 * x.gcYoung) / x.incidents),
    })),
    cpuRatio: median(rounds.map((round) => round[last].cpuMs / round[last].incidents / (round[0].cpuMs / round[0].incidents))),
    rssRatio: median(rounds.map((round) => round[last].peakRss / round[0].peakRss)),
  };
}
