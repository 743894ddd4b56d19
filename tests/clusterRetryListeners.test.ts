/**
 * What a cluster engine's `connection` listeners hear while a statement is tried again:
 * `lost` then `restored` when the connection went away, nothing for a conflict a sound
 * connection answered (a deadlock, a serialization failure). pg-boss's statements go
 * through `retryingQuery`, steps through `transaction`; a fake pool fails as the server would.
 */
import type pg from 'pg';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { retryingQuery, transaction } from '../agents/cluster/transactions.js';

/** A server error as node-postgres reports it. */
const serverError = (message: string, code: string) => Object.assign(new Error(message), { code });

/** A pool whose statements throw the given errors in turn, then answer; every statement sent is kept. */
function failingPool(failures: Error[]): { pool: pg.Pool; sent: string[] } {
  const sent: string[] = [];
  const query = async (q: string | pg.QueryConfig) => {
    const text = typeof q === 'string' ? q : q.text;
    sent.push(text);
    const failure = text === 'BEGIN' || text === 'COMMIT' || text === 'ROLLBACK' ? undefined : failures.shift();
    if (failure) throw failure;
    return { rows: [{ ok: 1 }], rowCount: 1 } as unknown as pg.QueryResult;
  };
  const client = { query, release: () => undefined } as unknown as pg.PoolClient;
  return { pool: { query, connect: async () => client } as unknown as pg.Pool, sent };
}

const CASES = [
  { what: 'a deadlock', error: () => serverError('deadlock detected', '40P01'), heard: [] },
  { what: 'a serialization failure', error: () => serverError('could not serialize access', '40001'), heard: [] },
  { what: 'a dropped connection', error: () => new Error('Connection terminated unexpectedly'), heard: ['lost: Connection terminated unexpectedly', 'restored'] },
  { what: 'the server shutting down', error: () => serverError('terminating connection due to administrator command', '57P01'), heard: ['lost: terminating connection due to administrator command', 'restored'] },
];

const Retry = suite('connection listeners while a statement is tried again');

for (const { what, error, heard } of CASES) {
  Retry(`retryingQuery (pg-boss's statements): ${what} is tried again; listeners hear ${heard.length ? 'lost, then restored' : 'nothing'}`, async () => {
    const { pool, sent } = failingPool([error()]);
    const told: string[] = [];
    const result = await retryingQuery(pool, 'SELECT create_queue($1)', ['q'], { onConnection: (status, e) => told.push(e ? `${status}: ${e}` : status) });
    assert.equal(result.rows, [{ ok: 1 }]);
    assert.is(sent.length, 2, 'sent once more after the failure');
    assert.equal(told, heard);
  });

  Retry(`transaction (a step): ${what} is tried again; listeners hear ${heard.length ? 'lost, then restored' : 'nothing'}`, async () => {
    const { pool } = failingPool([error()]);
    const told: string[] = [];
    let runs = 0;
    const result = await transaction(pool, async (client) => {
      runs++;
      return (await client.query('SELECT 1')).rows;
    }, { onConnection: (status, e) => told.push(e ? `${status}: ${e}` : status) });
    assert.equal(result, [{ ok: 1 }]);
    assert.is(runs, 2);
    assert.equal(told, heard);
  });
}

Retry('an error not worth another try is thrown at once, and listeners hear nothing', async () => {
  const { pool, sent } = failingPool([serverError('relation "x" does not exist', '42P01')]);
  const told: string[] = [];
  try {
    await retryingQuery(pool, 'SELECT * FROM x', undefined, { onConnection: (status) => told.push(status) });
    assert.unreachable('the query should have thrown');
  } catch (error) {
    assert.is((error as { code?: string }).code, '42P01');
  }
  assert.is(sent.length, 1);
  assert.equal(told, []);
});

Retry.run();
