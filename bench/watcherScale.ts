/**
 * The Agent Watcher over a big store: `incidents` incidents and `audits` audit rows
 * (100,000 and 600,000 in `npm run bench`), opened read-only as `incident-flow watch` does.
 * Times the open (and, interleaved, the open without the audit index file, and without the
 * state index file), then 50
 * requests of every API answer (p95), and full-text audit searches.
 */
import { mkdtempSync, renameSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { incidentMachine } from '../machines/incidentMachine.js';
import { SEVERITIES, type IncidentRecord } from '../machines/types.js';
import { percentile } from '../reports/stats.js';
import { openStore, storeFiles } from '../store/index.js';
import { startWatcher } from '../watcher/index.js';
import { median } from './measure.js';
import { auditRow, incidentRow } from './store.js';

export interface WatcherScaleBench {
  /** Opening the store read-only: median wall and CPU ms of 3 opens (CPU: this process's, GC threads included). */
  openMs: number;
  openCpuMs: number;
  /** The same without its audit index file (every audit row parsed, as before it existed), interleaved with those. */
  rebuildMs: number;
  rebuildCpuMs: number;
  /** The same without its state index file (every state row parsed, as before it existed), interleaved with those. */
  parsedMs: number;
  parsedCpuMs: number;
  /** Sizes of the state, audit and their index files, in bytes. */
  bytes: { state: number; audit: number; auditIndex: number; stateIndex: number };
  /**
   * Per API answer: p95 and slowest of 50 requests, and the first of them, in ms. The
   * routes are asked in turn right after the open, so `first` holds what the open left
   * to do for that answer (the incident list, an index built on first use).
   */
  routes: Array<{ name: string; path: string; p95: number; max: number; first: number }>;
  /** Full-text audit searches (`/api/audit?text=…`): p95 over different terms, and the first. */
  search: { p95: number; max: number; terms: number; first: number };
}

/** One in 200 incidents still open, severities mixed: a big store as an operator sees it. */
export function incident(i: number): IncidentRecord {
  const row = incidentRow(i);
  const open = i % 200 === 0;
  return { ...row, severity: SEVERITIES[i % 4], status: open ? 'triaged' : 'closed', closedAt: open ? null : row.detectedAt, resolvedAt: open ? null : row.detectedAt };
}

export async function benchWatcherAtScale(incidents: number, audits: number): Promise<WatcherScaleBench> {
  const dir = mkdtempSync(join(tmpdir(), 'incident-flow-watcher-'));
  const file = join(dir, 'watch.json');
  try {
    const writer = await openStore(file);
    for (let from = 0; from < Math.max(audits, incidents); from += 50_000) {
      for (let i = from; i < from + 50_000; i++) {
        if (i < audits) writer.appendAudit(auditRow(i));
        if (i < incidents) writer.put('incidents', incident(i));
      }
      await writer.flush();
    }
    await writer.close();

    const files = storeFiles(file);
    const size = (path: string) => statSync(path, { throwIfNoEntry: false })?.size ?? 0;
    const bytes = { state: size(files.state), audit: size(files.audit), auditIndex: size(files.auditIndex), stateIndex: size(files.stateIndex) };
    const timed = { opens: [] as number[], openCpu: [] as number[], rebuilds: [] as number[], rebuildCpu: [] as number[], parsed: [] as number[], parsedCpu: [] as number[] };
    /** One open with `aside` (a side file) moved away for it, or none. */
    const timeOpen = async (wall: number[], cpuMs: number[], aside: string | null) => {
      if (aside) renameSync(aside, `${aside}.aside`);
      // The writer's and the last open's garbage is collected first: a watcher opens in a fresh process.
      global.gc?.();
      const [t, cpu] = [performance.now(), process.cpuUsage()];
      const s = await openStore(file, { readonly: true, search: true });
      wall.push(performance.now() - t);
      const used = process.cpuUsage(cpu);
      cpuMs.push((used.user + used.system) / 1000);
      await s.close();
      if (aside) renameSync(`${aside}.aside`, aside);
    };
    for (let k = 0; k < 3; k++) {
      await timeOpen(timed.opens, timed.openCpu, null);
      await timeOpen(timed.rebuilds, timed.rebuildCpu, files.auditIndex);
      await timeOpen(timed.parsed, timed.parsedCpu, files.stateIndex);
    }
    const store = await openStore(file, { readonly: true, search: true });
    const watcher = await startWatcher({ store, machines: { incident: incidentMachine }, pollMs: 3_600_000 });
    const answers = await timeAnswers(`http://127.0.0.1:${watcher.port}/app/watcher/api`, incidents, audits);
    await watcher.close();
    await store.close();
    return { openMs: median(timed.opens), openCpuMs: median(timed.openCpu), rebuildMs: median(timed.rebuilds), rebuildCpuMs: median(timed.rebuildCpu), parsedMs: median(timed.parsed), parsedCpuMs: median(timed.parsedCpu), bytes, ...answers };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The watcher's 12 API answers, 50 requests each in turn, then 10 full-text searches over 5
 * terms, asked of the watcher at `base` (…/app/watcher/api) over a store of `incident(i)`
 * and `auditRow(i)` rows: the file store's case and the PostgreSQL one alike.
 * @example const { routes, search } = await timeAnswers(`http://127.0.0.1:${port}/app/watcher/api`, 100_000, 600_000);
 */
export async function timeAnswers(base: string, incidents: number, audits: number): Promise<Pick<WatcherScaleBench, 'routes' | 'search'>> {
  const time = async (path: string) => {
    const t = performance.now();
    const res = await fetch(`${base}${path}`);
    await res.arrayBuffer();
    if (!res.ok) throw new Error(`bench: ${path} answered ${res.status}`);
    return performance.now() - t;
  };
  const routes: WatcherScaleBench['routes'] = [];
  const pick = (k: number) => `inc_${(k * 7919) % incidents}`;
  const cases: Array<[string, (k: number) => string]> = [
    ['session', () => '/session'],
    ['incident list, newest first', () => '/incidents'],
    ['banners (active incidents)', () => '/incidents?status=active&limit=50'],
    ['incidents by severity and agent', (k) => `/incidents?severity=P1&agent=agent_${k % 40}`],
    ['incident list, page 100', () => '/incidents?offset=9900&limit=100'],
    ['incident detail', (k) => `/incidents/${pick(k)}`],
    ['audit log, newest page', () => '/audit'],
    ['audit by agent and level', (k) => `/audit?agent=agent_${k % 40}&level=error`],
    ['audit, a deep page', () => `/audit?offset=${Math.floor(audits / 2)}`],
    ['responders', () => '/responders'],
    ['pending decisions', () => '/decisions'],
    ['machine diagrams', () => '/machines'],
  ];
  for (const [name, path] of cases) {
    const ms: number[] = [];
    for (let k = 0; k < 50; k++) ms.push(await time(path(k)));
    routes.push({ name, path: path(0), p95: percentile(ms, 95) ?? 0, max: Math.max(...ms), first: ms[0] });
  }
  const terms = ['inc_4242 moved', 'moved on', 'agent_7', 'no such words at all', 'TRIAGE'];
  const searches: number[] = [];
  for (let k = 0; k < 10; k++) searches.push(await time(`/audit?text=${encodeURIComponent(terms[k % terms.length])}`));
  return { routes, search: { p95: percentile(searches, 95) ?? 0, max: Math.max(...searches), terms: terms.length, first: searches[0] } };
}
