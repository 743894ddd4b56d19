/**
 * `incident-flow watch --db postgres://…` over a database cluster engines run: the page answers
 * Atlas's decisions through a cluster engine of the watcher's process that takes no work, and
 * the cluster carries the incident on from there. Over a database a single writer runs, the
 * watcher stays read-only (that writer answers its own decisions).
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { openStore } from '../store/index.js';
import { watchCommand } from '../watcher/watchCommand.js';
import { eventually, startEngineProcess, type EngineProcess } from './helpers/clusterProcs.js';
import { createTestDatabase } from './helpers/pgDatabase.js';

const test = suite('watch over a cluster: decisions answered from the page');

let db: Awaited<ReturnType<typeof createTestDatabase>> | undefined;
let proc: EngineProcess | undefined;

test.after(async () => {
  await proc?.stop();
  await db?.drop();
});

const answer = (port: number, token: string, id: string, by: string) =>
  fetch(`http://127.0.0.1:${port}/app/watcher/api/decisions/${id}`, {
    method: 'POST', headers: { 'Content-Type': 'application/json', 'X-Watcher-Token': token }, body: JSON.stringify({ answer: 'approve', by }),
  }).then(async (res) => ({ status: res.status, body: (await res.json()) as { ok?: boolean; error?: string } }));

test('Approve in the watcher is applied by the cluster once; a second answer is refused', async () => {
  db = await createTestDatabase('watcher_cluster');
  proc = await startEngineProcess(db.url, 'engine');
  // A P0 whose recovery needs a rollback: it climbs to Atlas, who asks for a go/no-go.
  proc.send({ cmd: 'submit', jobs: [{ id: 'job_p0', agent: 'db-agent', workflow: 'orders', message: 'database down', impact: { kind: 'platform-down', decision: 'rollback' } }] });
  const decision = await eventually(async () => (await db!.admin(`SELECT id FROM decisions WHERE status = 'pending'`)).rows[0]?.id as string | undefined, 60_000, 'a pending decision');

  const lines: string[] = [];
  const watch = await watchCommand({ db: db.url, port: 0, print: (l) => lines.push(l) });
  try {
    assert.match(lines[0], /^Agent Watcher \(following postgres:\/\/.*; answers decisions through the cluster\): http:\/\/127\.0\.0\.1:\d+\/app\/watcher\?token=/);
    const session = (await (await fetch(`http://127.0.0.1:${watch.port}/app/watcher/api/session`)).json()) as { canDecide: boolean };
    assert.is(session.canDecide, true);
    const first = await answer(watch.port, watch.token, decision, 'Dana');
    assert.equal(first, { status: 200, body: { ok: true, decision: { id: decision, answer: 'approve', by: 'Dana' } } });
    const row = (await db.admin('SELECT status, answered_by FROM decisions WHERE id = $1', [decision])).rows[0];
    assert.equal(row, { status: 'approved', answered_by: 'Dana' });
    const again = await answer(watch.port, watch.token, decision, 'Eve');
    assert.is(again.status, 409, JSON.stringify(again));
    // Refused naming who answered first, in the same words whether the watcher's view still listed
    // it as pending (the cluster's engine refused it, reading the row in its transaction) or not.
    assert.is(again.body.error, `watcher: the engine refused the answer: incident-flow: decision "${decision}" is already approved by Dana`);
    assert.is((await db.admin(`SELECT count(*)::int AS n FROM audit_log WHERE action = 'incident.decision'`)).rows[0].n, 1);
    // The engine process takes the work the answer queued: the fix, the review, the close.
    await eventually(async () => ((await db!.admin(`SELECT status FROM incidents`)).rows[0]?.status === 'closed' ? true : undefined), 60_000, 'the incident closed');
  } finally {
    await watch.close();
  }
});

test('over a database a single writer runs, the watcher stays read-only', async () => {
  // A schema no cluster engine ever ran (no pg-boss schema), and the cluster's own schema while a
  // writing store holds its writer lock.
  for (const url of [db!.url.replace('schema=incident_flow', 'schema=one_writer'), db!.url]) {
    const writer = await openStore(url);
    try {
      const lines: string[] = [];
      const watch = await watchCommand({ db: url, port: 0, print: (l) => lines.push(l) });
      try {
        assert.match(lines[0], /^Agent Watcher \(read-only, following /, url);
        const session = (await (await fetch(`http://127.0.0.1:${watch.port}/app/watcher/api/session`)).json()) as { canDecide: boolean };
        assert.is(session.canDecide, false);
      } finally {
        await watch.close();
      }
    } finally {
      await writer.close();
    }
  }
});

test.run();
