/**
 * `npm run bench`: every figure is a ratio against a floor or a baseline measured in the
 * same run, interleaved round by round, medians of `--runs` rounds (default 3), CPU time
 * beside wall time (on a shared machine wall time counts others' work too).
 *   --quick            small sizes (fleet at 1/8× and 1×, 2,000 lifecycles, watcher at 10k/60k)
 *   --scales=A,B       fleet scales for the linear case (default 1,8)
 *   --lifecycles=N     lifecycles per floor run (default 10,000)
 *   --watcher=I,A      incidents and audit rows of the watcher case (default 100,000,600,000)
 *                      (over PostgreSQL too when 127.0.0.1:5432 or INCIDENT_FLOW_TEST_PG answers)
 *   --runs=N           rounds (default 3; the floors 9: one of their rounds moves by a tenth)
 *   --cluster=N        lifecycles per side of the PostgreSQL scale-out case (default 200; quick 50)
 *   SECTION…           only those sections, in the order given, e.g. `npm run bench -- linear`
 *                      or `npm run bench -- floors watcher --quick`: linear, floors, watcher,
 *                      clock, store, startup, cluster (sections 1 to 7)
 */
import { clockRace } from './clocks.js';
import { clusterHeading, clusterLines, clusterRace } from './cluster.js';
import { floorRace, type Side } from './floorRace.js';
import { quartiles } from './measure.js';
import { linear } from './linear.js';
import { startupLines, startupRace } from './startup.js';
import { commitRace } from './storeVsLowdb.js';
import { benchWatcherOverPostgres, postgresReachable } from './watcherPostgres.js';
import { benchWatcherAtScale, type WatcherScaleBench } from './watcherScale.js';

const quick = process.argv.includes('--quick');
const flag = (name: string, fallback: number[]) => {
  const raw = process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
  return raw ? raw.split(',').map(Number) : fallback;
};
const [runs] = flag('runs', [3]);
/** The floors' rounds: a single one moves by a tenth on this machine, so their median needs more. */
const floorRuns = process.argv.some((a) => a.startsWith('--runs=')) ? runs : 9;
const scales = flag('scales', quick ? [0.125, 1] : [1, 8]);
const [lifecycles] = flag('lifecycles', [quick ? 2_000 : 10_000]);
const [wIncidents, wAudits] = flag('watcher', quick ? [10_000, 60_000] : [100_000, 600_000]);
const [clusterN] = flag('cluster', [quick ? 50 : 200]);
const fmt = (x: number) => Math.round(x).toLocaleString('en-US');
const ms = (x: number, d = 3) => `${x.toFixed(d)} ms`;
const verdict = (ok: boolean) => (ok ? 'met' : 'NOT met');
const side = (s: Side) => `${ms(s.cpuMs)} CPU, ${ms(s.wallMs)} wall, ${s.gcYoungPer1k.toFixed(1)} young GCs per 1k`;

console.log(`incident-flow bench · Node ${process.version} · ${runs} interleaved rounds, medians\n`);

/** Section 1. */
async function linearSection(): Promise<void> {
  console.log(`1. Linear: the fleet scenario (scenarios/fleet-month.yaml, load for: scaled) at ${scales.map((s) => `${s}×`).join(' and ')}, each run in its own process, file store, a commit every 20,000 audit rows`);
  const lin = linear(scales, runs);
  for (const s of lin.scales) {
    console.log(`   ${`${s.scale}×`.padStart(6)}: ${fmt(s.incidents)} incidents, ${fmt(s.audit)} audit rows · ${ms(s.cpuMsPerIncident)} CPU / incident (${ms(s.wallMsPerIncident)} wall) · peak RSS ${fmt(s.peakRssMB)} MB · live heap after the run ${s.liveHeapMB === null ? '—' : `${fmt(s.liveHeapMB)} MB`} · ${s.gcYoungPer1k.toFixed(1)} young GCs per 1k incidents`);
  }
  const [lo, hi] = [scales[0], scales.at(-1)];
  console.log(`   CPU per incident ${hi}× ÷ ${lo}×: ${lin.cpuRatio.toFixed(2)} (target ≤ 1.10: ${verdict(lin.cpuRatio <= 1.1)}) · peak RSS ${hi}× ÷ ${lo}×: ${lin.rssRatio.toFixed(2)} (target ≤ 1.25: ${verdict(lin.rssRatio <= 1.25)})`);
}

