/**
 * One run of the fleet scenario at a scale, in a process of its own so its peak RSS and GC
 * counts are its own: `node --max-old-space-size=1024 --import tsx bench/fleetCase.ts <scale> [commitEvery]`.
 * The scenario's load lasts `scale` times as long (30 days at 1×); the run writes to a file
 * store and commits every `commitEvery` audit rows, as `incident-flow run` does. Prints one
 * JSON line: incidents, CPU and wall ms, peak RSS, young- and old-generation collections.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PerformanceObserver, constants } from 'node:perf_hooks';
import { runScenario } from '../sim/runner.js';
import { loadScenario } from '../sim/scenario/index.js';
import { openStore } from '../store/index.js';

export const FLEET = 'scenarios/fleet-month.yaml';
const [scale, commitEvery] = [Number(process.argv[2] ?? 1), Number(process.argv[3] ?? 20_000)];

const scenario = await loadScenario(FLEET);
scenario.load = scenario.load.map((l) => ({ ...l, forMs: l.forMs * scale }));
const dir = mkdtempSync(join(tmpdir(), 'if-fleet-'));
const store = await openStore(join(dir, 'fleet.json'), { autoCommit: false });

const gc = { young: 0, old: 0 };
const observer = new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    const kind = (entry as PerformanceEntry & { detail?: { kind?: number } }).detail?.kind;
    if (kind === constants.NODE_PERFORMANCE_GC_MINOR) gc.young++;
    else gc.old++;
  }
});
observer.observe({ entryTypes: ['gc'] });

const cpu0 = process.cpuUsage();
const t0 = performance.now();
const result = await runScenario(scenario, { store, commitEvery });
await store.close();
const wallMs = performance.now() - t0;
const cpu = process.cpuUsage(cpu0);
// The kernel's high-water mark: no sampling timer (memoryUsage() reads /proc, and costs).
const peakRss = process.resourceUsage().maxRSS * 1024;
observer.disconnect();
rmSync(dir, { recursive: true, force: true });
console.log(JSON.stringify({ scale, incidents: result.incidents.length, audit: result.auditEntries, cpuMs: (cpu.user + cpu.system) / 1000, wallMs, peakRss, gcYoung: gc.young, gcOld: gc.old }));
