/**
 * The cluster engine's work under way on its pool: queued items being handled, pg-boss's own
 * statements (its completion of an item is not awaited by pg-boss itself), and the calls of
 * the engine's API. `stop()` ends the pool only once all of it has settled: a statement sent
 * on an ended pool rejects, and pg-boss's un-awaited completion would reject unhandled.
 * @example const tracked = inFlight.track(pool.query('SELECT 1')); await inFlight.idle();
 */
export class InFlight {
  private readonly running = new Set<Promise<unknown>>();

  /** Counts `work` as under way until it settles; returns it unchanged. */
  track<T>(work: Promise<T>): Promise<T> {
    this.running.add(work);
    const done = () => this.running.delete(work);
    work.then(done, done);
    return work;
  }

  /**
   * Resolves once nothing is under way, including what the work that settled started on
   * settling (pg-boss completes an item once its handler resolved): each round waits for
   * what is under way, then for the turn of the event loop that follows its callbacks.
   */
  async idle(): Promise<void> {
    for (;;) {
      await new Promise((resolve) => setImmediate(resolve));
      if (this.running.size === 0) return;
      await Promise.allSettled([...this.running]);
    }
  }
}
