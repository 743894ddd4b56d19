/** The functions of the `Store` interface that every store has (the optional ones aside). */
const STORE_CALLS = ['appendAudit', 'queryAudit', 'auditCount', 'put', 'get', 'list', 'each', 'remove', 'getMeta', 'setMeta', 'subscribe', 'flush', 'refresh', 'close'] as const;

/**
 * What is wrong with `value` given as a `Store`, said as what was expected, or null when it
 * is one: the engine's and the watcher's options check their `store` with it, so a path, or
 * the promise `openStore` returns, is refused where it is given, not met later as
 * "store.subscribe is not a function".
 * @example storeProblem(openStore('run.json')) // 'a Store, not a promise of one: await openStore(…) first'
 */
export function storeProblem(value: unknown): string | null {
  const object = typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : null;
  if (object && typeof object.then === 'function') return 'a Store, not a promise of one: await openStore(…) first';
  const missing = object ? STORE_CALLS.filter((name) => typeof object[name] !== 'function') : STORE_CALLS;
  return missing.length === 0 ? null : `a Store (await openStore(file or URL), createMemoryStore(), or one with ${missing.join(', ')})`;
}
