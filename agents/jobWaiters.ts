import type { JobRecord } from '../machines/types.js';
import { EngineError } from './types.js';

/** How a job's first run went (`submit`'s `done`). */
export type FirstRun = 'succeeded' | 'failed';

/**
 * How a job's first run went, as its row tells, or null while it has not ended: a job in an
 * incident failed its first run, whatever its retries did since (its row `succeeded` once one did).
 * @example firstRunOutcome({ ...job, status: 'succeeded', incidentId: 'inc_1' }) // 'failed'
 */
export function firstRunOutcome(job: Pick<JobRecord, 'status' | 'incidentId'>): FirstRun | null {
  if (job.incidentId !== null) return 'failed';
  return job.status === 'succeeded' || job.status === 'failed' ? job.status : null;
}

interface Waiter {
  done: Promise<FirstRun>;
  resolve(status: FirstRun): void;
  reject(error: Error): void;
}

/**
 * The callers waiting on jobs' first runs (`submit`'s `done`), by job id, in both engines.
 * When the engine stops, the waits it will not settle are refused with an `EngineError`
 * saying the job stays in the store for the next engine: a caller awaiting them at shutdown
 * hears so instead of waiting for good. Each `done` is marked handled, so one nobody awaits
 * is no unhandled rejection.
 * @example const done = waiters.wait(jobId); … waiters.settle(jobId, 'failed'); … waiters.stopped();
 */
export class JobWaiters {
  readonly #waiting = new Map<string, Waiter[]>();

  /** A promise of job `jobId`'s first run (a second caller of the same job waits beside the first). */
  wait(jobId: string): Promise<FirstRun> {
    let settle!: Pick<Waiter, 'resolve' | 'reject'>;
    const done = new Promise<FirstRun>((resolve, reject) => (settle = { resolve, reject }));
    const waiter: Waiter = { done, ...settle };
    const list = this.#waiting.get(jobId);
    if (list) list.push(waiter);
    else this.#waiting.set(jobId, [waiter]);
    waiter.done.catch(() => undefined);
    return waiter.done;
  }

  settle(jobId: string, status: FirstRun): void {
    for (const waiter of this.#waiting.get(jobId) ?? []) waiter.resolve(status);
    this.#waiting.delete(jobId);
  }

  /** The jobs waited on. */
  ids(): string[] {
    return [...this.#waiting.keys()];
  }

  /**
   * The engine stopped: every wait not settled is refused. `kindless` tells the jobs submitted
   * with their own `run` and no kind: the store keeps no function, so the next engine has no
   * runner for them and fails them; their callers are told that, not that it runs them.
   */
  stopped(kindless: (jobId: string) => boolean = () => false): void {
    for (const [jobId, list] of this.#waiting) {
      const next = kindless(jobId)
        ? 'the job stays in the store, but it has no kind and its own run is not stored: the next engine over it finds no runner for it and fails it (give such a job a kind registered in jobs)'
        : 'the job stays in the store, and the next engine over it runs it';
      const error = new EngineError(`job ${jobId}: the engine stopped before its first run was recorded; ${next}`);
      for (const waiter of list) waiter.reject(error);
    }
    this.#waiting.clear();
  }

  /**
   * One submit of the job never reached the store: the wait `done` it made is refused with
   * why (another submit of the same job may have; its callers still hear how the run went).
   * True when nobody waits on the job any more.
   */
  failed(jobId: string, done: Promise<FirstRun>, error: unknown): boolean {
    const list = this.#waiting.get(jobId) ?? [];
    const at = list.findIndex((waiter) => waiter.done === done);
    if (at >= 0) list.splice(at, 1)[0].reject(error instanceof Error ? error : new EngineError(`job ${jobId}: ${String(error)}`));
    if (list.length === 0) this.#waiting.delete(jobId);
    return !this.#waiting.has(jobId);
  }
}
