import type pg from 'pg';
import type { IncidentEvent } from '../../machines/incidentEvents.js';
import type { AuditEntry, IncidentRecord, JobRecord, Responder } from '../../machines/types.js';
import { fingerprintOf } from '../../machines/policies/fingerprint.js';
import { RESPONDERS } from '../responders.js';
import { auditEntry, isoAt } from '../runtime.js';
import type { JobRunner, JobSpec } from '../types.js';
import { messageOf, stackOf } from '../errorText.js';
import { failureImpact, failureInput, specOfRow } from '../failureInput.js';
import { JobTimeoutError, runWithTimeout } from '../jobTimeout.js';
import type { IncidentContext } from '../../machines/incidentContext.js';
import { BOARD, nextWeekStart, WEEK, weeklyDeadline, weeklySummary } from '../chairman.js';
import type { QueuedWork, WorkItem } from './bossQueue.js';
import { arm, commitStep, STAGE, type ClusterContext, type Committed } from './commitStep.js';
import { createDutyView } from './dutyView.js';
import { selectList } from '../../store/postgres/writeRows.js';
import { fromColumns } from '../../store/postgres/rows.js';
import { joinedJobsQuery } from './dutySeeds.js';
import { dutyStep, followUp, reviewStep, type ApplyTo } from './followUps.js';
import { openIncident, snapshotOf, stepIncident } from './incidentStep.js';
import { announcement, batchOf, getRow, listRows, putRows, rowQuery, track, type Reader, type Sql } from './pgRows.js';
import { ResponderMailbox } from './responderMailbox.js';
import { transaction, type ConnectionListener } from './transactions.js';
import { prepared } from '../../store/postgres/connection.js';

/** The parts of a job's spec that travel with it to whichever process runs it. */
export type SentSpec = Pick<JobSpec, 'impact' | 'rootCause' | 'whys' | 'failure' | 'startedAt'>;

export interface HostOptions {
  runners: Record<string, JobRunner>;
  /** Specs of jobs submitted in this process (their `run` and `retryable` functions stay here). */
  localSpecs: Map<string, JobSpec>;
  assess?: (error: unknown, job: JobSpec) => Partial<import('../../machines/types.js').ImpactAssessment>;
  onFix?: (incident: IncidentContext, owner: Responder) => void;
  onConnection: ConnectionListener;
  /** How long a transaction is tried again while the server is away (ClusterSettings.retryForSeconds). */
  giveUpAfterMs: number;
  onJobSettled: (jobId: string, status: 'succeeded' | 'failed') => void;
  /** Counts work started after a commit (applying the responders' mailboxes) as under way until it settles (stop() waits for it). */
  track<T>(work: Promise<T>): Promise<T>;
}

/**
 * The cluster's host: applies each incident event once, in one transaction, under the
 * incident's row lock — load snapshot → pure transition → commit the record, snapshot,
 * audit rows, deadlines and queued work together. Any process may apply any event; the
 * work queue (pg-boss) hands each item to one of them, and again to another if it dies.
 */
export class ClusterHost {
  /** Cheryl's, Petra's and Atlas's mailboxes: the steps' responder events, applied after their commits. */
  readonly mailbox: ResponderMailbox;

  constructor(
    private readonly pool: pg.Pool,
    private readonly cx: ClusterContext,
    private readonly opts: HostOptions,
  ) {
    this.mailbox = new ResponderMailbox({ tx: (work, id, also) => this.tx(work, id, also), read: (work) => this.read(work), track: opts.track }, cx);
  }

  /** `applyTo`, for the steps that follow a step (followUps.ts). */
  private readonly apply: ApplyTo = (sql, record, event, joined) => this.applyTo(sql, record, event, joined);

