import { lifecycleRows, noopRate, physicalRate } from './floors.js';
import { incidentRate } from './lifecycle.js';
import { measure, median, type Cost } from './measure.js';

/** Per lifecycle, medians over the rounds: wall and CPU ms, young-generation GCs per 1,000. */
export interface Side {
  wallMs: number;
  cpuMs: number;
  gcYoungPer1k: number;
}
export interface FloorBench {
  n: number;
  rowsPerLifecycle: number;
  chartFloor: Side;
  memory: Side;
  physicalFloor: Side;
  file: Side;
  /** Chart floor's CPU per lifecycle ÷ the engine's on the memory store (1 = no overhead). */
  chartRatio: number;
  /** Each round's chart ratio, in the order run (how far one round may be from the median). */
  chartRounds: number[];
  /** The engine's CPU per lifecycle on the file store ÷ the physical floor's (1 = at the floor). */
  physicalRatio: number;
  physicalRounds: number[];
}

/**
 * `n` lifecycles, all open at once, four ways, in two races of `runs` rounds each: the chart
 * floor against the engine on the memory store, then the physical floor against the engine on
 * the file store, each race's two sides interleaved round by round, which goes first
 * alternating. Ratios are of CPU time per lifecycle, round by round, then the median (and
 * each round's).
 * @example await floorRace(5_000, 3)
 */
export async function floorRace(n: number, runs: number): Promise<FloorBench> {
  const rows = await lifecycleRows();
  // Warm-up: every path compiled before anything is timed.
  await noopRate(500);
  await incidentRate(500, 500, 'memory');
  await physicalRate(500, 500, rows);
  await incidentRate(500, 500, 'file');
  const costs: Record<'chart' | 'memory' | 'physical' | 'file', Cost[]> = { chart: [], memory: [], physical: [], file: [] };
  type Pair = Array<[keyof typeof costs, () => Promise<unknown>]>;
  const chart: Pair = [
    ['chart', () => noopRate(n)],
    ['memory', () => incidentRate(n, n, 'memory')],
  ];
  const physical: Pair = [
    ['physical', () => physicalRate(n, n, rows)],
    ['file', () => incidentRate(n, n, 'file')],
  ];
  // Each ratio's two sides back to back, round after round, which goes first alternating: the
  // other pair's work between them (a file store's commit of 25 MB, its fsync) moved a round
  // of the chart ratio by a tenth when the four sides took turns.
  for (const pair of [chart, physical]) {
    for (let r = 0; r < runs; r++) {
      for (let k = 0; k < pair.length; k++) {
        const [name, run] = pair[(k + r) % pair.length];
        global.gc?.();
        costs[name].push((await measure(run)).cost);
      }
    }
  }
  const side = (c: Cost[]): Side => ({
    wallMs: median(c.map((x) => x.wallMs / n)),
    cpuMs: median(c.map((x) => x.cpuMs / n)),
    gcYoungPer1k: median(c.map((x) => (1000 * x.gcYoung) / n)),
  });
  const ratios = (a: Cost[], b: Cost[]) => a.map((x, k) => x.cpuMs / b[k].cpuMs);
  const [chartRounds, physicalRounds] = [ratios(costs.chart, costs.memory), ratios(costs.file, costs.physical)];
  return {
    n,
    rowsPerLifecycle: rows.length,
    chartFloor: side(costs.chart),
    memory: side(costs.memory),
    physicalFloor: side(costs.physical),
    file: side(costs.file),
    chartRatio: median(chartRounds),
    chartRounds,
    physicalRatio: median(physicalRounds),
    physicalRounds,
  };
}
