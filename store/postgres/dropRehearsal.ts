import { createClient, parseTarget, pgError } from './connection.js';
import { refuseNewer } from './migrate.js';

/** What `dropRehearsal` found in the schema. */
export type DropOutcome = 'empty' | 'dropped' | 'foreign' | 'in-use';

/**
 * Clears a rehearsal's schema so that a rerun starts afresh, the way a rerun replaces its
 * store file. A rehearsal owns its schema: it is dropped whole (the next open migrates it
 * anew), and only when its store's meta says a rehearsal wrote it (`scenario`) and no
 * writer holds the schema's lock. A schema with other tables and no store is `foreign`.
 * Returns what it found; nothing is written unless it is `dropped`.
 * @example await dropRehearsal('postgres://postgres@127.0.0.1/test?schema=rehearsal_p0') // 'dropped'
 */
export async function dropRehearsal(url: string): Promise<DropOutcome> {
  const target = parseTarget(url);
  const client = createClient(target);
  try {
    await client.connect();
    await client.query('BEGIN');
    const has = await client.query<{ found: string | null }>('SELECT to_regclass($1) AS found', [`${target.schema}.schema_migrations`]);
    if (!has.rows[0]?.found) {
      const other = await client.query('SELECT 1 FROM pg_tables WHERE schemaname = $1 LIMIT 1', [target.schema]);
      await client.query('ROLLBACK');
      return other.rowCount ? 'foreign' : 'empty';
    }
    const locked = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_xact_lock(hashtext($1)) AS ok', [`incident-flow:writer:${target.schema}`]);
    if (!locked.rows[0]?.ok) {
      await client.query('ROLLBACK');
      return 'in-use';
    }
    // Data a newer incident-flow wrote is not ours to drop.
    await refuseNewer(client, target);
    const meta = await client.query(`SELECT 1 FROM ${target.schema}.meta WHERE key = 'scenario'`).catch(() => ({ rowCount: 0 }));
    if (!meta.rowCount) {
      await client.query('ROLLBACK');
      return 'foreign';
    }
    await client.query(`DROP SCHEMA ${target.schema} CASCADE`);
    await client.query('COMMIT');
    return 'dropped';
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw pgError(target, 'replace the rehearsal\'s data', error);
  } finally {
    await client.end().catch(() => undefined);
  }
}
