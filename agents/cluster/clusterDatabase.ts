import { postgresTargetOf } from '../../store/postgres/targets.js';
import type { Store } from '../../store/types.js';

/**
 * Whether `store`'s PostgreSQL schema is run by cluster engines: pg-boss's schema for it is
 * there (the first cluster engine's start makes it) and no single-process writer holds the
 * schema's writer lock (a rehearsal, or an engine over a store opened to write, which keeps
 * its deadlines in the store and answers its own decisions). A process without an engine of
 * its own (the watcher) may then answer decisions through a cluster engine that takes no
 * work (`cluster: { workers: 0 }`). False for any other store. Loads `pg` only for a URL.
 * @example if (await runsAsCluster(store)) engine = createIncidentEngine({ store, cluster: { workers: 0 } });
 */
export async function runsAsCluster(store: Store): Promise<boolean> {
  const target = postgresTargetOf(store);
  if (!target) return false;
  const [{ createClient, pgError }, { writerLockKey }] = await Promise.all([import('../../store/postgres/connection.js'), import('../../store/postgres/postgresStore.js')]);
  const client = createClient(target);
  try {
    await client.connect();
    // The writer lock is looked up, not taken: a writer opening at that moment must not be refused.
    const { rows } = await client.query<{ boss: boolean; held: boolean }>(
      `SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1) AS boss,
              EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND objsubid = 1 AND granted
                        AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
                        AND ((classid::bigint << 32) | objid::bigint) = hashtext($2)::bigint) AS held`,
      [`${target.schema}_boss`, writerLockKey(target)],
    );
    return rows[0].boss && !rows[0].held;
  } catch (error) {
    throw pgError(target, 'look for the cluster', error);
  } finally {
    await client.end().catch(() => undefined);
  }
}
