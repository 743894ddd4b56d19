import type { Test } from 'uvu';
import * as assert from 'uvu/assert';

/**
 * The unhandled promise rejections seen while `test`'s suite runs (each would end a Node
 * process outside a test): a listener added before the suite, removed after it.
 * @example const rejections = unhandledRejections(test); … assert.equal(rejections.map(String), []);
 */
export function unhandledRejections(test: Test): unknown[] {
  const seen: unknown[] = [];
  const record = (reason: unknown) => void seen.push(reason);
  test.before(() => void process.on('unhandledRejection', record));
  test.after(() => void process.off('unhandledRejection', record));
  return seen;
}

/**
 * Runs `work`, failing if anything is thrown outside it meanwhile, until a few milliseconds
 * after it ends: a write to a closed store in a microtask, an actor's error XState reports
 * on a later turn, a rejection nobody handles.
 * @example await nothingThrownDuring(async () => { await engine.stop(); await store.close(); });
 */
export async function nothingThrownDuring(work: () => Promise<void>): Promise<void> {
  const thrown: unknown[] = [];
  const record = (error: unknown) => void thrown.push(error);
  process.on('uncaughtException', record);
  process.on('unhandledRejection', record);
  try {
    await work();
    await new Promise((resolve) => setTimeout(resolve, 5)); // whatever the work scheduled
  } finally {
    process.off('uncaughtException', record);
    process.off('unhandledRejection', record);
  }
  assert.equal(thrown.map(String), [], 'thrown outside the work');
}
