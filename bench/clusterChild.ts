/**
 * One engine process of the scale-out bench (bench/cluster.ts), forked with an IPC channel:
 * a PostgreSQL store opened `shared`, `createIncidentEngine` with the cluster's default
 * settings (pool of 8, 2 workers taking 20 items, polling every 0.5 s), the real clock, a
 * retry ladder of 0 s (nothing waits on a timer), acknowledgements at once, responder
 * capacities far above the workload (the bench measures the engine, not a queue for Cheryl),
 * a job kind that always fails, and an onFix hook that resolves at once.
 *
 *   fork('bench/clusterChild.ts', [url, name, record, warmUp], { execArgv: ['--import', 'tsx'] })
 *
 * Before it says it is ready, the child runs `warmUp` lifecycles of its own (jobs `warm_…`),
 * left out of every figure (its CPU, latencies, transactions and closed incidents): the first
 * lifecycles of a fresh process pay for compiling the engine's code, opening the pool's
 * connections and preparing statements, which would overstate the CPU per lifecycle of a
 * small run. The floor warms up alike (bench/cluster.ts).
 *
 * Parent → child: {cmd:'submit', jobs:[id…]}, {cmd:'stats'}, {cmd:'stop'}. Child → parent:
 * {ev:'ready'}, {ev:'closed', ids} (incidents closed since the last message, every 50 ms),
 * {ev:'stats', latencies, cpuMs, txs}, {ev:'stopped'}.
 *
 * Per-event latency is timed around `ClusterHost.tx`, the transaction every incident event
 * is applied in (a pool connection, the row lock, the transition, the writes, the commit,
 * retries included). With `record` = '1' each transaction's writes are logged as well (the
 * audit rows and pg-boss jobs it inserted, the incident records it committed): the floor
 * of the bench writes the same rows in the same transactions.
 */
import { createIncidentEngine } from '../agents/engine.js';
import { ClusterHost } from '../agents/cluster/clusterHost.js';
import { WriteBatch, type Sql } from '../agents/cluster/pgRows.js';
import type { IncidentRecord } from '../machines/types.js';
import { openStore } from '../store/index.js';

/** What one event's transaction wrote, as the floor replays it (the statements it sent on their own, and its batch). */
export interface TxLog {
  /** Audit rows inserted (the step's, and a job's `job.failed`). */
  audit: number;
  /** Incident records committed, in order. */
  records: IncidentRecord[];
  /** pg-boss jobs inserted: their payload and when they are due (epoch ms; absent: at once). */
  jobs: Array<{ data: { t: string; [key: string]: unknown }; startAfter?: string }>;
}

const [url, name, record, warmUp = '0'] = process.argv.slice(2);
const send = (message: Record<string, unknown>) => { if (process.connected) process.send?.({ name, ...message }, undefined, undefined, () => undefined); };
process.on('disconnect', () => process.exit(0));

