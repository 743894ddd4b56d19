/**
 * Scaling out on PostgreSQL (issue 10): incident lifecycles per second through the engine
 * with 1 and with 2 engine processes (bench/clusterChild.ts, child processes on one
 * database), against a floor measured in the same run: the same audit rows, incident records
 * and deadline jobs written by plain `pg` in one process, in the same transactions.
 *
 * Each lifecycle is a P0: a failing job, 3 failed retries (ladder 0 s, 0 s, 0 s), Cheryl →
 * Petra → Atlas, resolved, reviewed, closed. A lifecycle counts from the submission of all
 * `n` jobs to the moment the last incident closed, after each process's warm-up (`WARM_UP`
 * lifecycles of its own, on the same database, left out of every figure). Each side runs on a fresh database
 * (created and dropped here), the sides taking turns round by round; figures are medians.
 *
 * `node --import tsx bench/cluster.ts [--cluster=N] [--runs=N]` (or `npm run bench -- cluster`)
 * runs it alone; importing it runs nothing. Databases are named `<prefix>cluster_…`, the
 * prefix from BENCH_DB_PREFIX (default `bench_`); the server from INCIDENT_FLOW_TEST_PG.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { BossQueue } from '../agents/cluster/bossQueue.js';
import { STAGE } from '../agents/cluster/commitStep.js';
import type { Responder } from '../machines/types.js';
import { percentile } from '../reports/stats.js';
import { openStore } from '../store/index.js';
import { parseTarget } from '../store/postgres/connection.js';
import { readRows } from '../store/postgres/writeRows.js';
import { startEngineProcess, type EngineProcess } from '../tests/helpers/clusterProcs.js';
import { createTestDatabase } from '../tests/helpers/pgDatabase.js';
import type { TxLog } from './clusterChild.js';
import { POOL, type TemplateTx } from './clusterFloor.js';
import { median } from './measure.js';

const CHILD = fileURLToPath(new URL('./clusterChild.ts', import.meta.url));
const FLOOR_CHILD = fileURLToPath(new URL('./clusterFloorChild.ts', import.meta.url));
const PREFIX = process.env.BENCH_DB_PREFIX ?? 'bench_';
/**
 * Lifecycles each process (an engine process, the floor's) runs before it is measured, left
 * out of the figures: a fresh process's first ones pay for compiling, connecting and
 * preparing statements, which overstated the CPU per lifecycle of small runs.
 */
export const WARM_UP = 10;

type Db = Awaited<ReturnType<typeof createTestDatabase>>;

/** One measured run of one side. */
export interface Run {
  wallMs: number;
  rate: number;
  /** CPU of the client processes (the engine processes, or the floor's) per lifecycle, ms. */
  clientCpuMs: number;
  /** CPU of the database's server processes per lifecycle, ms (null when /proc does not show them). */
  serverCpuMs: number | null;
  /** Transactions per lifecycle. */
  txs: number;
  /** Per-event transaction times, ms (the engine's sides only). */
  latencies: number[];
}

export interface Side {
  rate: number;
  wallMs: number;
  clientCpuMs: number;
  serverCpuMs: number | null;
  txs: number;
  p50: number | null;
  p99: number | null;
}

export interface ClusterBench {
  n: number;
  runs: number;
  /** What one lifecycle writes in the floor: audit rows, records, deadline jobs, transactions. */
  template: { audit: number; records: number; deadlines: number; txs: number; work: number };
  floor: Side;
  /** The floor in two processes: what a second process can add to this work on this machine. */
  floorTwo: Side;
  one: Side;
  two: Side;
  /** Round by round, then the median: 1 process ÷ floor, 2 processes ÷ 1 process, the floor's 2 processes ÷ its 1 (lifecycles per second). */
  oneOverFloor: number;
  twoOverOne: number;
  floorTwoOverOne: number;
  /** The machine's 1-minute load average before and after (others' work counts in wall time). */
  load: [number, number];
}

