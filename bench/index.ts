/**
 * `npm run bench`: speed and memory as ratios against baselines measured in the same
 * run (bare XState, XState's SimulatedClock, plain lowdb), so the figures keep their
 * meaning on a slower or busier machine. `--quick` runs small sizes only.
 *
 * The script runs Node with `--max-old-space-size=1024`, as a long-running engine should:
 * left alone, V8 lets its old space grow to about three times the live heap before it
 * collects (100k lifecycles: 1.6 GB RSS over a 0.5 GB live heap); capped, it collects
 * sooner, for about the same time.
 */
import { clockRace } from './clocks.js';
import { fleetMonth } from './fleet.js';
import { bareRate, incidentRate } from './lifecycle.js';
import { commitRace } from './storeVsLowdb.js';

const quick = process.argv.includes('--quick');
let peakRss = 0;
const sample = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 20);
const mb = (b: number) => `${(b / 2 ** 20).toFixed(0)} MB`;
const fmt = (x: number) => Math.round(x).toLocaleString('en-US');
const ms = (x: number) => `${x.toFixed(x < 10 ? 1 : 0)} ms`;

async function lifecycles(n: number, wave: number): Promise<void> {
  global.gc?.();
  const bare = await bareRate(n, wave);
  global.gc?.();
  peakRss = process.memoryUsage().rss;
  const t = performance.now();
  const ours = await incidentRate(n, wave);
  const total = (performance.now() - t) / 1000;
  const shape = wave === n ? 'all open at once' : `${fmt(wave)} open at a time`;
  console.log(
    `  ${fmt(n).padStart(7)} incidents, ${shape}: bare XState ${fmt(bare)}/s · ours + lowdb audit ${fmt(ours.rate)}/s · ratio ${(ours.rate / bare).toFixed(2)} (target ≥ 0.50)\n` +
      `           ${fmt(ours.auditRows)} audit rows flushed (fsync) in ${(ours.flushMs / 1000).toFixed(2)} s · total ${total.toFixed(1)} s (target < 30 s) · heap at the end ${ours.heapMB.toFixed(0)} MB · peak RSS ${mb(peakRss)} (target < 1.5 GB)`,
  );
}

console.log('Incident lifecycles: detected → 3 failed retries (0 s, 5 s, 25 s) → Cheryl → Petra → Atlas → resolved → reviewed → closed');
if (quick) await lifecycles(1_000, 1_000);
else {
  await lifecycles(10_000, 10_000);
  await lifecycles(100_000, 10_000);
}

console.log('\nVirtual clock: n open incidents, each with a response and a resolution timer, all fired');
for (const n of quick ? [500] : [1_000, 4_000]) {
  const r = clockRace(n);
  console.log(`  ${fmt(n).padStart(7)} incidents: XState SimulatedClock ${ms(r.simulatedMs)} · ours ${ms(r.virtualMs)} · ${(r.simulatedMs / r.virtualMs).toFixed(1)}× faster`);
}

console.log('\nStore: one small commit (an audit row and an incident update) on a store holding n audit rows');
for (const n of quick ? [10_000] : [100_000, 500_000]) {
  const r = await commitRace(n);
  console.log(`  ${fmt(n).padStart(7)} rows: plain lowdb ${ms(r.lowdbMs)} · ours (audit append + state journal + fsync) ${ms(r.oursMs)} · ${(r.lowdbMs / r.oursMs).toFixed(1)}× faster`);
}
console.log('Store: the same commit on a store holding n incidents (about 1.1 KB each)');
for (const n of quick ? [10_000] : [100_000]) {
  const r = await commitRace(1_000, 10, n);
  console.log(`  ${fmt(n).padStart(7)} incidents: plain lowdb ${ms(r.lowdbMs)} · ours ${ms(r.oursMs)} · ${(r.lowdbMs / r.oursMs).toFixed(1)}× faster`);
}

if (!quick) {
  const month = await fleetMonth();
  if (month) console.log(`\n${month}`);
}
clearInterval(sample);
