import { createActor, fromPromise, type Actor } from 'xstate';
import { workerMachine } from '../machines/workerMachine.js';
import type { AttemptOutcome } from '../machines/incidentEvents.js';
import type { JobFailureSpec, JobRecord } from '../machines/types.js';
import { messageOf, stackOf } from './errorText.js';
import { JobTimeoutError, runWithTimeout } from './jobTimeout.js';
import { HAND_OVER, isoAt, writeAudit, type Runtime } from './runtime.js';
import { firstRunOutcome, JobWaiters } from './jobWaiters.js';
import type { JobRunner, JobSpec } from './types.js';
import { specOfRow } from './failureInput.js';

export type { JobRunner } from './types.js';

/**
 * The failure parts of a job with a kind, for its row: the next engine over the store runs it
 * (a job with only its own `run` it cannot, and rehearsals' jobs are such: their rows stay lean).
 */
function failureSpecOf(spec: JobSpec): { failureSpec?: JobFailureSpec } {
  if (!spec.kind) return {};
  const kept: JobFailureSpec = {};
  for (const field of ['impact', 'rootCause', 'whys', 'failure', 'startedAt'] as const) if (spec[field] !== undefined) Object.assign(kept, { [field]: spec[field] });
  return Object.keys(kept).length ? { failureSpec: kept } : {};
}

/** What the engine loop does with a job that threw (spec, Step 1). */
export type FailureHandler = (job: JobRecord, error: unknown, spec: JobSpec | undefined) => void;

/**
 * The worker agents' engine loop: one worker actor per agent, each taking jobs
 * from its queue one at a time. A job that throws is caught here: an `error`
 * audit entry with the stack in `meta`, the job `failed` in `jobs`, then the
 * failure handler opens (or joins) an incident.
 */
export class Workers {
  private readonly actors = new Map<string, Actor<typeof workerMachine>>();
  private readonly specs = new Map<string, JobSpec>();
  private readonly waiters = new JobWaiters();
  /** Set by stop(): no run starts, and one that ends records nothing (see execute). */
  private stopped = false;
  /** The timeout timers of the runs under way, cleared by stop(). */
  private readonly timeouts = new Set<unknown>();

  constructor(
    private readonly rt: Runtime,
    private readonly runners: Record<string, JobRunner>,
    private readonly onFailure: FailureHandler,
  ) {}

  /** Queues a job on its agent; resolves when its first run ends. */
  submit(spec: JobSpec, startedAt?: number): { jobId: string; done: Promise<'succeeded' | 'failed'> } {
    const jobId = spec.id ?? this.rt.ids('job');
    // The same job id again (a caller retrying after a crash): the job is not run a second time.
    const known = spec.id === undefined ? undefined : this.rt.store.get('jobs', jobId);
    if (known) return { jobId, done: this.firstRunOf(known, spec) };
    const now = isoAt(this.rt.clock.now());
    const row: JobRecord = {
      id: jobId,
      kind: spec.kind ?? null,
      ...(spec.input !== undefined ? { input: spec.input } : {}),
      agent: spec.agent,
      workflow: spec.workflow ?? null,
      tenant: spec.tenant ?? this.rt.store.get('agents', spec.agent)?.tenant ?? null,
      status: 'queued',
      attempts: 0,
      createdAt: startedAt !== undefined ? isoAt(startedAt) : now,
      updatedAt: now,
      error: null,
      incidentId: null,
      ...failureSpecOf(spec),
    };
    this.rt.store.put('jobs', row, HAND_OVER);
    this.specs.set(jobId, spec);
    const done = this.waiters.wait(jobId);
    this.worker(spec.agent).send({ type: 'job.enqueued', job: { jobId, workflow: row.workflow } });
    return { jobId, done };
  }

  /** Re-queues jobs that were waiting when the engine stopped (none are dropped). */
  requeue(job: JobRecord): void {
    this.worker(job.agent).send({ type: 'job.enqueued', job: { jobId: job.id, workflow: job.workflow } });
  }

  /** A retry attempt: re-runs the real job and reports how it went. */
  async rerun(jobId: string, attempt: number): Promise<AttemptOutcome> {
    const job = this.rt.store.get('jobs', jobId);
    if (!job) return { ok: false, at: this.rt.clock.now(), error: `job ${jobId} is not in the store` };
    const result = await this.execute(job, attempt);
    return { ok: result.ok, at: this.rt.clock.now(), ...(result.ok ? {} : { error: messageOf(result.error) }) };
  }

  setPaused(kind: 'agent' | 'workflow', id: string, paused: boolean): void {
    if (kind === 'agent') this.worker(id).send({ type: paused ? 'agent.paused' : 'agent.resumed' });
    else for (const actor of this.actors.values()) actor.send(paused ? { type: 'workflow.paused', workflow: id } : { type: 'workflow.resumed', workflow: id });
  }

  queued(agent: string): number {
    return this.actors.get(agent)?.getSnapshot().context.queue.length ?? 0;
  }

