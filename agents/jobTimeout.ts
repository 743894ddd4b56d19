import type { Clock } from '../machines/types.js';

/** A job that did not settle within `JOB_TIMEOUT_MS`: the attempt fails, retryable. */
export class JobTimeoutError extends Error {
  /** Read by `isRetryable`: a slow dependency may well answer on the next attempt. */
  readonly retryable = true;
  /**
   * @param runStartedAt when the attempt that hung started (epoch ms, the engine's clock): the
   * job was failing from then, and its incident's `failureStartedAt` is then (MTTD), not when
   * the timeout noticed it.
   */
  constructor(jobId: string, agent: string, ms: number, readonly runStartedAt: number) {
    super(`job ${jobId} of ${agent} did not finish within JOB_TIMEOUT_MS (${ms} ms)`);
    this.name = 'JobTimeoutError';
  }
}

/**
 * Runs a job, failing it with a JobTimeoutError once `ms` pass on `clock` without it
 * settling, so one hung job never holds its agent's queue. `timeout` is given when the run
 * started, on `clock`. A job that returns at once (no promise) arms no timer. What a
 * timed-out job does later is ignored. `armed`, when given, holds the timer while it is
 * armed, for an owner that stops to clear (a hung job's timer would otherwise keep a stopped
 * engine's process alive until it fires).
 * @example await runWithTimeout(() => run(ctx), clock, 600_000, (startedAt) => new JobTimeoutError(id, agent, 600_000, startedAt))
 */
export function runWithTimeout(run: () => unknown, clock: Clock, ms: number, timeout: (startedAt: number) => Error, armed?: Set<unknown>): Promise<unknown> {
  const startedAt = clock.now();
  const result = run();
  if (!isThenable(result)) return Promise.resolve(result);
  return new Promise((resolve, reject) => {
    const timer = clock.setTimeout(() => {
      armed?.delete(timer);
      reject(timeout(startedAt));
    }, ms);
    armed?.add(timer);
    const settled = () => {
      clock.clearTimeout(timer);
      armed?.delete(timer);
    };
    Promise.resolve(result).then(
      (value) => {
        settled();
        resolve(value);
      },
      (error: unknown) => {
        settled();
        reject(error);
      },
    );
  });
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return value !== null && (typeof value === 'object' || typeof value === 'function') && typeof (value as { then?: unknown }).then === 'function';
}