let made = 0;
async function freshDatabase(what: string): Promise<Db> {
  return createTestDatabase(`${PREFIX}cluster_${what}_${++made}`);
}

/**
 * The planner's statistics of every table, taken once the warm-up has written its rows, on
 * every side alike. A database in service has them: autovacuum analyzes a table once 50 rows
 * and a tenth of it have changed, looking every minute, and a run here is over in seconds.
 * Without them the planner takes each fresh table for a few rows: pg-boss's fetch then joined
 * its taken jobs to the queue's every row (a nested loop over the primary key), 12 ms a call
 * and growing with the run, a third of the server's CPU per lifecycle (2026-12-06, a private
 * server with pg_stat_statements and auto_explain; 1.8 ms a call once analyzed).
 */
async function analyze(db: Db): Promise<void> {
  await db.admin('ANALYZE');
}

/** CPU ms so far of each server process connected to the database, by pid (Linux /proc; null elsewhere). */
async function serverCpu(db: Db): Promise<Map<number, number> | null> {
  const { rows } = await db.admin('SELECT pid FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [db.name]);
  const cpu = new Map<number, number>();
  try {
    for (const { pid } of rows as Array<{ pid: number }>) {
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
      // utime and stime (fields 14 and 15 of stat), in clock ticks of 10 ms.
      cpu.set(pid, (Number(fields[11]) + Number(fields[12])) * 10);
    }
  } catch {
    return rows.length > 0 ? null : cpu;
  }
  return cpu;
}

function cpuSince(before: Map<number, number> | null, after: Map<number, number> | null): number | null {
  if (!before || !after) return null;
  let total = 0;
  for (const [pid, ms] of after) total += ms - (before.get(pid) ?? 0);
  return total;
}

/**
 * `n` lifecycles through `procs` engine processes on a fresh database. With `record`, one
 * process logs what each transaction wrote (the floor's template).
 */
async function engineRun(n: number, procs: number, record = false): Promise<Run & { db?: Db; log: TxLog[] }> {
  const db = await freshDatabase(`${procs}p`);
  const children: EngineProcess[] = [];
  let keep = false;
  try {
    children.push(...(await Promise.all(Array.from({ length: procs }, (_, k) => startEngineProcess(db.url, `p${k}`, CHILD, [record ? '1' : '0', String(WARM_UP)])))));
    await analyze(db);
    const closed = new Set<string>();
    let finish: () => void = () => undefined;
    const done = new Promise<void>((resolve) => (finish = resolve));
    for (const child of children) {
      child.proc.on('message', (m: { ev: string; ids?: string[] }) => {
        if (m.ev !== 'closed') return;
        for (const id of m.ids ?? []) closed.add(id);
        if (closed.size >= n) finish();
      });
    }
    const ids = Array.from({ length: n }, (_, i) => `job_${String(i).padStart(6, '0')}`);
    const before = await serverCpu(db);
    const started = performance.now();
    children.forEach((child, k) => child.send({ cmd: 'submit', jobs: ids.filter((_, i) => i % procs === k) }));
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([done, new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`bench: ${closed.size} of ${n} incidents closed after 10 minutes`)), 600_000)))]);
    clearTimeout(timer);
    const wallMs = performance.now() - started;
    const serverMs = cpuSince(before, await serverCpu(db));
    const stats = await Promise.all(children.map(async (child) => {
      child.send({ cmd: 'stats' });
      return (await child.waitFor((m) => m.ev === 'stats')) as unknown as { latencies: number[]; cpuMs: number; txs: TxLog[] };
    }));
    const latencies = stats.flatMap((s) => s.latencies);
    keep = record;
    return {
      wallMs, rate: n / (wallMs / 1000),
      clientCpuMs: stats.reduce((sum, s) => sum + s.cpuMs, 0) / n,
      serverCpuMs: serverMs === null ? null : serverMs / n,
      txs: latencies.length / n, latencies, log: stats.flatMap((s) => s.txs),
      ...(record ? { db } : {}),
    };
  } finally {
    await Promise.all(children.map((child) => child.stop()));
    // A recording's database is read back (templateOf), then dropped by the caller.
    if (!keep) await db.drop();
  }
}

