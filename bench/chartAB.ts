/**
 * For iterating on the engine's own costs: the chart floor against the engine of two
 * checkouts (`A` and `B`, each a folder holding this repository's sources), loaded side by
 * side in one process and run interleaved, `rounds` rounds of `n` lifecycles on the memory
 * store, the order rotated each round. Prints each side's CPU per lifecycle, young GCs per
 * 1,000, and the medians of B ÷ A and of floor ÷ each. With `file` last: the engines on
 * the file store, against the physical floor (bare transitions + stringify + raw append).
 *   node --import tsx --expose-gc bench/chartAB.ts /work/base /work/mine 10000 6 [file]
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { measure, median, type Cost } from './measure.js';

const [dirA, dirB, nRaw = '10000', roundsRaw = '6', onRaw = 'memory'] = process.argv.slice(2);
const n = Number(nRaw);
const on = onRaw === 'file' ? 'file' : 'memory';
type Rate = (n: number, wave: number, on: 'memory' | 'file') => Promise<unknown>;
const load = async (dir: string) => (await import(pathToFileURL(resolve(dir, 'bench/lifecycle.ts')).href)).incidentRate as Rate;
const [rateA, rateB] = [await load(dirA), await load(dirB)];
const { noopRate, physicalRate, lifecycleRows } = await import(pathToFileURL(resolve(dirA, 'bench/floors.ts')).href);
const template = on === 'file' ? await lifecycleRows() : [];
const sides: Array<[string, () => Promise<unknown>]> = [
  ['floor', () => (on === 'file' ? physicalRate(n, n, template) : noopRate(n))],
  ['A', () => rateA(n, n, on)],
  ['B', () => rateB(n, n, on)],
];
for (const [, run] of sides) await run(); // warm-up, every path compiled
const costs = new Map<string, Cost[]>(sides.map(([name]) => [name, []]));
for (let r = 0; r < Number(roundsRaw); r++) {
  for (let k = 0; k < sides.length; k++) {
    const [name, run] = sides[(k + r) % sides.length];
    global.gc?.();
    costs.get(name)?.push((await measure(run)).cost);
  }
  const line = sides.map(([name]) => `${name} ${((costs.get(name)?.[r].cpuMs ?? 0) / n).toFixed(3)}`).join(' · ');
  console.log(`round ${r + 1}: ${line} ms CPU per lifecycle`);
}
const of = (name: string) => costs.get(name) ?? [];
const ratio = (a: Cost[], b: Cost[]) => median(a.map((x, k) => x.cpuMs / b[k].cpuMs));
for (const [name] of sides) console.log(`${name}: ${(median(of(name).map((c) => c.cpuMs)) / n).toFixed(3)} ms CPU, ${median(of(name).map((c) => (1000 * c.gcYoung) / n)).toFixed(1)} young GCs per 1k`);
console.log(`B ÷ A: ${ratio(of('B'), of('A')).toFixed(3)} · floor ÷ A: ${ratio(of('floor'), of('A')).toFixed(3)} · floor ÷ B: ${ratio(of('floor'), of('B')).toFixed(3)}`);
if (on === 'file') console.log(`A ÷ physical floor: ${ratio(of('A'), of('floor')).toFixed(2)}× · B ÷ physical floor: ${ratio(of('B'), of('floor')).toFixed(2)}×`);
