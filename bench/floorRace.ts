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
  /** The engine's CPU per lifecycle on the file store ÷ the physical floor's (1 = at the floor). */
  physicalRatio: number;
}

/**
 * `n` lifecycles, all open at once, four ways, interleaved round by round (`runs` rounds):
 * the chart floor, the engine on the memory store, the physical floor, the engine on the
 * file store. Ratios are of CPU time per lifecycle, round by round, then the median.
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
  for (let r = 0; r < runs; r++) {
    global.gc?.();
    costs.chart.push((await measure(() => noopRate(n))).cost);
    global.gc?.();
    costs.memory.push((await measure(() => incidentRate(n, n, 'memory'))).cost);
    global.gc?.();
    costs.physical.push((await measure(() => physicalRate(n, n, rows))).cost);
    global.gc?.();
    costs.file.push((await measure(() => incidentRate(n, n, 'file'))).cost);
  }
  const side = (c: Cost[]): Side => ({
    wallMs: median(c.map((x) => x.wallMs / n)),
    cpuMs: median(c.map((x) => x.cpuMs / n)),
    gcYoungPer1k: median(c.map((x) => (1000 * x.gcYoung) / n)),
  });
  const ratio = (a: Cost[], b: Cost[]) => median(a.map((x, k) => x.cpuMs / b[k].cpuMs));
  return {
    n,
    rowsPerLifecycle: rows.length,
    chartFloor: side(costs.chart),
    memory: side(costs.memory),
    physicalFloor: side(costs.physical),
    file: side(costs.file),
    chartRatio: ratio(costs.chart, costs.memory),
    physicalRatio: ratio(costs.file, costs.physical),
  };
}
