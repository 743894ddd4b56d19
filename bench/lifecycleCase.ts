/**
 * One lifecycle case of `npm run bench`, in a process of its own so its peak memory is its
 * own: `node --max-old-space-size=1024 --import tsx --expose-gc bench/lifecycleCase.ts <n> <wave>`.
 * The old-space cap is what a long-running engine should run with: left alone, V8 lets its
 * old space grow to about three times the live heap before it collects (100k lifecycles:
 * 1.6 GB RSS over a 0.5 GB live heap); capped, it collects sooner, in about the same time.
 */
import { bareRate, incidentRate } from './lifecycle.js';

const [n, wave] = process.argv.slice(2).map(Number);
let peakRss = 0;
const sample = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 20);
const mb = (b: number) => `${(b / 2 ** 20).toFixed(0)} MB`;
const fmt = (x: number) => Math.round(x).toLocaleString('en-US');

// Both warmed up first, so neither pays for the JIT compiling it.
await bareRate(1_000);
await incidentRate(1_000);
global.gc?.();
const bare = await bareRate(n, wave);
global.gc?.();
peakRss = process.memoryUsage().rss;
const t = performance.now();
const ours = await incidentRate(n, wave);
const total = (performance.now() - t) / 1000;
clearInterval(sample);
const shape = wave === n ? 'all open at once' : `${fmt(wave)} open at a time`;
console.log(
  `  ${fmt(n).padStart(7)} incidents, ${shape}: bare XState ${fmt(bare)}/s · ours + lowdb audit ${fmt(ours.rate)}/s · ratio ${(ours.rate / bare).toFixed(2)} (target ≥ 0.50)\n` +
    `           ${fmt(ours.auditRows)} audit rows flushed (fsync) in ${(ours.flushMs / 1000).toFixed(2)} s · total ${total.toFixed(1)} s (target for 100k < 30 s) · heap at the end ${ours.heapMB.toFixed(0)} MB · peak RSS ${mb(peakRss)} (target < 1.5 GB)`,
);