  /**
   * Runs `work` in a transaction (retried whole on a lost connection), sends what its steps
   * left in the transaction's batch with the COMMIT, then publishes what it committed. With
   * `incidentId`, the transaction begins by locking and reading that incident's row, in the
   * same round trip as its BEGIN; `work` gets the record (undefined: no such row).
   * `also`: statements (prepared) sent in that round trip too, after the lock; `work`
   * gets their results.
   */
  async tx(work: (sql: Sql, record: IncidentRecord | undefined, also: pg.QueryResult[]) => Promise<Committed[] | Committed | null>, incidentId?: string, also: readonly pg.QueryConfig[] = []): Promise<void> {
    const withBegin = incidentId !== undefined ? [rowQuery('incidents', incidentId, true), ...also] : also;
    const done = await transaction(this.pool, async (sql, first) => {
      track(sql);
      const locked = incidentId !== undefined ? first.shift()!.rows[0] : undefined;
      // What the steps leave in the batch goes with the COMMIT (`lastWrite`: in its round trip, so the rows the steps locked are not held for one more).
      return work(sql, locked ? fromColumns('incidents', locked) : undefined, first);
    }, { onConnection: this.opts.onConnection, giveUpAfterMs: this.opts.giveUpAfterMs, lastWrite: (sql) => batchOf(sql).take(sql), afterCommit: (sql) => announcement(sql, this.cx.channel), withBegin });
    for (const c of [done].flat()) {
      if (!c) continue;
      for (const event of c.events) this.cx.rt.emit(event);
    }
    this.cx.queue.wake();
    // The responders' events committed: applied now (not awaited: the item that carried the step is done).
    for (const responder of new Set([done].flat().flatMap((c) => c?.responders ?? []))) this.mailbox.wake(responder);
  }

  /** Reads outside any transaction (each statement sees what was committed when it ran), retried on a lost connection. */
  read<R>(work: (sql: Reader) => Promise<R>): Promise<R> {
    return transaction(this.pool, work, { onConnection: this.opts.onConnection, giveUpAfterMs: this.opts.giveUpAfterMs, plain: true });
  }

  /**
   * Applies one event to an incident whose row the caller has locked and read in this
   * transaction (no second read). `joined`: the jobs that joined it, when the caller read them
   * with the lock (a duty or review that follows the step reads them otherwise).
   */
  async applyTo(sql: Sql, record: IncidentRecord, event: IncidentEvent | { type: string; output?: unknown }, joined?: readonly JobRecord[]): Promise<Committed | null> {
    if (!record.snapshot) return null;
    const step = stepIncident(record, event, isoAt(this.cx.rt.clock.now()));
    if (!step.changed) return null;
    return followUp(this.apply, this.cx.rt, sql, record, step, await commitStep(sql, this.cx, record, step), joined);
  }

  /** One queued item, from whichever process queued it. */
  async handle(item: WorkItem, jobId: string): Promise<void> {
    switch (item.t) {
      case 'deadline': return this.deadline(item.owner, item.kind, jobId);
      case 'attempt': return this.attempt(item.incidentId, item.attempt, item.childId);
      case 'duty': return this.duty(item.incidentId, item.responder as Responder);
      case 'review': return this.review(item.incidentId);
      case 'job': return this.job(item.jobId, (item as { spec?: SentSpec }).spec);
      case 'fix': return this.fix(item.incidentId, item.owner as Responder);
    }
  }

  /** Arms the Chairman's weekly summary in the caller's transaction, unless a process already has (one for the cluster). */
  async startChairman(sql: Sql): Promise<void> {
    const work: QueuedWork[] = [];
    await arm(sql, work, BOARD, weeklyDeadline(nextWeekStart(this.cx.rt.clock.now())), true);
    await this.cx.queue.insert(sql, work);
  }