const latencies: number[] = [];
const txs: TxLog[] = [];
/** The log of the try under way on each client (a retried transaction starts its log again: only the try that committed counts). */
const logs = new WeakMap<object, TxLog>();
const isBossInsert = (text: string) => /INSERT INTO \w+\.job \(/.test(text);
type Work = Parameters<ClusterHost['tx']>[0];
type Opening = Parameters<ClusterHost['tx']> extends [unknown, ...infer Rest] ? Rest : never;
const tx = ClusterHost.prototype.tx;
ClusterHost.prototype.tx = async function timed(this: ClusterHost, work: Work, ...opening: Opening): Promise<void> {
  const started = performance.now();
  let log: TxLog | undefined;
  await tx.call(this, record === '1' ? async (sql, locked, also) => {
    const current: TxLog = { audit: 0, records: [], jobs: [] };
    logs.set(sql, current);
    // Writes sent on their own (most go in the transaction's batch, recorded by take below).
    const query = sql.query;
    sql.query = ((text: unknown, values?: unknown[], ...rest: unknown[]) => {
      // A statement is its text and values, or a config object holding them (a prepared one).
      const config = typeof text === 'object' && text !== null ? (text as { text: string; values?: unknown[] }) : { text: text as string, values };
      if (config.text.startsWith('INSERT INTO audit_log')) current.audit += (config.values?.[0] as unknown[]).length;
      if (!config.text.startsWith('WITH w0 AS') && isBossInsert(config.text)) current.jobs.push(...(JSON.parse(String(config.values?.[0])) as TxLog['jobs']));
      return (query as (...a: unknown[]) => unknown).call(sql, text, values, ...rest);
    }) as typeof sql.query;
    try {
      const result = await work(sql, locked, also);
      for (const committed of [result].flat()) for (const event of committed?.events ?? []) if (event.type === 'incident') current.records.push(event.incident);
      log = current;
      return result;
    } finally {
      delete (sql as { query?: unknown }).query;
    }
  } : work, ...opening);
  latencies.push(performance.now() - started);
  if (log) txs.push(log);
};
if (record === '1') {
  // Every write of a batch goes through take (flush's, and the one sent with the COMMIT).
  const take = WriteBatch.prototype.take;
  WriteBatch.prototype.take = function recorded(this: WriteBatch, sql: Sql) {
    const current = logs.get(sql);
    const { audit, statements } = this.contents();
    const statement = take.call(this, sql);
    if (!current) return statement;
    current.audit += audit;
    for (const [text, values] of statements) if (isBossInsert(text)) current.jobs.push(...(JSON.parse(String(values[0])) as TxLog['jobs']));
    return statement;
  };
}

const store = await openStore(url, { shared: true });
const many = 1_000_000;
const engine = createIncidentEngine({
  store,
  config: { RETRY_DELAYS_MS: [0, 0, 0] },
  jobs: { fail: ({ input }) => { throw new Error((input as { message: string }).message); } },
  responders: { cheryl: { capacity: many, ack: 0 }, petra: { capacity: many, ack: 0 }, atlas: { capacity: many, ack: 0 } },
  onFix: (incident, owner) => void (engine.resolve(incident.id, { by: owner }) as Promise<void>).catch(() => undefined),
});
/** P0 (a failed subsystem): the whole chain, Cheryl → Petra → Atlas, and a review. */
const submitP0 = (id: string) => engine.submit({ id, kind: 'fail', agent: `agent-${id.slice(-1)}`, workflow: `wf-${id}`, input: { message: `failure of ${id}` }, impact: { kind: 'subsystem-failed' } });
const isWarmUp = (jobId: string | null) => jobId?.startsWith('warm_') === true;
let closed: string[] = [];
engine.subscribe((e) => { if (e.type === 'incident' && e.incident.status === 'closed' && !isWarmUp(e.incident.jobId)) closed.push(e.incident.id); });
setInterval(() => {
  if (closed.length === 0) return;
  send({ ev: 'closed', ids: closed });
  closed = [];
}, 50).unref();
await engine.ready;
// Its warm-up incidents are closed by whichever process takes their steps: read back from the store until all are.
const warm = new Set(Array.from({ length: Number(warmUp) }, (_, i) => `warm_${name}_${i}`));
for (const id of warm) submitP0(id);
for (;;) {
  await store.refresh();
  if (store.list('incidents', { status: 'closed' }).filter((r) => r.jobId !== null && warm.has(r.jobId)).length === warm.size) break;
  await new Promise((resolve) => setTimeout(resolve, 100));
}
let cpu = process.cpuUsage();
send({ ev: 'ready' });

process.on('message', (msg: { cmd: string; jobs?: string[] }) => {
  if (msg.cmd === 'submit') {
    cpu = process.cpuUsage();
    latencies.length = 0;
    txs.length = 0;
    for (const id of msg.jobs ?? []) submitP0(id);
  } else if (msg.cmd === 'stats') {
    const used = process.cpuUsage(cpu);
    send({ ev: 'stats', latencies, cpuMs: (used.user + used.system) / 1000, txs });
  } else if (msg.cmd === 'stop') {
    void engine.stop().then(() => store.close()).then(() => {
      send({ ev: 'stopped' });
      process.disconnect();
    });
  }
});
