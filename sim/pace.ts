import type { IncidentEngine } from '../agents/types.js';

/** Node's setTimeout holds at most 2^31 − 1 ms; a slow pace over a long gap waits in pieces. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Virtual time that follows the wall clock at `speed` virtual ms per real ms, for a rehearsal
 * a person watches (`run --watch --speed X`). Every wait, a decision window included, lasts its
 * virtual length divided by the speed; a run that falls behind (a burst of work) catches up.
 */
export interface Pacer {
  readonly speed: number;
  /** Where virtual time stands on the wall clock; frozen once `stop()` was called, where it said. */
  now(): number;
  /**
   * Resolves when the wall clock reaches virtual time `next` (at once when it is already past),
   * or earlier when `wake()` is called: then true, and the caller looks again at what is due.
   */
  wait(next: number): Promise<boolean>;
  /** Something happened outside the clock (a person answered): the current wait ends now. */
  wake(): void;
  /** The run is over: `now()` stays where it is, or at `at` (the run's last virtual instant). */
  stop(at?: number): void;
  /** False once stopped. */
  running(): boolean;
}

/**
 * @example
 * const pacer = createPacer(scenario.startMs, 60);           // one virtual minute per second
 * await runScenario(scenario, { pace: pacer, onEngine: (engine) => serve(engine) });
 */
export function createPacer(startMs: number, speed: number, wall: () => number = Date.now): Pacer {
  if (!(speed > 0)) throw new RangeError(`createPacer: speed must be positive, got ${speed}`);
  // Virtual time starts with the run (the first wait or read), not when the pacer is made:
  // opening the store and starting the watcher take no virtual time.
  let realStart: number | null = null;
  const anchor = () => (realStart ??= wall());
  let stoppedAt: number | null = null;
  let wakeUp: (() => void) | null = null;
  const now = () => stoppedAt ?? startMs + (wall() - anchor()) * speed;
  return {
    speed,
    now,
    async wait(next) {
      let woken = false;
      for (;;) {
        const left = anchor() + (next - startMs) / speed - wall();
        if (left <= 0 || woken) return woken;
        await new Promise<void>((resolve) => {
          const timer = setTimeout(done, Math.min(left, MAX_TIMER_MS));
          function done() {
            clearTimeout(timer);
            wakeUp = null;
            resolve();
          }
          wakeUp = () => {
            woken = true;
            done();
          };
        });
      }
    },
    wake: () => wakeUp?.(),
    stop(at) {
      stoppedAt ??= at ?? now();
    },
    running: () => stoppedAt === null,
  };
}

/**
 * The engine a person drives during a paced run: before an answer or a resolution, virtual
 * time is brought to the wall clock's (`catchUp`), so the audit stamps the moment the person
 * acted, not the last event's; afterwards the pacer wakes to run what the answer set in motion.
 */
export function pacedEngine(engine: IncidentEngine, catchUp: () => void, pacer: Pick<Pacer, 'wake'>): IncidentEngine {
  return {
    ...engine,
    decide(decisionId, answer, by) {
      catchUp();
      engine.decide(decisionId, answer, by);
      pacer.wake();
    },
    resolve(incidentId, opts) {
      catchUp();
      engine.resolve(incidentId, opts);
      pacer.wake();
    },
  };
}