  /** A deadline fires once: the transaction that deletes its row applies it; a stale job finds no row. */
  private async deadline(owner: string, kind: string, jobId: string): Promise<void> {
    if (owner === BOARD) return this.weekly(kind, jobId);
    const responder = (RESPONDERS as readonly string[]).includes(owner) ? (owner as Responder) : null;
    const incidentId = responder ? kind.replace(/^ack:/, '') : owner;
    // The incident first, then its deadline row (the order every transaction takes them in), both with the BEGIN.
    const fire = prepared(FIRE, [owner, kind, jobId]);
    await this.tx(async (sql, record, [deleted, joined]) => {
      const { rows } = deleted;
      if (!record || rows.length === 0) return null;
      // An acknowledgement changes no responder row, so it locks none: the deadline that brings it is armed by the
      // responder's mailbox once the assignment committed (responderMailbox.ts). Its duty follows (joined: the duty's first read).
      if (responder) {
        // Released since it was armed (the release waits in the responder's mailbox, where it would have disarmed this), the
        // incident gone on to another stage: stale, as a disarmed deadline is (the next responder's stage would take it for its own).
        if (record.state !== `${STAGE[responder]}.queued`) return null;
        return this.applyTo(sql, record, { type: 'responder.ack', at: this.cx.rt.clock.now(), responder }, joined.rows.map((row) => fromColumns('jobs', row)));
      }
      return this.applyTo(sql, record, rows[0].event as IncidentEvent);
    }, incidentId, responder ? [fire, joinedJobsQuery(incidentId)] : [fire]);
  }

  /**
   * The Chairman's weekly summary (spec, Step 5), as the single-process Chairman writes it: the
   * week's incidents, their reviews and the open follow-ups read from the database, the
   * document and its notice written with the next week's deadline, once across the cluster.
   */
  private async weekly(kind: string, jobId: string): Promise<void> {
    await this.tx(async (sql) => {
      const { rows } = await sql.query(prepared(FIRE, [BOARD, kind, jobId]));
      if (rows.length === 0) return null;
      const at = Number(rows[0].due_at);
      const weekStart = at - WEEK;
      // Detected in the week, or open at some time in it (an SLA breach in the week, an unresolved P0).
      const incidents = await listRows(sql, 'incidents', 'detected_at >= $1 OR closed_at IS NULL OR closed_at >= $1', [new Date(weekStart)]);
      const reviews = await listRows(sql, 'kb_documents', 'incident_id = ANY($1) OR id = ANY($2)', [incidents.map((i) => i.id), incidents.flatMap((i) => i.reviewId ?? [])]);
      const followups = await listRows(sql, 'followups', `status = 'open'`, []);
      const view = createDutyView({ rows: [...reviews.map((row) => ({ table: 'kb_documents' as const, row })), ...followups.map((row) => ({ table: 'followups' as const, row }))], audit: [] });
      const { document, notification } = weeklySummary(view.store, weekStart, at, this.cx.rt.ids, incidents);
      await putRows(sql, 'kb_documents', [document]);
      await putRows(sql, 'notifications', [notification]);
      const work: QueuedWork[] = [];
      await arm(sql, work, BOARD, weeklyDeadline(at + WEEK));
      await this.cx.queue.insert(sql, work);
      return null;
    });
  }

  /** A retry attempt: re-runs the job outside any transaction, then sends its outcome to the machine. */
  private async attempt(incidentId: string, attempt: number, childId: string): Promise<void> {
    const due = (r: IncidentRecord | undefined) => r?.state === 'retrying.attempting' && r.retries.length + 1 === attempt;
    // The incident and its job in one round trip (pipelined); the job is run only if the attempt is still due.
    const job = await this.read(async (sql) => {
      const reads = [sql.query(rowQuery('incidents', incidentId)), sql.query(prepared(JOB_OF, [incidentId]))];
      // Both answered before the connection can go back to the pool, even when one failed.
      await Promise.allSettled(reads);
      const [incident, jobs] = await Promise.all(reads);
      if (!due(incident.rows[0] ? fromColumns('incidents', incident.rows[0]) : undefined)) return null;
      return jobs.rows[0] ? fromColumns('jobs', jobs.rows[0]) : undefined;
    });
    if (job === null) return;
    const result = job ? await this.run(job, attempt) : { ok: false as const, error: new Error('no job to re-run') };
    const at = this.cx.rt.clock.now();
    await this.tx(async (sql, record) => {
      if (!record || !due(record)) return null;
      const failed = job ? (await this.settleJob(sql, job, attempt, result, at)).failed : null;
      const output = { ok: result.ok, at, ...(result.ok ? {} : { error: messageOf(result.error) }) };
      return withJobFailed(failed, await this.applyTo(sql, record, { type: `xstate.done.actor.${childId}`, output }));
    }, incidentId);
  }

