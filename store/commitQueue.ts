/**
 * Runs commits one at a time (two commits must never write the same files at once) and
 * coalesces requests: everyone asking while a commit is queued but not started shares it,
 * since it will carry every mutation made before it starts.
 * @example const queue = createCommitQueue(() => low.write()); await queue.request();
 */
export function createCommitQueue(run: () => Promise<void>) {
  let tail: Promise<void> = Promise.resolve();
  let queued: Promise<void> | null = null;
  return {
    /** Resolves when a commit that started after this call has finished. */
    request(): Promise<void> {
      if (queued) return queued;
      const next = tail.then(() => {
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
