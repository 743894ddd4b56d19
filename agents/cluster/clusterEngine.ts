import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { incidentMachine } from '../../machines/incidentMachine.js';
import { responderMachine } from '../../machines/responderMachine.js';
import { workerMachine } from '../../machines/workerMachine.js';
import type { JobRecord } from '../../machines/types.js';
import { bossSchemaProblem, type PgTarget } from '../../store/postgres/connection.js';
import { isoAt, runtimeOf, type Runtime } from '../runtime.js';
import { checkAnswer, checkJob, checkResolve, incidentGoneError, settledError, stoppedError } from '../engineCalls.js';
import { firstRunOutcome, JobWaiters } from '../jobWaiters.js';
import { listenerFailed } from '../listenerFailure.js';
import { didYouMean } from '../../store/didYouMean.js';
import { RESPONDERS } from '../responders.js';
import { EngineError, type EngineEvent, type EngineOptions, type IncidentEngine, type JobInputs, type JobKinds, type JobSpec } from '../types.js';
import type { SentSpec } from './clusterHost.js';
import { InFlight } from './inFlight.js';

/** How a cluster engine uses the database and the queue (defaults suit production). */
export interface ClusterSettings {
  /** Connections of this process's pool (default 8). */
  poolSize?: number;
  /** A taken item unfinished after this long goes to another process (default 30 s; its taker is presumed dead). */
  expireInSeconds?: number;
  /** How often idle workers look for due work (default 0.5 s, pg-boss's minimum). */
  pollingIntervalSeconds?: number;
  /** Items per fetch (default 20) and fetching workers (default 2) in this process. */
  batchSize?: number;
  workers?: number;
  /**
   * How long a statement or a step's transaction is tried again while the server is away
   * (default 60 s, backoff 50 ms → 2 s). Past it the step gives up: its queued item is taken
   * again after `expireInSeconds`, by this process or another.
   */
  retryForSeconds?: number;
}

/** Each setting's unit and least value (pg-boss's own least values for the queue's). */
const SETTING_RULES: Record<keyof ClusterSettings, { unit: string; min: number; whole: boolean }> = {
  poolSize: { unit: 'connections', min: 1, whole: true },
  expireInSeconds: { unit: 'seconds', min: 1, whole: true },
  pollingIntervalSeconds: { unit: 'seconds', min: 0.5, whole: false },
  batchSize: { unit: 'items', min: 1, whole: true },
  workers: { unit: 'workers', min: 0, whole: true },
  retryForSeconds: { unit: 'seconds', min: 0, whole: false },
};

/**
 * The `cluster` option checked before anything connects: an unknown name (a typo) or a value
 * of the wrong kind is an EngineError naming the setting and what it takes, not a pool that
 * never hands out a connection (`poolSize: 0`) or pg-boss's assertion once the engine starts.
 * @example checkClusterSettings({ poolSize: 0 }) // EngineError: cluster.poolSize: expected a whole number of connections ≥ 1, got 0
 */
export function checkClusterSettings(settings: unknown): asserts settings is ClusterSettings | undefined {
  if (settings === undefined) return;
  const names = Object.keys(SETTING_RULES).join(', ');
  if (settings === null || typeof settings !== 'object' || Array.isArray(settings)) {
    throw new EngineError(`cluster: expected an object of settings (${names}), got ${JSON.stringify(settings)}`);
  }
  for (const [name, value] of Object.entries(settings)) {
    const rule = SETTING_RULES[name as keyof ClusterSettings];
    if (!rule) throw new EngineError(`cluster.${name}: no such setting${didYouMean(name, Object.keys(SETTING_RULES))}; the settings are ${names}`);
    if (value === undefined) continue;
    if (typeof value !== 'number' || !Number.isFinite(value) || value < rule.min || (rule.whole && !Number.isInteger(value))) {
      throw new EngineError(`cluster.${name}: expected ${rule.whole ? 'a whole number' : 'a number'} of ${rule.unit} ≥ ${rule.min}, got ${JSON.stringify(value) ?? String(value)}`);
    }
  }
}

/**
 * The store's schema checked before anything connects (`openStore(…, { shared: true })` refuses
 * it first; a Store made otherwise over the same target is checked here).
 * @example checkClusterSchema({ schema: 'a'.repeat(46), … }) // EngineError: options.store: …: schema "aaa…" has 46 characters; …
 */
