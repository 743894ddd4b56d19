/**
 * A hot-standby replica of the database a rehearsal or an engine writes: analysts point
 * `report` and `review` at replicas, as they point other read-only tools there. A replica
 * takes no write, no LISTEN and gives no transaction id, so a one-time read (`follow:
 * false`) must ask for none; `watch` and writers, which need them, are refused in one line
 * that says to use the primary (exit 2), not a bare server error.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openStore, StoreError } from '../store/index.js';
import { sqlIn } from './helpers/pgSchema.js';
import { startPrivateReplica } from './helpers/privatePostgres.js';
import { runProcess } from './helpers/runProcess.js';

const repo = fileURLToPath(new URL('..', import.meta.url));
const BIN = fileURLToPath(new URL('../bin/incident-flow.js', import.meta.url));
const SOURCE = ['--conditions=incident-flow-source', '--import', import.meta.resolve('tsx')];
const cli = (...args: string[]) => runProcess(process.execPath, [...SOURCE, BIN, ...args], { cwd: repo });

const test = suite('PostgreSQL: a hot-standby replica');
let servers: Awaited<ReturnType<typeof startPrivateReplica>> | undefined;

test.before(async () => {
  servers = await startPrivateReplica();
});
test.after(() => servers?.stop());

test('report and review read a replica as they read the primary; watch and a writer are refused in one line naming the primary', async () => {
  const { primary, replica, caughtUp } = servers!;
  const [onPrimary, onReplica] = [`${primary}?schema=drill`, `${replica}?schema=drill`];
  const out = mkdtempSync(join(tmpdir(), 'incident-flow-replica-'));
  const ran = await cli('run', 'scenarios/p0-database-down.yaml', '--db', onPrimary, '--out', out);
  assert.is(ran.code, 0, ran.stderr);
  // A hole in the audit numbering, as engine processes committing out of order, or a rolled
  // back transaction, leave: a follower would take a transaction id to track it.
  await sqlIn(primary, 'UPDATE drill.audit_log SET seq = seq + 1000 WHERE seq = (SELECT max(seq) FROM drill.audit_log)');
  await caughtUp();

  const reports = [await cli('report', '--db', onPrimary), await cli('report', '--db', onReplica)];
  assert.equal(reports.map((r) => [r.code, r.stderr]), [[0, ''], [0, '']]);
  assert.is(reports[1].stdout, reports[0].stdout);
  assert.match(reports[1].stdout, 'Incident metrics');

  const store = await openStore(onReplica, { readonly: true, follow: false });
  const [incident] = store.list('incidents');
  assert.ok(incident, 'the rehearsal\'s incident, read from the replica');
  assert.throws(() => store.put('tenants', { id: 'acme-2', admin: 'ops@acme.test' }), (e: unknown) => e instanceof StoreError && e.code === 'readonly');
  await store.close();
  const reviews = [await cli('review', incident.id, '--db', onPrimary), await cli('review', incident.id, '--db', onReplica)];
  assert.is(reviews[1].code, 0, reviews[1].stderr);
  assert.is(reviews[1].stdout, reviews[0].stdout);

  const hint = 'a hot-standby replica, or default_transaction_read_only is on; a writer and `watch` need the primary, `report` and `review` read a replica';
  for (const refused of [await cli('watch', '--db', onReplica, '--port', '0'), await cli('run', 'scenarios/p0-database-down.yaml', '--db', `${replica}?schema=drill2`, '--out', out)]) {
    assert.is(refused.code, 2, refused.stderr);
    assert.is(refused.stderr.trim().split('\n').length, 1, refused.stderr);
    assert.match(refused.stderr, hint);
    assert.not.match(refused.stderr, '    at ');
  }
  // The same for a program following the replica (a read-only store follows by default).
  const following = await openStore(onReplica, { readonly: true }).then(() => null, (e: unknown) => e);
  assert.instance(following, StoreError);
  assert.match((following as StoreError).message, hint);
});

test.run();
