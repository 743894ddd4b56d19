/**
 * Runs commits one at a time (two commits must never write the same files at once) and
 * coalesces requests: everyone asking while a commit is queued but not started shares it,
 * since it will carry every mutation made before it starts.
 *
 * A commit starts at the next turn of the event loop, never in the middle of a chain of
 * promise callbacks: the engine does one step's writes partly at once and partly in a
 * microtask (an incident's record, after its audit rows and deadlines), so a commit taken
 * from a microtask, as `engine.submit(job); await store.flush()` would, could carry half a
 * step, and a crash after it would leave an `incident.detected` row for an incident that
 * was never stored.
 * @example const queue = createCommitQueue(() => low.write()); await queue.request();
 */
export function createCommitQueue(run: () => Promise<void>) {
  let tail: Promise<void> = Promise.resolve();
  let queued: Promise<void> | null = null;
  return {
    /** Resolves when a commit that started after this call has finished. */
    request(): Promise<void> {
      if (queued) return queued;
      const next = tail.then(nextTurn).then(() => {
        queued = null;
        return run();
      });
      queued = next;
      tail = next.catch(() => undefined);
      return next;
    },
    /** Runs `task` in the same line as the commits (refresh must not interleave with them). */
    exclusive<T>(task: () => Promise<T>): Promise<T> {
      const next = tail.then(task);
      tail = next.then(() => undefined, () => undefined);
      return next;
    },
  };
}

/** Resolves in a callback of its own, once the promise callbacks queued before it have all run. */
function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
