import type pg from 'pg';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Store } from '../store/types.js';
import { AuditGaps, MAX_GAPS } from '../store/postgres/auditGaps.js';
import { createPool, parseTarget, type PgTarget } from '../store/postgres/connection.js';
import { Follower } from '../store/postgres/follower.js';
import { channelOf, PostgresAdapter } from '../store/postgres/postgresAdapter.js';
import { appendAuditRows } from '../store/postgres/writeRows.js';
import { holdFirstSeq, notifyAudit, withPgStores } from './helpers/pgSchema.js';
import { audit, until } from './helpers/storeContract.js';

const Gaps = suite('AuditGaps: skipped audit numbers, let go by the snapshots, never by a clock');

Gaps('a gap noted waits for its read\'s id, and goes only once a snapshot\'s xmin reaches that id', () => {
  const gaps = new AuditGaps();
  gaps.note(0, 3);
  assert.equal(gaps.list(), [1, 2]);
  assert.ok(gaps.unbound);
  // Not bound yet: no xmin lets it go (its read has not taken its id).
  gaps.settle(1_000_000n);
  assert.equal(gaps.list(), [1, 2]);
  gaps.bind(900n);
  assert.not.ok(gaps.unbound);
  gaps.settle(899n);
  assert.equal(gaps.list(), [1, 2]);
  assert.ok(gaps.filled(2));
  assert.not.ok(gaps.filled(2));
  gaps.settle(900n);
  assert.equal(gaps.list(), []);
});

Gaps(`holds at most ${MAX_GAPS} gaps, letting the lowest numbers held go (rollbacks piling up under a held xmin)`, () => {
  const gaps = new AuditGaps();
  // Two gaps low down: one filled (its row read), one held (a long transaction).
  gaps.note(0, 3);
  assert.ok(gaps.filled(1));
  // Rollbacks one number apart above, none ever let go by a snapshot.
  for (let seq = 10; seq <= 10 + 2 * MAX_GAPS; seq += 2) gaps.note(seq - 2, seq);
  assert.is(gaps.size, MAX_GAPS);
  const held = gaps.list();
  // The lowest went (2, then 9, 11, …): only the newest MAX_GAPS stay, in the order noted.
  assert.equal([held[0], held.at(-1)], [9 + 2 * MAX_GAPS - 2 * (MAX_GAPS - 1), 9 + 2 * MAX_GAPS]);
  assert.equal(held, [...held].sort((a, b) => a - b));
  // One more note lets one more go: the cap holds as notes go on.
  gaps.note(10 + 2 * MAX_GAPS, 12 + 2 * MAX_GAPS);
  assert.equal([gaps.size, gaps.list()[0]], [MAX_GAPS, held[1]]);
  // A run of holes below one row: its last MAX_GAPS numbers.
  const run = new AuditGaps();
  run.note(0, 5 * MAX_GAPS);
  assert.equal([run.size, run.list()[0], run.list().at(-1)], [MAX_GAPS, 4 * MAX_GAPS, 5 * MAX_GAPS - 1]);
  // Gaps under the cap are all kept, whatever their age.
  const under = new AuditGaps();
  for (let seq = 2; seq <= 2 * (MAX_GAPS - 1); seq += 2) under.note(seq - 2, seq);
  assert.equal([under.size, under.list()[0]], [MAX_GAPS - 1, 1]);
});

Gaps.run();

const Follow = suite('PostgreSQL followers and audit numbers held by transactions under way');

/** Runs `work` with Date.now() `ms` ahead: the clock a time-based rule would have read. */
async function later<T>(ms: number, work: () => Promise<T>): Promise<T> {
  const now = Date.now;
  Date.now = () => now() + ms;
  try {
    return await work();
  } finally {
    Date.now = now;
  }
}

/** The audit rows the follower's next refresh that brings any brings. */
const arrival = (follower: Store) => until(async () => {
  const change = await follower.refresh();
  return change.audit.length ? change.audit.map((e) => e.id) : null;
});

Follow('a transaction that holds its audit seq past 60 s and then commits is read by both followers (loaded and paged)', () => withPgStores('auditgaps', async ({ schema, open, writers }) => {
  const [slow, fast] = await writers();
  // `slow` takes seq 1 and holds it; `fast` commits seq 2 before the followers open.
  await holdFirstSeq(slow, fast);
  const followers = [await open({ readonly: true }), await open({ readonly: true, pagedAudit: true })];
  for (const follower of followers) assert.is(follower.auditCount(), 1);
  // A minute and more passes (a lock wait, a slow disk) while others commit and the followers read.
  await later(61_000, async () => {
    await appendAuditRows(fast, [audit(3)]);
    await notifyAudit(fast, schema.name);
    for (const follower of followers) assert.equal(await arrival(follower), ['aud_3']);
  });
  await notifyAudit(slow, schema.name);
  await slow.query('COMMIT');
  for (const follower of followers) {
    const which = follower === followers[1] ? 'paged' : 'loaded';
    assert.equal(await arrival(follower), ['aud_1'], which);
    assert.is(follower.auditCount(), 3, which);
  }
  assert.is((await followers[1].pageAudit?.({}))?.total, 3);
}));

