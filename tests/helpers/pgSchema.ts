import pg from 'pg';
import { openStore, type OpenStoreOptions } from '../../store/index.js';
import type { Store } from '../../store/types.js';
import type { PgTarget } from '../../store/postgres/connection.js';
import { channelOf } from '../../store/postgres/postgresAdapter.js';
import { appendAuditRows } from '../../store/postgres/writeRows.js';
import { audit } from './storeContract.js';

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

/** What `withPgStores` hands a test: its schema and openers whose results it closes afterwards. */
export interface PgStores {
  schema: { name: string; url: string };
  /** A store over the schema (the writer with no options), closed after the test, the last opened first. */
  open(opts?: OpenStoreOptions): Promise<Store>;
  /** `twoWriters` over the schema, ended after the test before any store is closed. */
  writers(): Promise<[pg.Client, pg.Client]>;
  /** Something else to close after the test (a watcher, a pool), in the same last-first order as the stores. */
  later(close: () => Promise<unknown>): void;
}

/**
 * Runs `fn` over a schema of its own (`pgSchema(prefix)`), then ends the clients it took,
 * closes what it opened (the last opened first) and drops the schema, whether `fn` passed or
 * threw. A failing close does not keep the others open: the first such failure is thrown once all ran.
 * @example await withPgStores('paged', async ({ open }) => { const writer = await open(); … });
 */
export async function withPgStores<T>(prefix: string, fn: (stores: PgStores) => Promise<T>): Promise<T> {
  const schema = pgSchema(prefix);
  const clients: pg.Client[] = [];
  const closers: Array<() => Promise<unknown>> = [];
  const later = (close: () => Promise<unknown>) => void closers.push(close);
  const open = async (opts?: OpenStoreOptions) => {
    const store = await openStore(schema.url, opts);
    later(() => store.close());
    return store;
  };
  const writers = async () => {
    const pair = await twoWriters(schema);
    clients.push(...pair);
    return pair;
  };
  let passed = false;
  try {
    const result = await fn({ schema, open, writers, later });
    passed = true;
    return result;
  } finally {
    let failure: { error: unknown } | null = null;
    // The clients first: a transaction one holds open would keep the schema from being dropped.
    for (const close of [...clients.map((client) => () => client.end()), ...closers.reverse(), schema.drop]) {
      await close().catch((error: unknown) => void (failure ??= { error }));
    }
    // A failure of `fn` itself is the news; a close's failure only when `fn` passed.
    if (failure && passed) throw (failure as { error: unknown }).error;
  }
}

/**
 * A transaction under way holding an audit number: `slow` begins and takes seq 1 (`aud_1`),
 * then `fast` commits `committed` (by default `aud_2`, seq 2) after it, leaving a gap at 1
 * until `slow` commits or rolls back.
 */
export async function holdFirstSeq(slow: pg.Client, fast: pg.Client, committed = [audit(2)]): Promise<void> {
  await slow.query('BEGIN');
  await appendAuditRows(slow, [audit(1)]);
  await appendAuditRows(fast, committed);
}

/** Tells the schema's followers, from `client` (within its transaction, so sent at its commit), that an audit row came. */
export function notifyAudit(client: pg.Client, schemaName: string): Promise<pg.QueryResult> {
  return client.query('SELECT pg_notify($1, $2)', [channelOf({ schema: schemaName } as PgTarget), '{"rows":[],"meta":false,"audit":1}']);
}