/** Section 2. */
async function floorsSection(): Promise<void> {
  console.log(`2. Floors: ${fmt(lifecycles)} incident lifecycles open at once (detected → 3 failed retries at 0 s, 5 s, 25 s → Cheryl → Petra → Atlas → resolved → reviewed → closed), same virtual clock`);
  const f = await floorRace(lifecycles, floorRuns);
  console.log(`   (two races of ${floorRuns} rounds: the chart floor against ours on memory, then the physical floor against ours on file, each race's sides interleaved, which goes first alternating; ratios of CPU time, round by round, then the median)`);
  console.log(`   chart floor    — our incident machine, every effect a no-op (deadlines still fire on the clock; no audit, records, deadline rows): ${side(f.chartFloor)}`);
  console.log(`   ours, memory   — the engine's incident actors on the memory store (${f.rowsPerLifecycle} audit rows, records per burst, deadline rows): ${side(f.memory)}`);
  console.log(`   physical floor — bare XState transitions + JSON.stringify of the same ${f.rowsPerLifecycle} audit rows + raw append, fdatasync per 10,000 lines: ${side(f.physicalFloor)}`);
  console.log(`   ours, file     — the same engine on the file store (audit file + state journal, one group commit with fsync, close folds the state): ${side(f.file)}`);
  // The rounds' range, and their middle half: how far the median could move with other rounds.
  const range = (rounds: number[], unit = '') => {
    const [q1, q3] = quartiles(rounds);
    return `rounds ${Math.min(...rounds).toFixed(2)}${unit}–${Math.max(...rounds).toFixed(2)}${unit}, middle half ${q1.toFixed(2)}${unit}–${q3.toFixed(2)}${unit}`;
  };
  console.log(`   chart floor ÷ ours on memory (CPU): ${f.chartRatio.toFixed(3)} (target ≥ 0.80: ${verdict(f.chartRatio >= 0.8)}; ${range(f.chartRounds)})`);
  console.log(`   ours on file ÷ physical floor (CPU): ${f.physicalRatio.toFixed(3)}× (target ≤ 2×: ${verdict(f.physicalRatio <= 2)}; ${range(f.physicalRounds, '×')})`);
}

/** The watcher's answers and searches, with their targets: the same lines over either store. */
function printAnswers(a: Pick<WatcherScaleBench, 'routes' | 'search'>): void {
  for (const r of a.routes) console.log(`   ${r.name.padEnd(34)} ${r.path.padEnd(42)} p95 ${ms(r.p95, 1).padStart(9)} · max ${ms(r.max, 1)} · first ${ms(r.first, 1)}`);
  const slowest = Math.max(...a.routes.map((r) => r.p95));
  console.log(`   every answer p95 ≤ 10 ms: ${verdict(slowest <= 10)} (slowest p95 ${ms(slowest, 1)})`);
  console.log(`   full-text audit search (${a.search.terms} terms, 10 requests): p95 ${ms(a.search.p95, 0)}, first ${ms(a.search.first, 0)} (target ≤ 100 ms: ${verdict(a.search.p95 <= 100)})`);
}

/** Section 3. */
async function watcherSection(): Promise<void> {
  console.log(`3. Watcher over a store of ${fmt(wIncidents)} incidents and ${fmt(wAudits)} audit rows, opened read-only as \`incident-flow watch\` does; 50 requests per answer over loopback`);
  const w = await benchWatcherAtScale(wIncidents, wAudits);
  const mb = (bytes: number) => `${Math.round(bytes / 1e6)} MB`;
  console.log(`   files: state ${mb(w.bytes.state)}, audit ${mb(w.bytes.audit)}, audit index ${mb(w.bytes.auditIndex)}, state index ${mb(w.bytes.stateIndex)}`);
  console.log(`   store open (median of 3): ${ms(w.openMs, 0)} wall, ${ms(w.openCpuMs, 0)} CPU (target ≤ 2,000 ms: ${verdict(w.openMs <= 2000)})`);
  console.log(`   the same open without the audit index file (every audit row parsed; interleaved): ${ms(w.rebuildMs, 0)} wall, ${ms(w.rebuildCpuMs, 0)} CPU`);
  console.log(`   the same open without the state index file (every state row parsed; interleaved): ${ms(w.parsedMs, 0)} wall, ${ms(w.parsedCpuMs, 0)} CPU`);
  printAnswers(w);
  await watcherPostgresPart();
}

