import pg from 'pg';

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

/** Runs one statement on the test server (setup and tampering in tests). */
export async function sql(text: string, values: unknown[] = []): Promise<pg.QueryResult> {
  const client = new pg.Client({ connectionString: PG_SERVER });
  await client.connect();
  try {
    // A dropped schema's NOTICE is not news.
    await client.query('SET client_min_messages = warning');
    return await client.query(text, values);
  } finally {
    await client.end();
  }
}
