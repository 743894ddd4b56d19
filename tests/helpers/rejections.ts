import type { Test } from 'uvu';

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
