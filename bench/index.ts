/**
 * `npm run bench`: speed and memory as ratios against a bare-XState baseline measured
 * in the same run, so the figures mean the same on a slower machine.
 */
import { bareRate, incidentRate } from './lifecycle.js';
import { fleetMonth } from './fleet.js';

let peakRss = 0;
const sample = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 50);
const mb = (b: number) => `${(b / 2 ** 20).toFixed(0)} MB`;
const fmt = (x: number) => Math.round(x).toLocaleString('en-US');

async function lifecycles(n: number): Promise<void> {
  global.gc?.();
  peakRss = process.memoryUsage().rss;
  const bare = await bareRate(n);
  global.gc?.();
  const t = performance.now();
  const ours = await incidentRate(n);
  const total = (performance.now() - t) / 1000;
  console.log(
    `${fmt(n).padStart(8)} incidents: bare XState ${fmt(bare)}/s, ours + lowdb audit ${fmt(ours.rate)}/s, ratio ${(ours.rate / bare).toFixed(2)} (target ≥ 0.50); ` +
      `${fmt(ours.auditRows)} audit rows flushed in ${(ours.flushMs / 1000).toFixed(2)} s; total ${total.toFixed(1)} s (target < 30 s); peak RSS ${mb(peakRss)} (target < 1.5 GB)`,
  );
}

const sizes = process.argv.includes('--quick') ? [1_000] : [10_000, 100_000];
console.log('Incident lifecycles (detected → 3 failed retries → Cheryl → Petra → Atlas → resolved → reviewed → closed)');
for (const n of sizes) await lifecycles(n);
const month = await fleetMonth();
if (month) console.log(month);
clearInterval(sample);
