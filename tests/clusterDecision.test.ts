import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createTestDatabase } from './helpers/pgDatabase.js';
import { eventually, startEngineProcess, type EngineProcess } from './helpers/clusterProcs.js';

const test = suite('cluster: two processes answer one decision');

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let procs: EngineProcess[] = [];

test.before(async () => {
  db = await createTestDatabase('h10b_cluster_decision');
});
test.after(async () => {
  await Promise.all(procs.map((p) => p.stop()));
  await db.drop();
});

test('answering at the same moment: one wins, the other gets EngineError, one incident.decision entry', async () => {
  procs = await Promise.all([startEngineProcess(db.url, 'one'), startEngineProcess(db.url, 'two')]);
  // A P0 whose recovery needs a rollback: it climbs to Atlas, who asks for a go/no-go.
  procs[0].send({ cmd: 'submit', jobs: [{ id: 'job_p0', agent: 'db-agent', workflow: 'orders', message: 'database down', impact: { kind: 'platform-down', decision: 'rollback' } }] });
  const decision = await eventually(async () => (await db.admin(`SELECT id FROM decisions WHERE status = 'pending'`)).rows[0]?.id as string | undefined, 60_000, 'a pending decision');
  procs[0].send({ cmd: 'decide', id: decision, answer: 'approve' });
  procs[1].send({ cmd: 'decide', id: decision, answer: 'deny' });
  const answers = await Promise.all(procs.map((p) => p.waitFor((m) => m.ev === 'decided' && m.id === decision)));
  const winners = answers.filter((a) => a.ok);
  assert.is(winners.length, 1, JSON.stringify(answers));
  const loser = answers.find((a) => !a.ok)!;
  // Named by whom: process one approves, process two denies.
  assert.match(String(loser.error), /^EngineError: incident-flow: decision "dec_[\w-]+" is already (approved by one|denied by two)$/);
  const entries = (await db.admin(`SELECT actor, meta FROM audit_log WHERE action = 'incident.decision'`)).rows;
  assert.is(entries.length, 1);
  assert.is(entries[0].meta.by, winners[0].name);
  const row = (await db.admin('SELECT status, answered_by FROM decisions WHERE id = $1', [decision])).rows[0];
  assert.equal(row, { status: winners[0].name === 'one' ? 'approved' : 'denied', answered_by: winners[0].name });
  // And the incident moves on to its close from there (the fix is applied, the review published).
  await eventually(async () => ((await db.admin(`SELECT status FROM incidents`)).rows[0]?.status === 'closed' ? true : undefined), 60_000, 'the incident closed');
});

test.run();
