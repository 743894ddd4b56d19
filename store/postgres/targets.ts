import type { Store } from '../types.js';
import type { PgTarget } from './connection.js';

const TARGETS = new WeakMap<Store, PgTarget>();

/** Called by `openPostgresStore`: where the store it returns lives. */
export function rememberTarget(store: Store, target: PgTarget): void {
  TARGETS.set(store, target);
}

/**
 * Where a store opened by `openPostgresStore` lives (the cluster engine opens its own
 * connections there); undefined for other stores. Loads no database driver.
 */
export function postgresTargetOf(store: Store | undefined): PgTarget | undefined {
  return store ? TARGETS.get(store) : undefined;
}