  /** A responder's duty queued by an earlier version (a duty is now done in the step that acknowledges, see followUps.ts). */
  private async duty(incidentId: string, responder: Responder): Promise<void> {
    await this.tx(async (sql, record, [joined]) => {
      if (record?.state !== `${STAGE[responder]}.working`) return null;
      return dutyStep(this.apply, this.cx.rt, sql, record, responder, joined.rows.map((row) => fromColumns('jobs', row)));
    }, incidentId, [joinedJobsQuery(incidentId)]);
  }

  /** A review queued by an earlier version (a review is now built in the step that commissions it, see followUps.ts). */
  private async review(incidentId: string): Promise<void> {
    await this.tx(async (sql, record, [joined]) => {
      if (record?.state !== 'reviewing') return null;
      return reviewStep(this.apply, this.cx.rt, sql, record, joined.rows.map((row) => fromColumns('jobs', row)));
    }, incidentId, [joinedJobsQuery(incidentId)]);
  }

  /** The owner starts on the fix: the host's hook, told once per stage (again if the process that took it died). */
  private async fix(incidentId: string, owner: Responder): Promise<void> {
    const record = await this.read((sql) => getRow(sql, 'incidents', incidentId));
    // The incident's context, as the single-process engine's hook gets it (not the stored record).
    if (record?.state === `${STAGE[owner]}.fixing`) this.opts.onFix?.(snapshotOf(record).context, owner);
  }

  /** A submitted job's first run: a failure opens an incident or joins the open one (once, by its key). */
  private async job(jobId: string, sent: SentSpec | undefined): Promise<void> {
    // The job's row and whether its agent or workflow is paused, in one statement.
    const read = await this.read(async (sql) => (await sql.query(prepared(HELD_READ, [jobId]))).rows[0]);
    const job = read ? fromColumns('jobs', read) : undefined;
    if (!job || job.status === 'succeeded' || job.status === 'failed') return;
    // Paused (seen without a lock): held, unless its pause was lifted meanwhile (checked under the rows' locks).
    if (read!.held === true && (await this.hold(job, sent))) return;
    // The job as its row has it, for any process: `assess` tells jobs apart by kind and input as in one process.
    const spec: JobSpec = { ...specOfRow(job), ...sent, ...this.opts.localSpecs.get(jobId) };
    const result = await this.run(job, 0, spec);
    const at = this.cx.rt.clock.now();
    const fingerprint = result.ok ? null : fingerprintOf({ message: messageOf(result.error), rootCause: spec.rootCause, agent: job.agent, workflow: job.workflow });
    // The job's key and, for a failure, its fingerprint's lock and incidents, taken with the BEGIN.
    await this.tx(async (sql, _none, [claimed, , open, closed]) => {
      // A retry of a committed run is a no-op.
      if (claimed.rowCount !== 1) return null;
      const { row, failed } = await this.settleJob(sql, job, 0, result, at);
      if (result.ok) return null;
      const incidents = { open: open.rows[0] ? fromColumns('incidents', open.rows[0]) : undefined, lastClosed: (closed.rows[0]?.id as string | undefined) ?? null };
      return withJobFailed(failed, await this.openOrJoin(sql, row, result.error, spec, at, fingerprint!, incidents));
    }, undefined, [claimQuery(`job:${jobId}`, null), ...(fingerprint ? openerQueries(fingerprint) : [])]);
    this.opts.onJobSettled(jobId, result.ok ? 'succeeded' : 'failed');
  }