/** The transactions of the first incident of a recorded run, with its audit rows read back in commit order. */
async function templateOf(db: Db, log: readonly TxLog[]): Promise<{ txs: TemplateTx[]; work: number }> {
  const incident = log.flatMap((tx) => tx.records).find((r) => r.status === 'closed');
  if (!incident) throw new Error('bench: the recorded run closed no incident');
  const mine = log.filter((tx) => tx.records.some((r) => r.id === incident.id));
  // Its acknowledgements' deadline jobs, armed where the responder's mailbox applied its assignments (a transaction of the
  // responder's, writing no record), go with the step that assigned it, as the engine armed them before its mailboxes:
  // the floor's work stays what it was.
  for (const ack of log.flatMap((tx) => tx.jobs).filter((j) => j.data.t === 'deadline' && j.data.kind === `ack:${incident.id}`)) {
    const stage = STAGE[ack.data.owner as Responder];
    mine.find((tx) => tx.records.some((r) => r.id === incident.id && r.state === `${stage}.queued`))?.jobs.push(ack);
  }
  const client = new pg.Client({ connectionString: parseTarget(db.url).connectionString, options: '-c search_path=incident_flow' });
  await client.connect();
  try {
    const rows = (await readRows(client, 'audit_log', 'entity_id = $1 OR entity_id = $2', [incident.id, incident.jobId])).map((r) => r.row);
    const expected = mine.reduce((sum, tx) => sum + tx.audit, 0);
    if (rows.length !== expected) throw new Error(`bench: incident ${incident.id} has ${rows.length} audit rows, its transactions wrote ${expected}`);
    let at = 0;
    const txs = mine.map((tx) => ({ audit: rows.slice(at, (at += tx.audit)), records: tx.records, deadlines: tx.jobs.filter((j) => j.data.t === 'deadline') }));
    const work = mine.reduce((sum, tx) => sum + tx.jobs.length, 0) - txs.reduce((sum, tx) => sum + tx.deadlines.length, 0);
    return { txs, work };
  } finally {
    await client.end();
  }
}

/**
 * The floor: the template's transactions for `n` lifecycles written by plain `pg` in `procs`
 * processes (bench/clusterFloorChild.ts: each a pool of 8 connections, the engine's default,
 * and `WARM_UP` untimed lifecycles of its own first, as each engine process), the
 * lifecycles split between them as the engine's jobs are, each lifecycle's transactions one
 * after another, the lifecycles all at once. No reads, no locks, no transitions, no queue
 * work (see clusterFloor.ts). Its two-process run shows what a second process adds to
 * the plain writes on this machine, where the server and the clients share the cores.
 */