  stop(): void {
    this.stopped = true;
    for (const actor of this.actors.values()) actor.stop();
    // No first run is recorded from here on (one under way ends unrecorded, a queued one never
    // starts): the callers hear so (EngineError) instead of an outcome the store does not hold.
    this.waiters.stopped((jobId) => !this.rt.store.get('jobs', jobId)?.kind);
    // A hung run's timeout would keep the process alive until it fired, to record nothing.
    for (const timer of this.timeouts) this.rt.clock.clearTimeout(timer);
    this.timeouts.clear();
  }

  private worker(agent: string): Actor<typeof workerMachine> {
    let actor = this.actors.get(agent);
    if (actor) return actor;
    const machine = workerMachine.provide({
      actors: { runJob: fromPromise(({ input }) => this.runFirst(input.jobId)) },
    });
    actor = createActor(machine, { input: { agent }, clock: this.rt.clock });
    this.actors.set(agent, actor);
    const row = this.rt.store.get('agents', agent);
    actor.start();
    if (row?.status === 'paused') actor.send({ type: 'agent.paused' });
    for (const wf of this.rt.store.list('workflows', { status: 'paused' })) actor.send({ type: 'workflow.paused', workflow: wf.id });
    return actor;
  }

  private async runFirst(jobId: string): Promise<void> {
    const job = this.rt.store.get('jobs', jobId)!;
    let ok = false;
    try {
      const result = await this.execute(job, 0);
      ok = result.ok;
      // Ended after stop(): nothing was written, and the next engine runs the job again.
      if (!result.recorded) return;
      if (!result.ok) {
        // Submitted to an engine before this one (a restart): its spec as the row kept it before the run.
        this.onFailure(this.rt.store.get('jobs', jobId)!, result.error, this.specs.get(jobId) ?? specOfRow(job));
      }
      // A job that succeeded is never run again: its spec (and the closure in it) can go.
      else this.forget(jobId);
    } finally {
      // Whatever went wrong above, the callers' `done` settles (after stop(), it was refused then).
      this.waiters.settle(jobId, ok ? 'succeeded' : 'failed');
    }
  }

  /** How a known job's first run went, now or once it ends (a job in an incident failed its first run). */
  private firstRunOf(job: JobRecord, spec: JobSpec): Promise<'succeeded' | 'failed'> {
    const settled = firstRunOutcome(job);
    if (settled) return Promise.resolve(settled);
    // Queued, running, or restored after a restart: keep the caller's spec (its `run`) if none is held.
    if (!this.specs.has(job.id)) this.specs.set(job.id, spec);
    return this.waiters.wait(job.id);
  }

  /**
   * Drops a job's spec once nothing will re-run it (it joined another incident, or its own
   * incident closed): kept, the specs of every job ever submitted would grow with the run.
   */
  forget(jobId: string): void {
    this.specs.delete(jobId);
  }

  /**
   * Runs the job once; the loop's error handler catches what it throws. After stop() no
   * run starts (the promise never settles), and a run that ends records nothing
   * (`recorded: false`): the store may be closed by then. Its row stays `running`, or its
   * incident's snapshot keeps the attempt under way, and the next engine over the store
   * runs it again, as after a crash.
   */
  private async execute(job: JobRecord, attempt: number): Promise<({ ok: true } | { ok: false; error: unknown }) & { recorded: boolean }> {
    if (this.stopped) return new Promise(() => {});
    const run = this.specs.get(job.id)?.run ?? (job.kind ? this.runners[job.kind] : undefined);
    this.rt.store.put('jobs', { ...job, status: 'running', attempts: job.attempts + 1, updatedAt: isoAt(this.rt.clock.now()) }, HAND_OVER);
    try {
      if (!run) throw new Error(`no runner for job ${job.id}${job.kind ? ` (kind "${job.kind}")` : ''}: register it in the engine's jobs option`);
      const ms = this.rt.policy.JOB_TIMEOUT_MS;
      await runWithTimeout(() => run({ attempt, jobId: job.id, input: job.input }), this.rt.clock, ms, (startedAt) => new JobTimeoutError(job.id, job.agent, ms, startedAt), this.timeouts);
      if (this.stopped) return { ok: true, recorded: false };
      this.settle(job.id, 'succeeded', null);
      return { ok: true, recorded: true };
    } catch (error) {
      if (this.stopped) return { ok: false, error, recorded: false };
      const at = this.rt.clock.now();
      const message = messageOf(error);
      this.settle(job.id, 'failed', message);
      writeAudit(this.rt, 'job', job.id, {
        at,
        actor: job.agent,
        action: 'job.failed',
        level: 'error',
        message: `Job ${job.id} of ${job.agent} failed${attempt > 0 ? ` on retry attempt ${attempt}` : ''}: ${message}`,
        meta: { agent: job.agent, workflow: job.workflow, tenant: job.tenant, attempt, error: message, stack: stackOf(error) },
      });
      return { ok: false, error, recorded: true };
    }
  }

  private settle(jobId: string, status: 'succeeded' | 'failed', error: string | null): void {
    // Its failure spec goes once a run is recorded: a failed first run's incident holds it (same step, same commit).
    const { failureSpec: _done, ...job } = this.rt.store.get('jobs', jobId)!;
    this.rt.store.put('jobs', { ...job, status, error, updatedAt: isoAt(this.rt.clock.now()) }, HAND_OVER);
  }
}

