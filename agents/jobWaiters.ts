import { EngineError } from './types.js';

/** How a job's first run went (`submit`'s `done`). */
export type FirstRun = 'succeeded' | 'failed';

interface Waiter {
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
    const done = new Promise<FirstRun>((resolve, reject) => {
      const list = this.#waiting.get(jobId);
      if (list) list.push({ resolve, reject });
      else this.#waiting.set(jobId, [{ resolve, reject }]);
    });
    done.catch(() => undefined);
    return done;
  }

  settle(jobId: string, status: FirstRun): void {
    for (const waiter of this.#waiting.get(jobId) ?? []) waiter.resolve(status);
    this.#waiting.delete(jobId);
  }

  /** The jobs waited on. */
  ids(): string[] {
    return [...this.#waiting.keys()];
  }

  /** The engine stopped: every wait not settled is refused. */
  stopped(): void {
    for (const [jobId, list] of this.#waiting) {
      const error = new EngineError(`job ${jobId}: the engine stopped before its first run was recorded; the job stays in the store, and the next engine over it runs it`);
      for (const waiter of list) waiter.reject(error);
    }
    this.#waiting.clear();
  }

  /** The job never reached the store (its submit failed): its waits are refused with why. */
  failed(jobId: string, error: unknown): void {
    const refusal = error instanceof Error ? error : new EngineError(`job ${jobId}: ${String(error)}`);
    for (const waiter of this.#waiting.get(jobId) ?? []) waiter.reject(refusal);
    this.#waiting.delete(jobId);
  }
}
