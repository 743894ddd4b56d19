import { isPostgresUrl, redact } from '../store/postgres/pgUrl.js';
import { UsageError } from './argv.js';

/**
 * Where a rehearsal writes in a PostgreSQL database: the URL's `?schema=` when given,
 * else a schema of its own named after the scenario file (`rehearsal_p0_database_down`),
 * so rehearsals sharing a database never mix. A store file path is returned as it is.
 * A rehearsal owns its schema (a rerun drops it), so `public` is refused.
 * @example rehearsalDb('postgres://h/db', 'scenarios/p0-database-down.yaml') // 'postgres://h/db?schema=rehearsal_p0_database_down'
 */
export function rehearsalDb(db: string, slug: string): string {
  if (!isPostgresUrl(db)) return db;
  let url: URL;
  try {
    url = new URL(db);
  } catch {
    throw new UsageError(`--db ${redact(db)}: expected a URL like postgres://user@host:5432/database[?schema=name]`);
  }
  if (!url.searchParams.has('schema')) url.searchParams.set('schema', `rehearsal_${slug.toLowerCase().replace(/[^a-z0-9_]+/g, '_')}`.slice(0, 63));
  if (url.searchParams.get('schema') === 'public') {
    throw new UsageError(`--db: a rehearsal writes to a schema of its own, which a rerun replaces; choose ?schema=NAME other than public`);
  }
  return url.href;
}

/**
 * A rerun replaces its own rehearsal's schema and refuses anything else (as with store
 * files): nothing is written when it refuses.
 */
export async function preparePostgresDb(db: string): Promise<void> {
  const { dropRehearsal } = await import('../store/postgres/dropRehearsal.js');
  const outcome = await dropRehearsal(db);
  if (outcome === 'foreign') throw new UsageError(`--db ${redact(db)}: the schema holds data not written by a rehearsal; choose another ?schema=`);
  if (outcome === 'in-use') throw new UsageError(`--db ${redact(db)}: another process is writing this schema; wait for it or choose another ?schema=`);
}
