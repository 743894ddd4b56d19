import pg from 'pg';
import { openStore } from '../../store/index.js';

/** The server the tests use (PostgreSQL 15, trust auth); INCIDENT_FLOW_TEST_PG overrides it. */
export const PG_SERVER = process.env.INCIDENT_FLOW_TEST_PG ?? 'postgres://postgres@127.0.0.1:5432/test';

let counter = 0;

/**
 * A schema of its own for one test: a name unique to this file, process and call
 * (`prefix_<pid>_<n>`), the store URL pointing at it, and `drop()` to remove it.
 * @example const s = pgSchema('storecontract'); const store = await openStore(s.url); … await s.drop();
 */
export function pgSchema(prefix: string): { name: string; url: string; drop(): Promise<void> } {
  const name = `t_${prefix}_${process.pid}_${++counter}`.toLowerCase();
  return {
    name,
    url: `${PG_SERVER}?schema=${name}`,
    drop: async () => void (await sql(`DROP SCHEMA IF EXISTS ${name} CASCADE`)),
  };
}

/** Runs one statement on the test server's database (setup and tampering in tests). */
export function sql(text: string, values: unknown[] = []): Promise<pg.QueryResult> {
  return sqlIn(PG_SERVER, text, values);
}

/**
 * A database of its own for a test file whose commands pick their schemas themselves
 * (`rehearsal_<name>`): created now, `drop()` removes it (connections and all).
 * @example const db = await pgDatabase('clipg'); await cli('run', file, '--db', db.url); await db.drop();
 */
export async function pgDatabase(prefix: string): Promise<{ name: string; url: string; drop(): Promise<void> }> {
  const name = `t_${prefix}_${process.pid}_${++counter}`.toLowerCase();
  await sql(`CREATE DATABASE ${name}`);
  const url = new URL(PG_SERVER);
  url.pathname = `/${name}`;
  return { name, url: url.href, drop: async () => void (await sql(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)) };
}

/** Runs one statement on another database of the test server. */
export async function sqlIn(url: string, text: string, values: unknown[] = []): Promise<pg.QueryResult> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    // A dropped schema's NOTICE is not news.
    await client.query('SET client_min_messages = warning');
    return await client.query(text, values);
  } finally {
    await client.end();
  }
}

/**
 * Two connections to a new store's schema, for rows written beside the store (a transaction
 * held open while another commits): `slow` and `fast`.
 */
export async function twoWriters(schema: { name: string; url: string }): Promise<[pg.Client, pg.Client]> {
  const setup = await openStore(schema.url);
  await setup.close();
  const url = schema.url.replace(/\?.*/, '');
  const clients: [pg.Client, pg.Client] = [new pg.Client({ connectionString: url }), new pg.Client({ connectionString: url })];
  try {
    for (const client of clients) {
      await client.connect();
      await client.query(`SET search_path = ${schema.name}`);
    }
  } catch (error) {
    for (const client of clients) await client.end().catch(() => undefined);
    throw error;
  }
  return clients;
}