export function checkClusterSchema(target: PgTarget): void {
  const problem = bossSchemaProblem(target);
  if (problem) throw new EngineError(`options.store: ${target.shown}: ${problem}`);
}

/** How old a responder's pending event must be before the sweep applies it (its poster applies it at once, unless it died). */
const STRAY_AFTER_SECONDS = 3;

/** A cluster engine: `ready` resolves once the queue is up and this process takes work; `pendingDecisionsNow()` asks the database. */
export type ClusterEngine<Jobs extends JobKinds = JobInputs> = IncidentEngine<Jobs>;

/**
 * The incident engine as one of N processes on one PostgreSQL database. Same machines,
 * duties and policies as the single-process engine; what differs is the host: each event
 * is applied in its own transaction under the incident's row lock (see ClusterHost), and
 * deadlines, retry attempts, duties and reviews are durable pg-boss jobs any process takes.
 * @example
 * // `shared: true`: opened without it, the store is a single writer's, and the engine over it the single-process one (no `queued`)
 * const engine = createIncidentEngine({ store: await openStore('postgres://…', { shared: true }), jobs });
 * await engine.submit({ kind: 'sendInvoices', agent: 'billing-agent' }).queued;
 */
export function createClusterEngine(options: EngineOptions, target: PgTarget, settings: ClusterSettings = {}): ClusterEngine {
  checkClusterSchema(target);
  const listeners = new Set<(event: EngineEvent) => void>();
  const rt: Runtime = runtimeOf(options, (event) => {
    for (const listener of listeners) {
      // Called after a commit: a subscriber's bug must not make the work look failed (it
      // would be redone). It is audited in a transaction of its own, and not emitted.
      try {
        listener(event);
      } catch (error) {
        const entry = listenerFailed(rt, event, error);
        void inFlight.track(started.then(({ host, appendAudit }) => host.tx(async (sql) => {
          await appendAudit(sql, [entry]);
          return null;
        }))).catch(() => undefined);
      }
    }
  });
  const onConnection = (status: 'lost' | 'restored', error?: string) => rt.emit({ type: 'connection', status, ...(error ? { error } : {}) });
  const retry = { onConnection, giveUpAfterMs: (settings.retryForSeconds ?? 60) * 1000 };
  const localSpecs = new Map<string, JobSpec>();
  const waiters = new JobWaiters();
  let stopped = false;
  let stopping: Promise<void> | null = null;
  const inFlight = new InFlight();

  const started = (async () => {
    const parts = await import('./clusterParts.js');
    // Pipelined: a transaction's last write goes with its COMMIT (transaction's lastWrite).
    const pool = parts.createPool(target, settings.poolSize ?? 8, true);
    // The server dropping a connection is a lost connection even when no statement was on it
    // (idle clients at a restart: the next transaction just gets a new one); a connection
    // made after that is the restored one.
    let dropped = false;
    pool.on('connect', (client) => {
      client.on('error', (error) => {
        if (dropped || stopped) return;
        dropped = true;
        onConnection('lost', error.message);
      });
      if (!dropped) return;
      dropped = false;
      onConnection('restored');
    });
    const queue = new parts.BossQueue({
      schema: `${target.schema}_boss`,
      expireInSeconds: settings.expireInSeconds ?? 30,
      pollingIntervalSeconds: settings.pollingIntervalSeconds ?? 0.5,
      batchSize: settings.batchSize ?? 20,
      workers: settings.workers ?? 2,
    }, { executeSql: (text: string, values: unknown[]) => inFlight.track(parts.retryingQuery(pool, text, values, retry)) },
    (error) => onConnection('lost', `could not settle taken work items (they are taken again after ${settings.expireInSeconds ?? 30} s): ${error.message}`));
    const host = new parts.ClusterHost(pool, { rt, queue, responders: options.responders ?? {}, channel: parts.channelOf(target) }, {
      runners: options.jobs ?? {},
      localSpecs,
      assess: options.assess,
      onFix: options.onFix,
      ...retry,
      onJobSettled: (jobId, status) => settle(jobId, status),
      track: (work) => inFlight.track(work),
    });
    const tx = <R>(work: (sql: pg.PoolClient) => Promise<R>) => parts.transaction(pool, work, retry);
    await queue.start((error) => rt.emit({ type: 'connection', status: 'lost', error: error.message }));
    await tx(async (sql) => {
      await sql.query(`INSERT INTO tenants (id, admin) SELECT id, admin FROM json_populate_recordset(NULL::tenants, $1::json) ON CONFLICT (id) DO NOTHING`, [JSON.stringify(options.tenants ?? [])]);
      const at = isoAt(rt.clock.now());
      for (const a of options.agents ?? []) {
        if (!(await parts.getRow(sql, 'agents', a.id))) await parts.putRows(sql, 'agents', [{ id: a.id, tenant: a.tenant ?? null, workflows: a.workflows ?? [], status: 'active', pausedBy: null, updatedAt: at }]);
      }
      // Every responder's row, created with its capacity (the option's, or 5) unless a process already has:
      // the responders' mailboxes find it there.
      const ids = [...RESPONDERS];
      await sql.query(parts.CREATE_RESPONDERS, [ids, ids.map((id) => options.responders?.[id]?.capacity ?? 5)]);
      // The configured capacities hold from now on, as in one process (the last process started sets them);
      // rows in id order, as the insert takes them, so two processes starting at once never wait for each other.
      for (const [id, r] of Object.entries(options.responders ?? {}).sort(([a], [b]) => (a < b ? -1 : 1))) {
        if (r?.capacity !== undefined) await sql.query('UPDATE responders SET capacity = $2, updated_at = now() WHERE id = $1 AND capacity <> $2', [id, r.capacity]);
      }
      await host.startChairman(sql);
    });
    await queue.work((item, jobId) => inFlight.track(host.handle(item, jobId)));
    // Applied now rather than at the next sweep: what a killed process left, and events whose apply found a row this start locked.
    for (const responder of RESPONDERS) host.mailbox.wake(responder);
    return { ...parts, pool, queue, host, tx };
  })();
  const ready = started.then(() => undefined);
  ready.catch(() => undefined);

  function settle(jobId: string, status: 'succeeded' | 'failed'): void {
    waiters.settle(jobId, status);
    localSpecs.delete(jobId);
  }

  // Jobs submitted here but run by another process: their outcome is read back now and then.
  const poll = setInterval(() => {
    const ids = waiters.ids();
    if (ids.length === 0 || stopped) return;
    // A job in an incident failed its first run, whatever its retries (under way, or succeeded since) did.
    void inFlight.track(started.then(({ tx, listRows }) => tx((sql) => listRows(sql, 'jobs', `id = ANY($1) AND (status IN ('succeeded', 'failed') OR incident_id IS NOT NULL)`, [ids]))
      .then((rows) => rows.forEach((row) => { const outcome = firstRunOutcome(row); if (outcome) settle(row.id, outcome); }))))
      .catch(() => undefined);
  }, 250);
  poll.unref();

  // Responder events a killed process posted and never applied (or whose apply failed): applied here after a few seconds.
  const sweep = setInterval(() => {
    if (stopped) return;
    void inFlight.track(started.then(({ host }) => host.mailbox.sweep(STRAY_AFTER_SECONDS))).catch(() => undefined);
  }, 1000);
  sweep.unref();

  return {
    ready,
    store: rt.store,
    clock: rt.clock,
    machines: { incident: incidentMachine, responder: responderMachine, worker: workerMachine },
    submit(job) {
      if (stopped) throw stoppedError('submit');
      checkJob(job, options.jobs);
      const jobId = job.id ?? rt.ids('job');
      const now = isoAt(rt.clock.now());
      localSpecs.set(jobId, job);
      // Submitted twice (the second is a no-op), both callers hear how its first run went.
      const done = waiters.wait(jobId);
      const spec: SentSpec = { impact: job.impact, rootCause: job.rootCause, whys: job.whys, failure: job.failure, startedAt: job.startedAt };
      const queued = inFlight.track(started.then(({ pool, queue, transaction, rowQuery, fromColumns, WriteBatch }) => {
        let batch: InstanceType<typeof WriteBatch> | null = null;
        // The job's row (is it there already?) and its agent's (the tenant) read with the BEGIN; the row and its queued item written in one statement, sent with the COMMIT.
        return transaction(pool, async (sql, [seen, agent]) => {
          batch = null;
          // Submitting the same job id again (a caller retrying after a crash) is a no-op.
          if (seen.rows.length > 0) return;
          const tenant = job.tenant ?? (agent.rows[0] ? fromColumns('agents', agent.rows[0]).tenant : null);
          const row: JobRecord = { id: jobId, kind: job.kind ?? null, ...(job.input !== undefined ? { input: job.input } : {}), agent: job.agent, workflow: job.workflow ?? null, tenant, status: 'queued', attempts: 0, createdAt: job.startedAt !== undefined ? isoAt(job.startedAt) : now, updatedAt: now, error: null, incidentId: null };
          batch = new WriteBatch();
          batch.put('jobs', [row]);
          await queue.insert(batch, [{ data: { t: 'job', jobId, spec } as never }]);
        }, { ...retry, withBegin: [rowQuery('jobs', jobId), rowQuery('agents', job.agent)], lastWrite: (sql) => batch?.take(sql) ?? null }).then(() => queue.wake());
      }));
      // Never committed: no run will settle it, so its callers hear why now.
      queued.catch((error: unknown) => {
        if (waiters.failed(jobId, done, error)) localSpecs.delete(jobId);
      });
      return { jobId, done, queued };
    },
    async decide(decisionId, answer, by) {
      if (stopped) throw stoppedError('decide');
      checkAnswer(answer, by);
      const key = `decide:${randomUUID()}`;
      const { host, claim, getRow } = await started;
      await inFlight.track(host.tx(async (sql) => {
        // The key first: a commit whose answer was lost, tried again, is then a no-op instead of "already answered".
        if (!(await claim(sql, key, null))) return null;
        const seen = await getRow(sql, 'decisions', decisionId);
        if (!seen) throw new EngineError(`no decision "${decisionId}"`);
        const record = await getRow(sql, 'incidents', seen.incidentId, true);
        const decision = (await getRow(sql, 'decisions', decisionId))!;
        if (decision.status !== 'pending') throw settledError(decisionId, decision);
        // A store written before resolving withdrew the decision can hold one pending for a closed incident: nothing would take the answer.
        if (!record || record.status === 'closed') throw incidentGoneError(decisionId, seen.incidentId);
        return host.applyTo(sql, record, { type: 'decision.answered', at: rt.clock.now(), answer, by });
      }));
    },
    async resolve(incidentId, opts = {}) {
      if (stopped) throw stoppedError('resolve');
      checkResolve(opts);
      const key = `resolve:${randomUUID()}`;
      const { host, claimQuery, joinedJobsQuery, fromColumns } = await started;
      // The incident locked, the key claimed and the jobs that joined it read (the review's first read) in the round trip that begins the transaction.
      await inFlight.track(host.tx(async (sql, record, [claimed, joined]) => {
        if (claimed.rowCount !== 1) return null;
        if (!record || record.status === 'closed') throw new EngineError(`incident "${incidentId}" is not open`);
        const event = { type: 'incident.resolve', at: rt.clock.now(), by: opts.by ?? 'engine', ...(opts.note ? { note: opts.note } : {}), ...(opts.rootCause ? { rootCause: opts.rootCause } : {}), ...(opts.whys ? { whys: opts.whys } : {}) } as const;
        return host.applyTo(sql, record, event, joined.rows.map((row) => fromColumns('jobs', row)));
      }, incidentId, [claimQuery(key, incidentId), joinedJobsQuery(incidentId)]));
    },
    pendingDecisions: () => rt.store.list('decisions', { status: 'pending' }),
    // Once stopped, the pool is ended (or about to be): the store's copy, brought up to date, answers, as one process's store does after stop().
    pendingDecisionsNow: () => stopped
      ? rt.store.refresh().then(() => rt.store.list('decisions', { status: 'pending' }))
      : inFlight.track(started.then(({ tx, listRows }) => tx((sql) => listRows(sql, 'decisions', `status = 'pending'`, [])))),
    stateOf(id) {
      const record = rt.store.get('incidents', id);
      return record && record.status !== 'closed' ? record.state : null;
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    stop() {
      stopped = true;
      clearInterval(poll);
      clearInterval(sweep);
      // Once: a second stop() waits for the first (the pool cannot be ended twice). pg-boss first (it
      // takes no more items and waits for those taken, failing them back to the queue past its
      // timeout), then whatever is still under way on the pool (a step outliving that timeout,
      // pg-boss's completion of the last items, an API call), and only then the pool.
      stopping ??= started.catch(() => null).then(async (parts) => {
        try {
          if (!parts) return;
          await parts.queue.stop();
          await inFlight.idle();
          await parts.pool.end();
        } finally {
          // The first runs this process no longer hears of (queued, or run by another process): their callers hear so.
          waiters.stopped((jobId) => { const spec = localSpecs.get(jobId); return spec !== undefined && !spec.kind; });
        }
      });
      return stopping;
    },
  };
}
