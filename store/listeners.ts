import type { StoreChange } from './types.js';

/**
 * The subscribers of a store. Empty changes are not delivered. A listener that throws
 * does not stop the others nor undo the commit; its error is rethrown on its own (as an
 * uncaught exception) because a failing listener is a bug to surface, not to swallow.
 * @example const listeners = createListeners(); const stop = listeners.subscribe(fn); listeners.notify(change);
 */
export function createListeners() {
  const listeners = new Set<(change: StoreChange) => void>();
  return {
    subscribe(listener: (change: StoreChange) => void): () => void {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
    get size(): number {
      return listeners.size;
    },
    notify(change: StoreChange): void {
      if (change.audit.length === 0 && change.rows.length === 0) return;
      for (const listener of [...listeners]) {
        try {
          listener(change);
        } catch (error) {
          queueMicrotask(() => {
            throw error;
          });
        }
      }
    },
  };
}