/** Runs `run` over a new schema's two writers' clients and the pool and follower an adapter made by hand takes, closed after. */
function withAdapterParts(run: (parts: { clients: [pg.Client, pg.Client]; target: PgTarget; pool: pg.Pool; follower: Follower }) => Promise<void>): Promise<void> {
  return withPgStores('auditgaps', async ({ schema, writers, later }) => {
    const clients = await writers();
    const target = parseTarget(schema.url);
    const pool = createPool(target);
    later(() => pool.end());
    const follower = await Follower.start(target, channelOf(target));
    later(() => follower.close());
    await run({ clients, target, pool, follower });
  });
}

Follow('a rolled-back number stays a gap while its transaction is open, whatever the clock, and goes once the snapshots show it ended', () => withAdapterParts(async ({ clients: [rollback, fast], target, pool, follower }) => {
  const adapter = new PostgresAdapter(target, pool, follower, { pagedAudit: true });
  /** The follower's gaps after a read of everything. */
  const gaps = async () => {
    follower.missed();
    await adapter.read();
    return adapter.counted()?.gaps;
  };
  // `fast` has its transaction id first; `rollback` takes its id and seq 1 after it, then
  // `fast` seq 2 and commits: the holder is younger than every transaction ended when the
  // follower reads (past the reading snapshot's xmax, so that xmax bounds nothing).
  await fast.query('BEGIN');
  await fast.query('SELECT pg_current_xact_id()');
  await rollback.query('BEGIN');
  await appendAuditRows(rollback, [audit(1)]);
  await appendAuditRows(fast, [audit(2)]);
  await fast.query('COMMIT');
  assert.equal(await gaps(), [1]);
  assert.equal(await later(61_000, gaps), [1]);
  assert.equal(await later(3_600_000, gaps), [1]);
  await rollback.query('ROLLBACK');
  // Gone at the first read whose snapshot has every older transaction ended (at once here,
  // unless another session on the server holds its xmin back a moment).
  assert.equal(await until(async () => ((await gaps())?.length === 0 ? [] : null)), []);
  // Numbers given back later are let go the same way: the list does not grow.
  for (let i = 0; i < 3; i++) {
    await rollback.query('BEGIN');
    await appendAuditRows(rollback, [audit(10 + i)]);
    await rollback.query('ROLLBACK');
    await appendAuditRows(fast, [audit(20 + i)]);
  }
  assert.equal(await until(async () => ((await gaps())?.length === 0 ? [] : null)), []);
  assert.is(adapter.counted()?.count, 4);
}));

/**
 * A pool over `pool` whose clients fail the first statement matching `statement` once
 * `arm()` is called (one failure in all), as a connection lost part way through a read would.
 */
function failingOnce(pool: pg.Pool, statement: RegExp): { pool: pg.Pool; arm(): void } {
  let armed = false;
  const connect = async () => {
    const client = await pool.connect();
    const { query, release } = client;
    client.query = ((config: string | { text: string }, ...rest: unknown[]) => {
      const text = typeof config === 'string' ? config : config.text;
      if (armed && statement.test(text)) {
        armed = false;
        return Promise.reject(new Error(`injected failure of ${text.slice(0, 30)}`));
      }
      return (query as (...args: unknown[]) => unknown).call(client, config, ...rest);
    }) as typeof client.query;
    client.release = (error?: Error | boolean) => {
      Object.assign(client, { query, release });
      return release.call(client, error);
    };
    return client;
  };
  return { pool: { connect } as unknown as pg.Pool, arm: () => void (armed = true) };
}

Follow('a read that fails after reading its audit rows (its snapshot query) holds none of them: the next read hands them over (loaded and paged)', () => withAdapterParts(async ({ clients: [slow, fast], target, pool, follower }) => {
  // `slow` holds seq 1: every read has a gap to ask for, and so asks for its snapshot.
  await holdFirstSeq(slow, fast);
  for (const pagedAudit of [false, true]) {
    const flaky = failingOnce(pool, /pg_current_snapshot/);
    const adapter = new PostgresAdapter(target, flaky.pool, follower, { pagedAudit });
    const { audit_log: log } = await adapter.read();
    await appendAuditRows(fast, [audit(pagedAudit ? 4 : 3)]);
    follower.missed();
    flaky.arm();
    await adapter.read().then(() => assert.unreachable('the snapshot query fails'), (error: unknown) => assert.match(String(error), /injected failure/));
    // What the store core does at each refresh: the rows past the count it had.
    const seen = log.length;
    const after = await adapter.read();
    assert.equal(after.audit_log.entries(seen).map((e) => e.id), pagedAudit ? ['aud_4'] : ['aud_3'], pagedAudit ? 'paged' : 'loaded');
    if (pagedAudit) assert.equal(adapter.counted(), { count: 3, lastSeq: 4, gaps: [1] });
  }
}));

Follow.run();