async function floorRun(n: number, template: readonly TemplateTx[], procs = 1): Promise<Run> {
  const db = await freshDatabase(`floor${procs}p`);
  const dir = mkdtempSync(join(tmpdir(), 'if-bench-floor-'));
  const children: EngineProcess[] = [];
  try {
    await (await openStore(db.url)).close();
    const target = parseTarget(db.url);
    // pg-boss's schema and queue, as an engine process creates them (not timed).
    const setup = quietPool(new pg.Pool({ connectionString: target.connectionString, max: 2 }));
    try {
      const queue = new BossQueue({ schema: `${target.schema}_boss`, expireInSeconds: 30, pollingIntervalSeconds: 0.5, batchSize: 20, workers: 0 }, { executeSql: (text, values) => setup.query(text, values) }, (error) => { throw error; });
      await queue.start((error) => { throw error; });
      await queue.stop();
    } finally {
      await setup.end();
    }
    const file = join(dir, 'template.json');
    writeFileSync(file, JSON.stringify(template));
    children.push(...(await Promise.all(Array.from({ length: procs }, (_, k) => startEngineProcess(db.url, `f${k}`, FLOOR_CHILD, [file, String(k), String(procs), String(n), String(WARM_UP)])))));
    await analyze(db);
    const before = await serverCpu(db);
    const started = performance.now();
    const done = children.map((child) => child.waitFor((m) => m.ev === 'done' || m.ev === 'failed', 600_000));
    children.forEach((child) => child.send({ cmd: 'submit' }));
    const said = await Promise.all(done);
    const failed = said.find((m) => m.ev === 'failed');
    if (failed) throw new Error(`bench: floor process ${failed.name} failed: ${String(failed.error)}`);
    const cpuMs = said.reduce((sum, m) => sum + Number(m.cpuMs), 0);
    const wallMs = performance.now() - started;
    const serverMs = cpuSince(before, await serverCpu(db));
    return { wallMs, rate: n / (wallMs / 1000), clientCpuMs: cpuMs / n, serverCpuMs: serverMs === null ? null : serverMs / n, txs: template.length, latencies: [] };
  } finally {
    await Promise.all(children.map((child) => child.stop()));
    rmSync(dir, { recursive: true, force: true });
    await db.drop();
  }
}

/** An idle connection's error (its database dropped under it) is not the bench's to crash on. */
function quietPool(pool: pg.Pool): pg.Pool {
  pool.on('error', () => undefined);
  return pool;
}

function sideOf(runs: readonly Run[]): Side {
  const server = runs.map((r) => r.serverCpuMs);
  return {
    rate: median(runs.map((r) => r.rate)),
    wallMs: median(runs.map((r) => r.wallMs)),
    clientCpuMs: median(runs.map((r) => r.clientCpuMs)),
    serverCpuMs: server.every((s) => s !== null) ? median(server as number[]) : null,
    txs: median(runs.map((r) => r.txs)),
    p50: runs[0].latencies.length ? median(runs.map((r) => percentile(r.latencies, 50)!)) : null,
    p99: runs[0].latencies.length ? median(runs.map((r) => percentile(r.latencies, 99)!)) : null,
  };
}

/**
 * Records one lifecycle's transactions (a 1-process run of 20, which also warms the server),
 * then `runs` rounds of the floor, 1 engine process, 2 engine processes and the floor in 2
 * processes, `n` lifecycles each.
 * @example const b = await clusterRace(300, 3);
 */
export async function clusterRace(n: number, runs: number, log: (line: string) => void = () => undefined): Promise<ClusterBench> {
  const loadBefore = loadavg()[0];
  const recorded = await engineRun(20, 1, true);
  let template: Awaited<ReturnType<typeof templateOf>>;
  try {
    template = await templateOf(recorded.db!, recorded.log);
  } finally {
    await recorded.db!.drop();
  }
  const results: Record<'floor' | 'one' | 'two' | 'floorTwo', Run[]> = { floor: [], one: [], two: [], floorTwo: [] };
  for (let r = 0; r < runs; r++) {
    results.floor.push(await floorRun(n, template.txs));
    results.one.push(await engineRun(n, 1));
    results.two.push(await engineRun(n, 2));
    results.floorTwo.push(await floorRun(n, template.txs, 2));
    log(`   round ${r + 1}: floor ${results.floor[r].rate.toFixed(1)}/s · 1 process ${results.one[r].rate.toFixed(1)}/s · 2 processes ${results.two[r].rate.toFixed(1)}/s · floor in 2 processes ${results.floorTwo[r].rate.toFixed(1)}/s`);
  }
  const sum = (f: (tx: TemplateTx) => number) => template.txs.reduce((s, tx) => s + f(tx), 0);
  return {
    n, runs,
    template: { audit: sum((tx) => tx.audit.length), records: sum((tx) => tx.records.length), deadlines: sum((tx) => tx.deadlines.length), txs: template.txs.length, work: template.work },
    floor: sideOf(results.floor), floorTwo: sideOf(results.floorTwo), one: sideOf(results.one), two: sideOf(results.two),
    oneOverFloor: median(results.one.map((x, k) => x.rate / results.floor[k].rate)),
    twoOverOne: median(results.two.map((x, k) => x.rate / results.one[k].rate)),
    floorTwoOverOne: median(results.floorTwo.map((x, k) => x.rate / results.floor[k].rate)),
    load: [loadBefore, loadavg()[0]],
  };
}

