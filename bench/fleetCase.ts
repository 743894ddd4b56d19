/**
 * One run of the fleet scenario at a scale, in a process of its own so its peak RSS and GC
 * counts are its own: `node --max-old-space-size=1024 --import tsx bench/fleetCase.ts <scale> [commitEvery]`.
 * The scenario's load lasts `scale` times as long (30 days at 1×); the run writes to a file
 * store and commits every `commitEvery` audit rows, as `incident-flow run` does. Prints one
 * JSON line: incidents, audit rows, wall and CPU ms, GC counts, peak RSS (the kernel's
 * high-water mark) and, with --expose-gc, what is still live once the run is committed: V8's
 * heap (`liveHeap`), and outside it `liveExternal` and `liveArrayBuffers` (process.memoryUsage).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runScenario } from '../sim/runner.js';
import { loadScenario } from '../sim/scenario/index.js';
import { openStore } from '../store/index.js';
import { measure } from './measure.js';

const FLEET = 'scenarios/fleet-month.yaml';
const [scale, commitEvery] = [Number(process.argv[2] ?? 1), Number(process.argv[3] ?? 20_000)];

const scenario = await loadScenario(FLEET);
scenario.load = scenario.load.map((l) => ({ ...l, forMs: l.forMs * scale }));
const dir = mkdtempSync(join(tmpdir(), 'if-fleet-'));
const store = await openStore(join(dir, 'fleet.json'), { autoCommit: false });
const { value: result, cost } = await measure(async () => {
  const run = await runScenario(scenario, { store, commitEvery });
  await store.flush();
  return run;
});
global.gc?.();
// What the run still holds once committed: V8's heap, and outside it (ArrayBuffers: the
// indexes' typed arrays, buffers) as `external` counts it.
const live = global.gc ? process.memoryUsage() : null;
const liveHeap = live ? live.heapUsed : null;
await store.close();
rmSync(dir, { recursive: true, force: true });
const peakRss = process.resourceUsage().maxRSS * 1024;
console.log(JSON.stringify({ scale, incidents: result.metrics.overall.incidents, audit: result.auditEntries, ...cost, peakRss, liveHeap, liveExternal: live?.external ?? null, liveArrayBuffers: live?.arrayBuffers ?? null }));
