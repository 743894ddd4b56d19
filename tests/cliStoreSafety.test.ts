import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { EXIT, main } from '../sim/cli.js';
import { UNFINISHED } from '../sim/rehearse.js';
import { openStore, storeFiles } from '../store/index.js';

/**
 * What `run --db` does to a store that is already there: nothing before it holds the
 * lock, and nothing to one that is not a rehearsal's; a rehearsal a crash left unfinished
 * is said to be incomplete and may be run again.
 */

const scenario = (name: string) => fileURLToPath(new URL(`../scenarios/${name}.yaml`, import.meta.url));
const BIN = fileURLToPath(new URL('../bin/incident-flow.js', import.meta.url));
/** The bin on the TypeScript sources (no build needed), as tests/cli.test.ts runs it. */
const SOURCE = ['--conditions=incident-flow-source', '--import', import.meta.resolve('tsx')];

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let [out, err] = ['', ''];
  const code = await main(argv, { out: (t) => void (out += t), err: (t) => void (err += t), interactive: false });
  return { code, out, err };
}
const bytesOf = (db: string) => Object.values(storeFiles(db)).map((f) => (existsSync(f) ? readFileSync(f).toString('base64') : null));

const busy = suite('run --db on a store another process holds');

busy('is refused before any file is touched, with commands (not an API call) to do next', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'incident-flow-held-'));
  const db = join(dir, 'store.json');
  assert.is((await cli('run', scenario('p0-database-down'), '--db', db, '--out', dir)).code, EXIT.pass);
  const holder = await openStore(db); // what `run --watch --db X` holds while it runs
  try {
    const before = bytesOf(db).filter((_, i) => i !== 3); // the lock file aside
    const again = await cli('run', scenario('p0-database-down'), '--db', db, '--out', dir);
    assert.is(again.code, EXIT.invalid);
    assert.equal(bytesOf(db).filter((_, i) => i !== 3), before, 'a file of the held store changed');
    assert.match(again.err, `${db} is in use by process ${process.pid}`);
    assert.match(again.err, `incident-flow watch --db ${db}`);
    assert.not.match(again.err, /readonly: true|\{/);
    assert.is(again.err.trim().split('\n').length, 1, 'one line');
  } finally {
    await holder.close();
  }
  const reader = await openStore(db, { readonly: true });
  assert.ok(reader.auditCount() > 0, 'the held store lost its audit rows');
  await reader.close();
});

busy('report and review over a rehearsal still running say it is under way, not that it was killed', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'incident-flow-running-'));
  const db = join(dir, 'store.json');
  assert.is((await cli('run', scenario('p0-database-down'), '--db', db, '--out', dir)).code, EXIT.pass);
  const { incidents: [incident] } = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as { incidents: Array<{ id: string }> };
  const reads = [['report', '--db', db], ['review', incident?.id ?? '', '--db', db]];
  // What a run holds until its end: the store's lock, and the mark its first commit writes.
  const writer = await openStore(db);
  writer.setMeta(UNFINISHED, { scenario: 'p0-database-down.yaml' });
  await writer.flush();
  try {
    for (const argv of reads) {
      const { code, err } = await cli(...argv);
      assert.is(code, EXIT.pass, argv.join(' '));
      assert.is(err, `incident-flow: note: ${db} is still being written by process ${process.pid} (a rehearsal under way); what follows covers what it has committed so far.\n`);
    }
  } finally {
    await writer.close();
  }
  // The writer gone with its mark still there: a rehearsal that stopped before its end.
  for (const argv of reads) assert.match((await cli(...argv)).err, `${db} is incomplete: the rehearsal writing it stopped before its end (interrupted, killed or crashed)`);
});

busy.run();

const unfinished = suite('a rehearsal killed before its end');

unfinished('leaves a store that report calls incomplete, and that a rerun may replace', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'incident-flow-killed-'));
  const db = join(dir, 'store.json');
  const child = spawn(process.execPath, [...SOURCE, BIN, 'run', scenario('busy-week'), '--db', db, '--out', dir], { stdio: 'ignore' });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  // Killed once the run has committed its first commit (the one that marks it unfinished).
  const journal = storeFiles(db).journal;
  while (!(existsSync(journal) && statSync(journal).size > 0)) await new Promise((r) => setTimeout(r, 10));
  assert.is(child.exitCode, null, 'the run ended before it could be killed');
  child.kill('SIGKILL');
  await exited;
  const report = await cli('report', '--db', db);
  assert.is(report.code, EXIT.pass);
  assert.match(report.err, `${db} is incomplete: the rehearsal writing it stopped before its end`);
  const rerun = await cli('run', scenario('p0-database-down'), '--db', db, '--out', dir);
  assert.is(rerun.code, EXIT.pass, rerun.err);
  const after = await cli('report', '--db', db);
  assert.not.match(after.err, 'incomplete');
});

unfinished('an empty store (killed before its first commit landed) may be replaced too', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'incident-flow-empty-'));
  const db = join(dir, 'store.json');
  const store = await openStore(db);
  // A commit that leaves no row and no audit entry (a row put and removed before a commit
  // is not written at all): the state file of an empty store.
  store.setMeta('note', 'x');
  store.setMeta('note', undefined);
  await store.close();
  assert.ok(existsSync(db), 'the empty state file is there');
  const rerun = await cli('run', scenario('p0-database-down'), '--db', db, '--out', dir);
  assert.is(rerun.code, EXIT.pass, rerun.err);
});

unfinished('a store that is not a rehearsal\'s is still refused, untouched', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'incident-flow-foreign-'));
  const db = join(dir, 'store.json');
  const store = await openStore(db);
  store.put('tenants', { id: 'acme', admin: 'ops@acme.test' });
  await store.close();
  const before = bytesOf(db);
  const rerun = await cli('run', scenario('p0-database-down'), '--db', db, '--out', dir);
  assert.is(rerun.code, EXIT.invalid);
  assert.match(rerun.err, 'was not written by a rehearsal');
  assert.equal(bytesOf(db), before);
});

unfinished.run();
