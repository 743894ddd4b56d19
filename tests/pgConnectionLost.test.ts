import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createPool, parseTarget } from '../store/postgres/connection.js';
import { PG_SERVER, sql } from './helpers/pgSchema.js';

/**
 * A connection the server drops while the code holds it between two statements (a restart,
 * an administrator's `pg_terminate_backend`) must not end the process: node-postgres emits an
 * 'error' event on the checked-out client, and an unheard 'error' event is an uncaught
 * exception. The next statement fails instead, and the pool hands out a fresh connection.
 */
const test = suite('pg connection lost while checked out');

test('the process carries on; the pool gives a working connection afterwards', async () => {
  const uncaught: unknown[] = [];
  const record = (error: unknown) => void uncaught.push(error);
  process.on('uncaughtException', record);
  const pool = createPool(parseTarget(PG_SERVER, 'public'), 2);
  try {
    const client = await pool.connect();
    const pid = (await client.query('SELECT pg_backend_pid() AS pid')).rows[0].pid as number;
    const ended = new Promise<void>((resolve) => client.once('end', () => resolve()));
    await sql('SELECT pg_terminate_backend($1)', [pid]);
    await ended;
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(uncaught.map(String), [], 'no uncaught exception from the dropped connection');
    await client.query('SELECT 1').then(() => assert.unreachable('a dropped connection answered'), (error: Error) => assert.ok(error instanceof Error));
    client.release(true);
    assert.equal((await pool.query('SELECT 41 + 1 AS n')).rows[0].n, 42);
  } finally {
    process.off('uncaughtException', record);
    await pool.end();
  }
});

test.run();
