import type { Clock } from '../machines/types.js';
import { TimerQueue, type QueuedTimer } from './timerQueue.js';

/** Awaited between two timer firings by the async methods: lets pending work finish. */
export type Settle = () => Promise<void>;

export interface VirtualClockOptions {
  /** Epoch milliseconds the clock starts at (default 0). */
  start?: number;
  /** Default `settle` of the async methods (default `nextTurn`). */
  settle?: Settle;
}

export interface RunOptions {
  /** Horizon (epoch ms): timers due later stay pending; the clock ends at the horizon. */
  until?: number;
  /** Stop after firing this many timers: a guard against timers that re-arm forever. */
  maxTimers?: number;
}

export interface AsyncRunOptions extends RunOptions {
  settle?: Settle;
}

/** How many timers a run fired and why it stopped ('until': timers remain past the horizon). */
export interface RunResult {
  fired: number;
  reason: 'idle' | 'until' | 'maxTimers';
}

interface Timer extends QueuedTimer {
  fn: () => void;
}

/**
 * One macrotask turn. Node drains the whole microtask queue before it, so every promise
 * chain that waits on no I/O (fromPromise actors over an in-memory store) has settled, and
 * the timers it set are queued, by the time it resolves.
 */
export const nextTurn: Settle = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Virtual time for rehearsals: a `Clock` (and an XState `clock`) whose timers fire only
 * when its owner advances it, one at a time in (due time, order set) order, with now()
 * equal to each timer's due time while it fires. XState's SimulatedClock re-sorts every
 * pending timer per firing and skips timers set during a large increment; this one keeps a
 * heap (O(log n) per timer) and fires chains of timers within one advance.
 *
 * The sync methods suit pure machines. The async ones await `settle` before choosing each
 * timer, so a fromPromise actor started by one timer resolves (and sets its own timers)
 * before the next fires: the order a real clock would give, since real time cannot pass
 * while microtasks run.
 *
 * @example
 * const clock = new VirtualClock({ start: Date.parse('2026-03-02T14:00:00Z') });
 * const actor = createActor(machine, { clock }).start();
 * clock.advanceBy(5 * 60_000);                        // every `after` due within 5 minutes
 * await clock.runUntilIdleAsync({ until: clock.now() + 86_400_000 });
 */
export class VirtualClock implements Clock {
  private time: number;
  private readonly queue = new TimerQueue<Timer>();
  /** Live timers by id; cleared ones stay in the queue, marked, until popped (lazy deletion). */
  private readonly live = new Map<number, Timer>();
  private seq = 0;
  private advancing = false;
  private readonly settle: Settle;

  constructor(options: VirtualClockOptions = {}) {
    this.time = options.start ?? 0;
    this.settle = options.settle ?? nextTurn;
  }

  now(): number {
    return this.time;
  }

  /** Schedules `fn` at now() + ms and returns its id. Negative or non-finite delays count as 0. */
  setTimeout(fn: () => void, ms: number): number {
    const timer: Timer = { seq: ++this.seq, dueAt: this.time + (ms > 0 && Number.isFinite(ms) ? ms : 0), fn, cancelled: false };
    this.live.set(timer.seq, timer);
    this.queue.push(timer);
    return timer.seq;
  }

  /**
   * Sets aside the places of `count` timers in the firing order, as if they were set now one
   * after another, and returns the first (the next `count - 1` follow it). Each is set later
   * by `setTimeoutAt`: a long timeline's timers can join the queue as their time nears
   * instead of all at the start, and still fire in the order they would have (equal due
   * times by the order set). Setting one after the clock passed its due time is the caller's
   * mistake: it then fires at now().
   */
  reserve(count: number): number {
    const first = this.seq + 1;
    this.seq += Math.max(0, count);
    return first;
  }

  /** Schedules `fn` at the epoch-ms `dueAt` in a place `reserve` set aside; returns its id (the place). */
  setTimeoutAt(fn: () => void, dueAt: number, place: number): number {
    if (!(place >= 1 && place <= this.seq) || this.live.has(place)) throw new RangeError(`VirtualClock: place ${place} was not reserved, or is taken`);
    const timer: Timer = { seq: place, dueAt: Math.max(this.time, dueAt), fn, cancelled: false };
    this.live.set(timer.seq, timer);
    this.queue.push(timer);
    return timer.seq;
  }