/** The section's lines: what each side does, its figures, both ratios against their targets, and the floor's own two-process ratio beside the second. */
export function clusterLines(b: ClusterBench): string[] {
  const t = b.template;
  const ms = (x: number | null, d = 1) => (x === null ? '—' : `${x.toFixed(d)} ms`);
  const side = (s: Side) => `${s.rate.toFixed(1).padStart(6)} lifecycles/s (${(s.wallMs / 1000).toFixed(1)} s) · per lifecycle: ${s.txs.toFixed(1)} transactions, ${ms(s.clientCpuMs)} client CPU, ${ms(s.serverCpuMs)} server CPU`;
  const verdict = (ok: boolean) => (ok ? 'met' : 'NOT met');
  return [
    `   floor        — plain pg, one process (a child process, like the engine's), a pool of ${POOL}: per lifecycle ${t.txs} transactions writing ${t.audit} audit rows, ${t.records} incident records (with snapshot) and ${t.deadlines} deadline jobs (pg-boss job rows), as the engine's own transactions did; nothing read, locked or run`,
    `   1 process    — createIncidentEngine over openStore(url, { shared: true }), default cluster settings: besides those rows, per lifecycle the submitted job's queued item and ${t.work} more (its retry attempts, the owner's fix) fetched and completed through pg-boss, the job row, idempotency keys, deadline rows, the responders' mailbox events and the transactions applying them, row locks, reads, XState transitions`,
    `   2 processes  — the same engine in two processes on the same database, the jobs split between them`,
    `   floor in 2   — the floor in two processes, a pool of ${POOL} each, the lifecycles split between them: what a second process adds to the least of this work on this machine`,
    `   floor:       ${side(b.floor)}`,
    `   1 process:   ${side(b.one)} · per-event latency p50 ${ms(b.one.p50)}, p99 ${ms(b.one.p99)}`,
    `   2 processes: ${side(b.two)} · per-event latency p50 ${ms(b.two.p50)}, p99 ${ms(b.two.p99)}`,
    `   floor in 2:  ${side(b.floorTwo)}`,
    `   1 process ÷ floor (lifecycles/s): ${b.oneOverFloor.toFixed(2)} (target ≥ 0.5: ${verdict(b.oneOverFloor >= 0.5)})`,
    `   2 processes ÷ 1 process (lifecycles/s): ${b.twoOverOne.toFixed(2)} (target ≥ 1.5: ${verdict(b.twoOverOne >= 1.5)}); the floor's own: ${b.floorTwoOverOne.toFixed(2)} (what a second process adds to the plain writes here, where the clients and the server share the cores)`,
    `   machine: ${availableParallelism()} cores, 1-minute load average ${b.load[0].toFixed(1)} before and ${b.load[1].toFixed(1)} after (the server's and others' work share the cores)`,
  ];
}

export function clusterHeading(n: number, runs: number): string {
  return `Scaling out on PostgreSQL: ${n.toLocaleString('en-US')} P0 lifecycles (a failing job → 3 failed retries at 0 s → Cheryl → Petra → Atlas → resolved → reviewed → closed), real clock, each side on a fresh database, ${WARM_UP} untimed warm-up lifecycles per process first, ${runs} interleaved rounds, medians`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const flag = (name: string, fallback: number) => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback);
  const n = flag('cluster', 200);
  const runs = flag('runs', 3);
  console.log(clusterHeading(n, runs));
  const b = await clusterRace(n, runs, (line) => console.log(line));
  console.log(clusterLines(b).join('\n'));
}