/** Section 3, over PostgreSQL (127.0.0.1:5432, or INCIDENT_FLOW_TEST_PG), when it answers. */
async function watcherPostgresPart(): Promise<void> {
  if (!(await postgresReachable())) return console.log('   over PostgreSQL: skipped (no server at INCIDENT_FLOW_TEST_PG or 127.0.0.1:5432)');
  console.log(`   over PostgreSQL, the same rows written through the store's writer; each open in a process of its own, ${runs} interleaved rounds, medians:`);
  const p = await benchWatcherOverPostgres(wIncidents, wAudits, runs);
  const open = (o: typeof p.paged) => `${ms(o.openMs, 0)} wall, ${ms(o.openCpuMs, 0)} CPU, ${fmt(o.heldMB)} MB RSS held, peak ${fmt(o.peakMB)} MB`;
  console.log(`   written in ${ms(p.buildMs, 0)}, then VACUUM ANALYZE`);
  console.log(`   watch's open until /session answers (audit in the database): ${open(p.paged)} (target ≤ 2,000 ms: ${verdict(p.paged.openMs <= 2000)})`);
  console.log(`   the same open loading the audit into memory (as report and review do): ${open(p.loaded)}`);
  printAnswers(p);
}

/** Section 4. */
async function clockSection(): Promise<void> {
  console.log('4. Virtual clock: n open incidents, each with a response and a resolution timer, all fired');
  for (const n of quick ? [500] : [1_000, 4_000]) {
    const r = clockRace(n);
    console.log(`   ${fmt(n).padStart(7)} incidents: XState SimulatedClock ${ms(r.simulatedMs, 0)} · ours ${ms(r.virtualMs, 0)} · ${(r.simulatedMs / r.virtualMs).toFixed(1)}× faster`);
  }
}

/** Section 5. */
async function storeSection(): Promise<void> {
  console.log('5. Store: one small commit (an audit row and an incident update) on a store holding n audit rows');
  for (const n of quick ? [10_000] : [100_000, 500_000]) {
    const r = await commitRace(n);
    console.log(`   ${fmt(n).padStart(7)} rows: plain lowdb ${ms(r.lowdbMs, 1)} · ours (audit append + state journal + fsync) ${ms(r.oursMs, 1)} · ${(r.lowdbMs / r.oursMs).toFixed(1)}× faster`);
  }
}

/** Section 6. Process start-ups are cheap and noisy: at least 7 rounds. */
async function startupSection(): Promise<void> {
  const startupRounds = Math.max(runs, 7);
  console.log(`6. CLI start-up from the compiled package (dist/), each a fresh process, against node -e 0; median of ${startupRounds} interleaved rounds`);
  console.log(startupLines(startupRace(startupRounds)).join('\n'));
}

/** Section 7 (PostgreSQL at 127.0.0.1:5432, or INCIDENT_FLOW_TEST_PG). */
async function clusterSection(): Promise<void> {
  console.log(`7. ${clusterHeading(clusterN, runs)}`);
  console.log(clusterLines(await clusterRace(clusterN, runs, (line) => console.log(line))).join('\n'));
}

const SECTIONS = {
  linear: linearSection, floors: floorsSection, watcher: watcherSection, clock: clockSection,
  store: storeSection, startup: startupSection, cluster: clusterSection,
} as const;
const named = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const unknown = named.filter((a) => !(a in SECTIONS));
if (unknown.length) {
  console.error(`bench: no section ${unknown.map((a) => `'${a}'`).join(', ')}; expected one of ${Object.keys(SECTIONS).join(', ')}`);
  process.exit(2);
}
const chosen = named.length ? (named as Array<keyof typeof SECTIONS>) : (Object.keys(SECTIONS) as Array<keyof typeof SECTIONS>);
for (const [k, name] of chosen.entries()) {
  if (k) console.log('');
  await SECTIONS[name]();
}
