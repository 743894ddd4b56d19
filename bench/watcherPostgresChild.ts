/**
 * One round of bench/watcherPostgres.ts, in a fresh process (its RSS its own):
 * `node --import tsx --expose-gc bench/watcherPostgresChild.ts URL paged|loaded INCIDENTS AUDITS`.
 * Opens the store read-only (`paged`: its audit left in the database, as `incident-flow watch`
 * does; `loaded`: read into memory), serves the watcher, times until `/session` answers, then
 * (paged only) the 12 answers and the searches. Prints one JSON line: ChildFigures.
 */
import { incidentMachine } from '../machines/incidentMachine.js';
import { openStore } from '../store/index.js';
import { startWatcher } from '../watcher/index.js';
import { timeAnswers, type WatcherScaleBench } from './watcherScale.js';

export interface ChildFigures {
  openMs: number;
  openCpuMs: number;
  /** RSS after the open less RSS before it, each after a full GC, and the peak RSS once the open answered, in MB. */
  heldMB: number;
  peakMB: number;
  answers: Pick<WatcherScaleBench, 'routes' | 'search'> | null;
}

const rssMB = () => {
  global.gc?.();
  return process.memoryUsage().rss / 1e6;
};

async function main(): Promise<void> {
  const [url, mode, incidents, audits] = process.argv.slice(2);
  const before = rssMB();
  const [t, cpu] = [performance.now(), process.cpuUsage()];
  const store = await openStore(url, { readonly: true, pagedAudit: mode === 'paged' });
  const watcher = await startWatcher({ store, machines: { incident: incidentMachine } });
  const base = `http://127.0.0.1:${watcher.port}/app/watcher/api`;
  const res = await fetch(`${base}/session`);
  await res.arrayBuffer();
  if (!res.ok) throw new Error(`bench: /session answered ${res.status}`);
  const openMs = performance.now() - t;
  const used = process.cpuUsage(cpu);
  const heldMB = rssMB() - before;
  const peakMB = (process.resourceUsage().maxRSS * 1024) / 1e6;
  const answers = mode === 'paged' ? await timeAnswers(base, Number(incidents), Number(audits)) : null;
  await watcher.close();
  await store.close();
  const figures: ChildFigures = { openMs, openCpuMs: (used.user + used.system) / 1000, heldMB, peakMB, answers };
  console.log(JSON.stringify(figures));
}

await main();
