/**
 * The Agent Watcher over a big PostgreSQL store (part of `npm run bench -- watcher`, run only
 * when the server at INCIDENT_FLOW_TEST_PG, default 127.0.0.1:5432, answers): the same rows as
 * the file store's case (bench/watcherScale.ts), written through the store's own writer into
 * a database of its own (`<BENCH_DB_PREFIX>watcher_<pid>`, dropped after), then opened in a
 * fresh process per round as `incident-flow watch` opens it (the audit left in the database,
 * `pagedAudit`), interleaved with the open that loads the audit into memory (as every
 * PostgreSQL store did before, and `report` and `review` still do).
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import type { IncidentRecord } from '../machines/types.js';
import { openStore } from '../store/index.js';
import { createTestDatabase, PG_SERVER } from '../tests/helpers/pgDatabase.js';
import type { ChildFigures } from './watcherPostgresChild.js';
import { median } from './measure.js';
import { auditRow } from './store.js';
import { incident, type WatcherScaleBench } from './watcherScale.js';

const CHILD = fileURLToPath(new URL('./watcherPostgresChild.ts', import.meta.url));
const PREFIX = process.env.BENCH_DB_PREFIX ?? 'bench_';

/** One way of opening: medians over the rounds. */
export interface PgOpenFigures {
  /** From the open's start until `/session` answers: wall and CPU ms. */
  openMs: number;
  openCpuMs: number;
  /** RSS the open added (after a full GC on both sides), and the process's peak RSS, in MB. */
  heldMB: number;
  peakMB: number;
}

export interface WatcherPostgresBench {
  /** How long writing the rows through the store's writer took, in ms. */
  buildMs: number;
  /** The watcher's open (the audit paged in the database) and the open that loads it. */
  paged: PgOpenFigures;
  loaded: PgOpenFigures;
  /** The 12 answers and the searches over the paged open: per answer, the median of the rounds' p95. */
  routes: WatcherScaleBench['routes'];
  search: WatcherScaleBench['search'];
}

/** Whether the bench's PostgreSQL server answers (the section is skipped when it does not). */
export async function postgresReachable(): Promise<boolean> {
  const client = new pg.Client({ connectionString: `${PG_SERVER}/postgres`, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * Builds the store of `incidents` incidents and `audits` audit rows, then `runs` rounds of
 * one paged and one loaded open, each in a process of its own.
 * @example const r = await benchWatcherOverPostgres(100_000, 600_000, 3); r.paged.openMs
 */
export async function benchWatcherOverPostgres(incidents: number, audits: number, runs: number): Promise<WatcherPostgresBench> {
  const db = await createTestDatabase(`${PREFIX}watcher`);
  try {
    const t = performance.now();
    const writer = await openStore(db.url);
    for (let from = 0; from < Math.max(audits, incidents); from += 50_000) {
      for (let i = from; i < from + 50_000; i++) {
        if (i < audits) writer.appendAudit(auditRow(i));
        if (i < incidents) writer.put('incidents', openOnce(incident(i)));
      }
      await writer.flush();
    }
    await writer.close();
    const buildMs = performance.now() - t;
    // A settled database, as one an operator watches (autovacuum would get there in its time).
    await db.admin('VACUUM ANALYZE');
    const rounds: Record<'paged' | 'loaded', ChildFigures[]> = { paged: [], loaded: [] };
    for (let k = 0; k < runs; k++) {
      for (const mode of ['paged', 'loaded'] as const) rounds[mode].push(child(db.url, mode, incidents, audits));
    }
    const sum = (of: ChildFigures[]): PgOpenFigures => ({
      openMs: median(of.map((f) => f.openMs)), openCpuMs: median(of.map((f) => f.openCpuMs)),
      heldMB: median(of.map((f) => f.heldMB)), peakMB: median(of.map((f) => f.peakMB)),
    });
    const answered = rounds.paged.map((f) => f.answers).filter((a) => a !== null);
    const routes = (answered[0]?.routes ?? []).map((r, i) => ({ ...r, p95: median(answered.map((a) => a.routes[i].p95)), max: Math.max(...answered.map((a) => a.routes[i].max)), first: median(answered.map((a) => a.routes[i].first)) }));
    const s = answered.map((a) => a.search);
    const search = { p95: median(s.map((x) => x.p95)), max: Math.max(...s.map((x) => x.max)), terms: s[0]?.terms ?? 0, first: median(s.map((x) => x.first)) };
    return { buildMs, paged: sum(rounds.paged), loaded: sum(rounds.loaded), routes, search };
  } finally {
    await db.drop();
  }
}

/** The database holds one open incident per fingerprint (migration 103): an open one gets its own. */
function openOnce(row: IncidentRecord): IncidentRecord {
  return row.closedAt === null ? { ...row, fingerprint: `${row.fingerprint}_${row.id}` } : row;
}

function child(url: string, mode: 'paged' | 'loaded', incidents: number, audits: number): ChildFigures {
  const run = spawnSync(process.execPath, ['--import', 'tsx', '--expose-gc', CHILD, url, mode, String(incidents), String(audits)], { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
  if (run.status !== 0) throw new Error(`bench: the ${mode} watcher child failed (${run.status}): ${run.stderr.trim()}`);
  return JSON.parse(run.stdout.trim().split('\n').at(-1) ?? 'null') as ChildFigures;
}
