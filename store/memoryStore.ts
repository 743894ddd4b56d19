import { Low, Memory } from 'lowdb';
import { createStore } from './createStore.js';
import { emptyStoreData } from './storeFiles.js';
import type { Store, StoreData } from './types.js';

/**
 * A store that lives in memory (lowdb's Memory adapter), for tests and rehearsals. Same
 * core as the file store: bursts are committed (to memory) and listeners are told after
 * each commit; `autoCommit: false` commits only on `flush()`; `readonly: true` an empty store
 * nothing may write (what `watch` shows before the store it waits for exists).
 * @example const store = createMemoryStore(); store.appendAudit(entry); await store.flush();
 */
export function createMemoryStore(opts: { autoCommit?: boolean; readonly?: boolean } = {}): Store {
  const low = new Low<StoreData>(new Memory<StoreData>(), emptyStoreData());
  return createStore(low, { path: null, autoCommit: opts.autoCommit ?? true, readonly: opts.readonly ?? false });
}