  /**
   * Holds a job whose agent or workflow is paused, as the single-process worker keeps it in its
   * queue (spec, Step 3: mitigation): its row stays queued and a `cluster_held_jobs` row keeps it
   * and its sent spec until the step that resumes what was paused queues it again (commitStep's
   * liftMitigation). The agent's and workflow's rows are read FOR SHARE (in the order a triage
   * and a resume lock them): a resume committed since is seen, and one under way waits for this
   * hold, then takes its row. False: nothing is paused now, the caller runs the job.
   */
  private async hold(job: JobRecord, sent: SentSpec | undefined): Promise<boolean> {
    let held = false;
    await this.tx(async (sql, _none, [agent, workflow]) => {
      held = agent.rows[0]?.status === 'paused' || workflow.rows[0]?.status === 'paused';
      if (held) await sql.query(prepared('INSERT INTO cluster_held_jobs (job_id, agent, workflow, spec) VALUES ($1, $2, $3, $4) ON CONFLICT (job_id) DO NOTHING', [job.id, job.agent, job.workflow, JSON.stringify(sent ?? {})]));
      return null;
    }, undefined, [
      prepared('SELECT status FROM agents WHERE id = $1 FOR SHARE', [job.agent]),
      prepared('SELECT status FROM workflows WHERE id = $1 FOR SHARE', [job.workflow]),
    ]);
    return held;
  }

  /**
   * Spec, Step 1, across processes: one open incident per fingerprint. The caller's
   * transaction took the fingerprint's advisory lock (which serialises openers; the loser
   * joins) and read, after it, the open incident (locked) and the last closed one
   * (openerQueries). Writes the failed job's row with its incident.
   */
  private async openOrJoin(sql: Sql, job: JobRecord, error: unknown, spec: JobSpec, at: number, fingerprint: string, incidents: { open: IncidentRecord | undefined; lastClosed: string | null }): Promise<Committed | null> {
    const { open } = incidents;
    if (open) {
      batchOf(sql).put('jobs', [{ ...job, status: 'failed', incidentId: open.id }]);
      return this.applyTo(sql, open, { type: 'failure.attached', at, jobId: job.id, impact: failureImpact(spec, error, this.opts.assess) });
    }
    const id = this.cx.rt.ids('inc');
    batchOf(sql).put('jobs', [{ ...job, status: 'failed', incidentId: id }]);
    const input = failureInput({ id, fingerprint, repeatOf: incidents.lastClosed, job, error, spec, at, assess: this.opts.assess, policy: this.cx.rt.policy });
    const step = openIncident(input, isoAt(at));
    return followUp(this.apply, this.cx.rt, sql, null, step, await commitStep(sql, this.cx, null, step));
  }

  private async run(job: JobRecord, attempt: number, spec = this.opts.localSpecs.get(job.id)): Promise<{ ok: true } | { ok: false; error: unknown }> {
    const run = spec?.run ?? (job.kind ? this.opts.runners[job.kind] : undefined);
    try {
      if (!run) throw new Error(`no runner for job ${job.id}${job.kind ? ` (kind "${job.kind}")` : ''}: register it in the engine's jobs option`);
      const ms = this.cx.rt.policy.JOB_TIMEOUT_MS;
      await runWithTimeout(() => run({ attempt, jobId: job.id, input: job.input }), this.cx.rt.clock, ms, (startedAt) => new JobTimeoutError(job.id, job.agent, ms, startedAt));
      return { ok: true };
    } catch (error) {
      return { ok: false, error };
    }
  }

