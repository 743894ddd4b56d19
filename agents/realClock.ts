import type { Clock } from '../machines/types.js';

/** The platform timers RealClock sits on; tests inject a fake. */
export interface TimerSource {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface RealClockOptions {
  /** Default: Date.now and Node's timers. */
  source?: TimerSource;
  /** Let the process exit while timers are pending (calls `unref()` on handles that have it). */
  unref?: boolean;
}

/** Node's setTimeout fires at once (with a warning) past this: 2^31-1 ms, about 24.8 days. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** The handle `RealClock.setTimeout` returns: follows a long delay across its chained timers. */
export class RealTimer {
  handle: unknown = undefined;
  cleared = false;
  constructor(public remaining: number) {}
}

const nodeTimers: TimerSource = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  // The handle came from Node's setTimeout above: the seam's only cast.
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/**
 * Wall-clock time for the engine in production: Date.now and Node's timers, with delays
 * longer than 2^31-1 ms (a 30-day SLA, a next-maintenance-window wait) split into chained
 * timers instead of firing immediately. Works as XState's `clock` option.
 *
 * @example
 * const clock = new RealClock({ unref: true });
 * const id = clock.setTimeout(() => console.log('a month later'), 30 * 86_400_000);
 * clock.clearTimeout(id);
 */
export class RealClock implements Clock {
  private readonly source: TimerSource;
  private readonly unref: boolean;

  constructor(options: RealClockOptions = {}) {
    this.source = options.source ?? nodeTimers;
    this.unref = options.unref ?? false;
  }

  now(): number {
    return this.source.now();
  }

  setTimeout(fn: () => void, ms: number): RealTimer {
    const timer = new RealTimer(Number.isFinite(ms) && ms > 0 ? ms : 0);
    this.arm(timer, fn);
    return timer;
  }

  clearTimeout(id: unknown): void {
    if (!(id instanceof RealTimer) || id.cleared) return;
    id.cleared = true;
    this.source.clearTimeout(id.handle);
  }

  /** Arms the next chunk; the remaining time is counted down by chunk sizes, not re-read from
   *  now(), so a wall-clock jump neither shortens nor stretches a long wait. */
  private arm(timer: RealTimer, fn: () => void): void {
    const chunk = Math.min(timer.remaining, MAX_TIMER_MS);
    timer.remaining -= chunk;
    timer.handle = this.source.setTimeout(() => {
      if (timer.cleared) return;
      if (timer.remaining > 0) this.arm(timer, fn);
      else {
        timer.cleared = true;
        fn();
      }
    }, chunk);
    const handle = timer.handle;
    if (this.unref && typeof handle === 'object' && handle !== null && 'unref' in handle && typeof handle.unref === 'function') {
      handle.unref();
    }
  }
}
