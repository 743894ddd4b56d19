import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { openStore, StoreError } from '../store/index.js';
import { parseTarget } from '../store/postgres/connection.js';
import { Follower } from '../store/postgres/follower.js';
import { channelOf } from '../store/postgres/postgresAdapter.js';
import { watchCommand } from '../watcher/watchCommand.js';
import { holdFirstSeq, notifyAudit, pgSchema, sql, withPgStores } from './helpers/pgSchema.js';
import { audit, until } from './helpers/storeContract.js';
import { awaitEvent } from './helpers/serverEvents.js';

const CHILD = fileURLToPath(new URL('./helpers/pgWriterChild.ts', import.meta.url));

/** A writer in another process; `write(id)` resolves once its commit is in the database. */
function writerProcess(url: string): { ready: Promise<void>; write(id: string): Promise<void>; stop(): Promise<void>; child: ChildProcessWithoutNullStreams } {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, url], { stdio: ['pipe', 'pipe', 'pipe'] });
  const waiting = new Map<string, () => void>();
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => void (stderr += d));
  // Whatever is awaited fails with the child's stderr if it dies first.
  const died = new Promise<never>((_, reject) => child.once('exit', (code) => reject(new Error(`writer exited ${code}: ${stderr}`))));
  died.catch(() => undefined);
  const answer = (line: string) => Promise.race([new Promise<void>((resolve) => waiting.set(line, resolve)), died]);
  const ready = answer('ready');
  createInterface({ input: child.stdout }).on('line', (line) => waiting.get(line)?.());
  return {
    ready,
    child,
    write: (id) => {
      const done = answer(id);
      child.stdin.write(`${id}\n`);
      return done;
    },
    stop: () => new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.stdin.end();
    }),
  };
}

const Follow = suite('PostgreSQL followers: other processes\' commits, live');

Follow('the watcher over PostgreSQL shows another process\'s commits as they land, its audit viewer paged by the database', () => withPgStores('follow', async ({ schema, later }) => {
  const writer = writerProcess(schema.url);
  later(() => writer.stop());
  await writer.ready;
  await writer.write('first');
  const handle = await watchCommand({ db: schema.url, port: 0, print: () => {} });
  later(() => handle.close());
  const base = `http://127.0.0.1:${handle.port}/app/watcher`;
  const listed = async () => ((await (await fetch(`${base}/api/incidents`)).json()) as { rows: Array<{ id: string }> }).rows.map((r) => r.id).sort();
  assert.equal(await listed(), ['inc_first']);

  const arrived = awaitEvent(`${base}/events`, '"id":"aud_second"');
  await new Promise((r) => setTimeout(r, 100));
  await writer.write('second');
  await arrived;
  assert.equal(await listed(), ['inc_first', 'inc_second']);
  const page = (await (await fetch(`${base}/api/audit?level=error&order=desc&limit=1`)).json()) as { total: number; rows: Array<{ id: string }> };
  assert.equal({ total: page.total, ids: page.rows.map((r) => r.id) }, { total: 2, ids: ['aud_second'] });
}));

Follow('a follower reads audit rows that commit out of seq order (engine processes writing at once)', () => withPgStores('follow', async ({ schema, open, writers }) => {
  const [slow, fast] = await writers();
  const follower = await open({ readonly: true });
  // `slow` takes seq 1 and commits last; `fast` takes seq 2 and commits first.
  await fast.query('BEGIN');
  await holdFirstSeq(slow, fast);
  await notifyAudit(fast, schema.name);
  await fast.query('COMMIT');
  const first = await until(async () => ((await follower.refresh()).audit.length ? follower.auditCount() : null));
  assert.is(first, 1);
  await notifyAudit(slow, schema.name);
  await slow.query('COMMIT');
  const later = await until(async () => ((await follower.refresh()).audit.length ? follower.queryAudit().rows.map((r) => r.id) : null));
  assert.equal(later, ['aud_2', 'aud_1']);
  assert.is(follower.auditCount(), 2);
}));

Follow.run();

const Named = suite('PostgreSQL followers: the rows named since the last refresh, bounded');

Named('past its bound the follower stops naming rows and says to read everything (an engine process never refreshes)', async () => {
  const schema = pgSchema('follownamed');
  const target = parseTarget(schema.url);
  const follower = await Follower.start(target, channelOf(target), 3);
  try {
    const announce = (ids: string[]) => sql(`SELECT ${ids.map((_, i) => `pg_notify($1, $${i + 2})`).join(', ')}`, [channelOf(target), ...ids.map((id) => JSON.stringify({ rows: [['jobs', id]], meta: false, audit: 0 }))]);
    // Three rows (one of them named twice): still named.
    await announce(['job_1', 'job_2', 'job_1', 'job_3']);
    await until(async () => (follower.idle ? null : true));
    await new Promise((resolve) => setTimeout(resolve, 100));
    const named = follower.take();
    assert.ok(named !== 'all');
    assert.equal([...named.rows.get('jobs')!].sort(), ['job_1', 'job_2', 'job_3']);
    // A fourth row since the last take: everything.
    await announce(['job_4', 'job_5', 'job_6', 'job_7']);
    await until(async () => (follower.idle ? null : true));
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.is(follower.take(), 'all');
  } finally {
    await follower.close();
    await schema.drop();
  }
});

Named.run();

const Writer = suite('PostgreSQL: one writer per schema');

Writer('a second writer is refused (locked), saying whether this process or another holds the schema; after close it opens', async () => {
  const schema = pgSchema('onewriter');
  const writer = writerProcess(schema.url);
  const refusal = async (): Promise<StoreError> => {
    const error = await openStore(schema.url).then(async (s) => { await s.close(); return null; }, (e: unknown) => e);
    assert.instance(error, StoreError);
    assert.is((error as StoreError).code, 'locked');
    return error as StoreError;
  };
  let own: Awaited<ReturnType<typeof openStore>> | null = null;
  try {
    await writer.ready;
    assert.match((await refusal()).message, /is in use by another writing process \(it holds the schema's advisory lock\); open it read-only/);
    await writer.stop();
    own = await openStore(schema.url);
    assert.match((await refusal()).message, `${schema.name} is in use by a store this process opened for writing (close it first); open it read-only`);
    await own.close();
    own = null;
    await (await openStore(schema.url)).close();
  } finally {
    await own?.close();
    await writer.stop();
    await schema.drop();
  }
});

Writer.run();
