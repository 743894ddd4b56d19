/**
 * `npm run bench`: speed and memory as ratios against baselines measured in the same
 * run (bare XState, XState's SimulatedClock, plain lowdb), so the figures keep their
 * meaning on a slower or busier machine. `--quick` runs small sizes only.
 * The lifecycle cases run in child processes with the heap cap an engine should run with
 * (see lifecycleCase.ts).
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { clockRace } from './clocks.js';
import { fleetMonth } from './fleet.js';
import { commitRace } from './storeVsLowdb.js';

const quick = process.argv.includes('--quick');
const fmt = (x: number) => Math.round(x).toLocaleString('en-US');
const ms = (x: number) => `${x.toFixed(x < 10 ? 1 : 0)} ms`;

/** Each lifecycle case runs in a child process: its own peak memory, under the engine's heap cap. */
function lifecycles(n: number, wave: number): void {
  const script = fileURLToPath(new URL('./lifecycleCase.ts', import.meta.url));
  execFileSync(process.execPath, ['--max-old-space-size=1024', '--import', 'tsx', '--expose-gc', script, String(n), String(wave)], { stdio: 'inherit' });
}

console.log('Incident lifecycles: detected → 3 failed retries (0 s, 5 s, 25 s) → Cheryl → Petra → Atlas → resolved → reviewed → closed');
if (quick) lifecycles(1_000, 1_000);
else {
  lifecycles(10_000, 10_000);
  lifecycles(100_000, 10_000);
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
