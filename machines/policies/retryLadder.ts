/**
 * Spec, Step 2 "Auto-Retry Logic": attempt 1 at once, attempt 2 5 s after attempt 1
 * fails, attempt 3 25 s after attempt 2 fails. Success on any attempt auto-resolves.
 */
export const RETRY_DELAYS_MS: readonly number[] = [0, 5_000, 25_000];

/**
 * The attempt after `attemptsMade` failed ones, or null when the ladder is exhausted.
 * @example nextRetry(1) // { attempt: 2, delayMs: 5000 }
 */
export function nextRetry(
  attemptsMade: number,
  delays: readonly number[] = RETRY_DELAYS_MS,
): { attempt: number; delayMs: number } | null {
  if (attemptsMade >= delays.length) return null;
  return { attempt: attemptsMade + 1, delayMs: delays[attemptsMade] };
}

/**
 * The worker's retryable assessment: errors that say so (`retryable: false`) or that
 * are programming or validation errors are not worth retrying.
 */
export function isRetryable(error: unknown): boolean {
  if (error && typeof error === 'object' && 'retryable' in error) {
    return (error as { retryable: unknown }).retryable !== false;
  }
  if (error instanceof TypeError || error instanceof RangeError || error instanceof SyntaxError) return false;
  return true;
}