  /**
   * The job's row after a run, and its `job.failed` entry (as the single-process worker loop
   * writes them), both put in the transaction's batch (the incident a first failure opens or
   * joins puts the row again, with its incident). `job` is the row as read before the run:
   * only this item's transaction changes it afterwards (the job's key, or the attempt's check
   * under the incident's lock, makes a second try a no-op), so it is not read again. `at` is
   * when the run ended, the time of the step it leads to: the entry is not stamped later than
   * the `incident.detected` (or `incident.retry`) it comes before, as in one process.
   */
  private async settleJob(sql: Sql, job: JobRecord, attempt: number, result: { ok: true } | { ok: false; error: unknown }, at: number): Promise<{ row: JobRecord; failed: AuditEntry | null }> {
    const row: JobRecord = { ...job, status: result.ok ? 'succeeded' : 'failed', attempts: job.attempts + 1, error: result.ok ? null : messageOf(result.error), updatedAt: isoAt(at) };
    batchOf(sql).put('jobs', [row]);
    if (result.ok) return { row, failed: null };
    const entry: AuditEntry = auditEntry(this.cx.rt, 'job', job.id, {
      at, actor: job.agent, action: 'job.failed', level: 'error',
      message: `Job ${job.id} of ${job.agent} failed${attempt > 0 ? ` on retry attempt ${attempt}` : ''}: ${messageOf(result.error)}`,
      meta: { agent: job.agent, workflow: job.workflow, tenant: job.tenant, attempt, error: messageOf(result.error), stack: stackOf(result.error) },
    });
    batchOf(sql).append([entry]);
    return { row, failed: entry };
  }
}

/** A step's events after its job's `job.failed` entry: subscribers hear of the failure first, as in one process. */
function withJobFailed(failed: AuditEntry | null, step: Committed | null): Committed | null {
  if (!failed) return step;
  return { ...step, events: [{ type: 'audit', entry: failed }, ...(step?.events ?? [])] };
}

/**
 * What a first failure's transaction reads before it opens or joins an incident (sent with
 * its BEGIN): the fingerprint's advisory lock, then — each statement seeing what committed
 * before it ran, so after the lock — the open incident of that fingerprint, locked (FOR
 * UPDATE: one that closes while this waits for its row is seen closed, as PostgreSQL checks
 * the WHERE again once the lock is granted, so a failure never joins a closed incident), and
 * the last closed one (the new incident's `repeatOf`).
 */
function openerQueries(fingerprint: string): pg.QueryConfig[] {
  return [
    prepared('SELECT pg_advisory_xact_lock(hashtext($1))', [fingerprint]),
    prepared(`SELECT ${selectList('incidents')} FROM incidents WHERE fingerprint = $1 AND status <> 'closed' LIMIT 1 FOR UPDATE`, [fingerprint]),
    prepared(`SELECT id FROM incidents WHERE fingerprint = $1 AND status = 'closed' ORDER BY seq DESC LIMIT 1`, [fingerprint]),
  ];
}

/** A job's row, and `held`: its agent or its workflow is paused (read without a lock). */
const HELD_READ = `SELECT ${selectList('jobs')}, EXISTS (SELECT 1 FROM agents WHERE id = jobs.agent AND status = 'paused')
  OR EXISTS (SELECT 1 FROM workflows WHERE id = jobs.workflow AND status = 'paused') AS held FROM jobs WHERE id = $1`;

/** The row of the job an incident was opened by. */
const JOB_OF = `SELECT ${selectList('jobs')} FROM jobs WHERE id = (SELECT job_id FROM incidents WHERE id = $1)`;

/** A deadline fires: the transaction that deletes its row (the job that delivers it named) applies it. */
const FIRE = 'DELETE FROM cluster_deadlines WHERE owner_id = $1 AND kind = $2 AND job_id = $3 RETURNING event, due_at';

const CLAIM = 'INSERT INTO cluster_events (key, incident_id) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING';

/** `claim`'s statement, for a round trip that carries several statements (a transaction's `withBegin`). */
export function claimQuery(key: string, incidentId: string | null): pg.QueryConfig {
  return prepared(CLAIM, [key, incidentId]);
}

/** Takes an idempotency key; false when an earlier try of the same event committed. */
export async function claim(sql: Sql, key: string, incidentId: string | null): Promise<boolean> {
  const { rowCount } = await sql.query(claimQuery(key, incidentId));
  return rowCount === 1;
}