  clearTimeout(id: unknown): void {
    const timer = typeof id === 'number' ? this.live.get(id) : undefined;
    if (!timer) return;
    timer.cancelled = true;
    this.live.delete(timer.seq);
    // XState clears a timer on every state exit: compact before garbage outweighs live timers.
    if (this.queue.size > 64 && this.queue.size > 2 * this.live.size) this.queue.compact();
  }

  /** True while an advance fires timers: moving the clock then would throw. */
  isAdvancing(): boolean {
    return this.advancing;
  }

  /** Timers set and neither fired nor cleared. */
  pending(): number {
    return this.live.size;
  }

  /** Due time (epoch ms) of the next timer, or null when none is pending. */
  nextDueAt(): number | null {
    return this.queue.peek()?.dueAt ?? null;
  }

  /**
   * Fires every timer due at or before `t`, including those set by firing callbacks, then
   * sets now() to `t`. A callback that throws stops the advance at its due time and the
   * error propagates; the remaining timers stay queued.
   */
  advanceTo(t: number, options: Pick<RunOptions, 'maxTimers'> = {}): RunResult {
    this.checkForward(t);
    return this.run({ ...options, until: t });
  }

  advanceBy(ms: number, options: Pick<RunOptions, 'maxTimers'> = {}): RunResult {
    return this.advanceTo(this.time + ms, options);
  }

  /** Fires timers until none is left, the `until` horizon, or `maxTimers`. */
  runUntilIdle(options: RunOptions = {}): RunResult {
    return this.run(options);
  }

  /** `advanceTo` that awaits `settle` before each timer and once before it returns. */
  async advanceToAsync(t: number, options: Omit<AsyncRunOptions, 'until'> = {}): Promise<RunResult> {
    this.checkForward(t);
    return this.runAsync({ ...options, until: t });
  }

  advanceByAsync(ms: number, options: Omit<AsyncRunOptions, 'until'> = {}): Promise<RunResult> {
    return this.advanceToAsync(this.time + ms, options);
  }

  /** `runUntilIdle` that awaits `settle` before each timer and once before it returns. */
  runUntilIdleAsync(options: AsyncRunOptions = {}): Promise<RunResult> {
    return this.runAsync(options);
  }

  private run({ until = Infinity, maxTimers = Infinity }: RunOptions): RunResult {
    this.enter();
    try {
      for (let fired = 0; ; fired++) {
        const reason = this.stopReason(until, maxTimers, fired);
        if (reason) return { fired, reason };
        this.fireNext();
      }
    } finally {
      this.advancing = false;
    }
  }

  private async runAsync({ until = Infinity, maxTimers = Infinity, settle = this.settle }: AsyncRunOptions): Promise<RunResult> {
    this.enter();
    try {
      for (let fired = 0; ; fired++) {
        // Settle before choosing: the caller's or the last timer's work may set an earlier timer.
        await settle();
        const reason = this.stopReason(until, maxTimers, fired);
        if (reason) return { fired, reason };
        this.fireNext();
      }
    } finally {
      this.advancing = false;
    }
  }

  private checkForward(t: number): void {
    if (!(t >= this.time)) throw new RangeError(`VirtualClock: cannot move from ${this.time} to ${t}`);
  }

  private enter(): void {
    // Advancing from inside a callback would fire later timers within an earlier one.
    if (this.advancing) throw new Error('VirtualClock: already advancing (called from a timer callback or a concurrent run)');
    this.advancing = true;
  }

  private stopReason(until: number, maxTimers: number, fired: number): RunResult['reason'] | null {
    const next = this.queue.peek();
    if (next && next.dueAt <= until) return fired >= maxTimers ? 'maxTimers' : null;
    if (until !== Infinity) this.time = Math.max(this.time, until);
    return next ? 'until' : 'idle';
  }

  private fireNext(): void {
    const timer = this.queue.pop()!;
    this.live.delete(timer.seq);
    this.time = timer.dueAt;
    timer.fn();
  }
}
