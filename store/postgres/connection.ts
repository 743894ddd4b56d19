import { createHash } from 'node:crypto';
import pg from 'pg';
import { StoreError } from '../types.js';
import { redact, schemaProblem } from './pgUrl.js';

/** Where a PostgreSQL store lives: the server URL (password hidden for messages) and the schema. */
export interface PgTarget {
  /** The URL given to node-postgres, without our `schema` parameter. */
  connectionString: string;
  /** The URL as shown in messages: `postgres://user:***@host:port/db?schema=s`. */
  shown: string;
  /** The schema holding the store's tables (`?schema=`, default `incident_flow`). */
  schema: string;
}

export const DEFAULT_SCHEMA = 'incident_flow';

/**
 * Reads a store URL. `?schema=NAME` picks the schema (lower-case letters, digits, `_`; a bad
 * one is a TypeError, see schemaProblem); every other parameter goes to node-postgres as it is.
 * @example parseTarget('postgres://postgres@127.0.0.1/test?schema=run_1').schema // 'run_1'
 */
export function parseTarget(location: string, schema?: string): PgTarget {
  let url: URL;
  try {
    url = new URL(location);
  } catch {
    throw new StoreError(`${redact(location)}: expected a URL like postgres://user@host:5432/database?schema=name`, 'connect', null);
  }
  const chosen = schema ?? url.searchParams.get('schema') ?? DEFAULT_SCHEMA;
  url.searchParams.delete('schema');
  const withSchema = new URL(url.href);
  withSchema.searchParams.set('schema', chosen);
  const shown = redact(withSchema.href);
  // The caller's mistake, not the server's: refused as openStore refuses a bad option (openArguments.ts).
  const problem = schemaProblem(chosen);
  if (problem) throw new TypeError(`incident-flow store: ${shown}: ${schema === undefined ? '?schema=' : 'options.schema'}: ${problem}`);
  return { connectionString: url.href, shown, schema: chosen };
}

/** pg-boss takes a schema name of at most 50 characters, and a cluster's is the store's with `_boss` added. */
const BOSS_SCHEMA_MAX = 50;

/**
 * Why cluster engines cannot keep their queue beside this store, or null: the store takes a
 * schema of up to 63 characters, but pg-boss's schema, `<schema>_boss`, at most 50, so a longer
 * one would fail with pg-boss's assertion once an engine starts ("Name cannot exceed 50 characters").
 * @example bossSchemaProblem({ schema: 'a'.repeat(46), … }) // 'schema "aaa…" has 46 characters; …'
 */
export function bossSchemaProblem(target: PgTarget): string | null {
  const boss = `${target.schema}_boss`;
  if (boss.length <= BOSS_SCHEMA_MAX) return null;
  return `schema "${target.schema}" has ${target.schema.length} characters; a cluster engine keeps its queue in the schema ${boss}, which pg-boss takes up to ${BOSS_SCHEMA_MAX}: give the store a ?schema= of at most ${BOSS_SCHEMA_MAX - '_boss'.length} characters`;
}

// int8 (row seq, deadlines' due_at) as numbers: our values stay below 2^53.
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === 20 ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
};

/**
 * A pool of connections whose `search_path` is the store's schema (then `public`, where
 * extensions live). A connection the server drops (a restart) fails the next statement on
 * it rather than ending the process: node-postgres emits 'error' on the client, and the
 * pool listens only while the client is idle, so each client gets a listener of its own for
 * the time it is checked out (between two statements of a transaction, say). With
 * `pipeline`, a statement is sent as soon as it is asked for, before the answer to the one
 * before it (node-postgres's pipeline mode): two asked for at once cost one round trip.
 */
export function createPool(target: PgTarget, max = 4, pipeline = false): pg.Pool {
  const pool = new pg.Pool({
    connectionString: target.connectionString,
    max,
    pipeline,
    types,
    options: `-c search_path=${target.schema},public -c TimeZone=UTC`,
    connectionTimeoutMillis: 10_000,
    application_name: 'incident-flow',
  });
  pool.on('error', () => undefined);
  pool.on('connect', (client) => client.on('error', () => undefined));
  return pool;
}

const names = new Map<string, string>();

/**
 * A statement the server parses and plans once per connection, then only binds and runs:
 * named after its text (the same text, the same name, on every connection). About a third
 * of the server's CPU per cluster step went to parsing and planning the same few dozen
 * statements again. For texts the code writes (a bounded set), with one statement each.
 * @example await client.query(prepared('SELECT id FROM jobs WHERE id = $1', [id]));
 */
export function prepared(text: string, values: unknown[]): pg.QueryConfig {
  let name = names.get(text);
  if (name === undefined) {
    name = `if_${createHash('sha1').update(text).digest('hex')}`;
    names.set(text, name);
  }
  return { name, text, values };
}

/** A single connection with the same settings (LISTEN needs one of its own). */
export function createClient(target: PgTarget): pg.Client {
  const client = new pg.Client({ connectionString: target.connectionString, types, options: `-c search_path=${target.schema},public -c TimeZone=UTC`, application_name: 'incident-flow' });
  client.on('error', () => undefined);
  return client;
}

/**
 * A failure to reach or use the server, as one line naming the store: the server's own
 * words, plus the usual cause for the common codes.
 */
export function pgError(target: PgTarget, step: string, error: unknown): StoreError {
  if (error instanceof StoreError) return error;
  const code = error && typeof error === 'object' && 'code' in error ? String((error as { code: unknown }).code) : '';
  const reason = (error instanceof Error ? error.message : String(error)) || code;
  const hint = HINTS[code] ?? '';
  return new StoreError(`${target.shown}: could not ${step}: ${reason}${hint}`, 'connect', target.shown);
}

const HINTS: Record<string, string> = {
  ECONNREFUSED: ' (is PostgreSQL running there? `pg_isready -h HOST` tells)',
  ENOTFOUND: ' (unknown host)',
  '28P01': ' (wrong password for this user)',
  '28000': ' (check the user name, and pg_hba.conf on the server)',
  '3D000': ' (create the database first: createdb NAME)',
  // LISTEN on a hot standby, or a write there or under default_transaction_read_only.
  '25006': ' (this server takes no writes nor LISTEN: a hot-standby replica, or default_transaction_read_only is on; a writer and `watch` need the primary, `report` and `review` read a replica)',
};
