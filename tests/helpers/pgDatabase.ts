import pg from 'pg';

/** The test server (PostgreSQL 15 on 127.0.0.1, trust auth); override with INCIDENT_FLOW_TEST_PG. */
export const PG_SERVER = process.env.INCIDENT_FLOW_TEST_PG ?? 'postgres://postgres@127.0.0.1:5432';

/**
 * A database of its own for one test file (`label` names the file; the process id is added); `drop()` removes it,
 * pg-boss's schema with it. The store's schema is created by the first `openStore`.
 * @example const db = await createTestDatabase('h10b_cluster'); … await db.drop();
 */
export async function createTestDatabase(label: string, server = PG_SERVER): Promise<{ name: string; url: string; admin: (sql: string, values?: unknown[]) => Promise<pg.QueryResult>; drop: () => Promise<void> }> {
  // The process id keeps two runs of the same test on one server (two checkouts) apart.
  const name = `${label}_${process.pid}`;
  await onServer(server, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await onServer(server, `CREATE DATABASE ${name}`);
  return {
    name,
    url: `${server}/${name}?schema=incident_flow`,
    admin: async (sql, values) => {
      const client = new pg.Client({ connectionString: `${server}/${name}`, options: '-c search_path=incident_flow' });
      await client.connect();
      try {
        return await client.query(sql, values);
      } finally {
        await client.end();
      }
    },
    drop: () => onServer(server, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).then(() => undefined),
  };
}

async function onServer(server: string, sql: string): Promise<pg.QueryResult> {
  const client = new pg.Client({ connectionString: `${server}/postgres` });
  await client.connect();
  try {
    return await client.query(sql);
  } finally {
    await client.end();
  }
}
