/**
 * One side of the chart floor alone, for profiling (`node --cpu-prof`): `floor`, `ours` (the
 * memory store) or `file` (the file store, as the physical floor's side), after a warm-up,
 * `rounds` runs of `n` lifecycles. Prints CPU ms per lifecycle per round.
 *   node --import tsx --expose-gc bench/chartSide.ts ours 10000 3
 */
import { noopRate } from './floors.js';
import { incidentRate } from './lifecycle.js';
import { measure } from './measure.js';

const [side = 'ours', nRaw = '10000', roundsRaw = '3'] = process.argv.slice(2);
const n = Number(nRaw);
const on = side === 'file' ? 'file' : 'memory';
const run = async (): Promise<unknown> => (side === 'floor' ? noopRate(n) : incidentRate(n, n, on));
await (side === 'floor' ? noopRate(500) : incidentRate(500, 500, on));
for (let r = 0; r < Number(roundsRaw); r++) {
  global.gc?.();
  const { cost } = await measure(run);
  console.log(`${side}: ${(cost.cpuMs / n).toFixed(3)} ms CPU, ${((1000 * cost.gcYoung) / n).toFixed(1)} young GCs per 1k`);
}
