import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { appendFileSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AuditEntry, JobRecord } from '../machines/types.js';
import { openStore, storeFiles, StoreError } from '../store/index.js';
import type { Store } from '../store/index.js';
import { crashedAppend } from './helpers/crashedAppend.js';
import { captureState, encodeState } from '../store/stateFile.js';
import { emptyStoreData } from '../store/storeFiles.js';

const audit = (i: number): AuditEntry => ({
  id: `aud_${i}`, ts: new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString(), actor: 'engine', entityType: 'job',
  entityId: 'job_1', action: 'job.ran', level: 'info', message: `entry ${i}`, meta: {},
});
const job = (id: string, over: Partial<JobRecord> = {}): JobRecord => ({
  id, kind: null, agent: 'mailer', workflow: null, tenant: null, status: 'queued', attempts: 0,
  createdAt: '2026-01-01T00:00:00.000Z', updatedAt: '2026-01-01T00:00:00.000Z', error: null, incidentId: null, ...over,
});
const tempStore = () => join(mkdtempSync(join(tmpdir(), 'incident-flow-journal-')), 'run.json');
const tick = () => new Promise((resolve) => setImmediate(resolve));
const read = (file: string) => (existsSync(file) ? readFileSync(file) : null);
/** The store's three files, as bytes (null: missing). */
const bytesOf = (file: string) => {
  const f = storeFiles(file);
  return [f.state, f.journal, f.audit].map(read);
};
const same = (a: Array<Buffer | null>, b: Array<Buffer | null>) => a.every((x, i) => (x === null ? b[i] === null : b[i] !== null && x.equals(b[i]!)));
/** The journal's lines, parsed. */
const journal = (file: string) => readFileSync(storeFiles(file).journal, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
/** The state file's header: schema version, generation, audit count. */
const header = (file: string) => JSON.parse(readFileSync(file, 'utf8').split('\n')[0] + '}}');
/** What the files of a running writer hold right now, as a crash would leave them: copied to a new store path. */
function crashImage(file: string): string {
  const copy = tempStore();
  const [from, to] = [storeFiles(file), storeFiles(copy)];
  for (const key of ['state', 'journal', 'audit'] as const) if (existsSync(from[key])) copyFileSync(from[key], to[key]);
  return copy;
}
/** Table contents in table order, for comparing two stores. */
const dump = (store: Store) => ({ jobs: store.list('jobs'), tenants: store.list('tenants'), meta: store.getMeta('scenario'), audit: store.auditCount() });

async function refusedAs(file: string, culprit: string, message: RegExp): Promise<void> {
  const before = bytesOf(file);
  const error = await openStore(file).then(() => null, (e: unknown) => e);
  assert.instance(error, StoreError, 'expected a StoreError');
  assert.is((error as StoreError).code, 'corrupt');
  assert.is((error as StoreError).file, culprit);
  assert.match((error as Error).message, message);
  assert.ok(same(before, bytesOf(file)), 'a file changed');
  assert.not.ok(existsSync(`${file}.lock`), 'lock left behind');
}

const commits = suite('store journal: commits');

commits('a commit appends its changed rows and a commit line; the state file is left as it was', async () => {
  const file = tempStore();
  const store = await openStore(file);
  store.put('jobs', job('job_1'));
  store.put('jobs', job('job_2'));
  store.appendAudit(audit(0));
  await store.flush();
  const state = readFileSync(file);
  assert.equal(header(file), { schemaVersion: 2, generation: 1, auditCount: 0, meta: {}, tables: {} }, 'the empty state file of a new store');
  assert.equal(journal(file), [
    { op: 'put', table: 'jobs', id: 'job_1', row: job('job_1') },
    { op: 'put', table: 'jobs', id: 'job_2', row: job('job_2') },
    { op: 'commit', generation: 1, auditCount: 1 },
  ]);
  const size = statSync(storeFiles(file).journal).size;
  store.put('jobs', job('job_2', { status: 'running' }));
  store.setMeta('scenario', 'db-down');
  await store.flush();
  assert.ok(readFileSync(file).equals(state), 'the state file was rewritten');
  assert.equal(journal(file).slice(3), [
    { op: 'put', table: 'jobs', id: 'job_2', row: job('job_2', { status: 'running' }) },
    { op: 'commit', generation: 1, auditCount: 1, meta: { scenario: 'db-down' } },
  ]);
  assert.ok(statSync(storeFiles(file).journal).size - size < 400, 'the journal grew by more than the change');
  await store.close();
});

commits('the journal replays on open: rows, removals, meta, audit count and the order of rows', async () => {
  const file = tempStore();
  const store = await openStore(file);
  for (const id of ['job_a', 'job_b', 'job_c']) store.put('jobs', job(id));
  await store.flush();
  store.remove('jobs', 'job_b');
  store.put('jobs', job('job_b', { attempts: 2 })); // removed and put again: now last
  store.put('jobs', job('job_a', { status: 'failed' })); // updated in place: stays first
  store.remove('jobs', 'job_c');
  store.put('tenants', { id: 'acme', admin: 'ops@acme.test' });
  store.setMeta('scenario', { name: 'db-down' });
  store.appendAudit(audit(0));
  await store.flush();
  store.put('jobs', job('job_d'));
  store.put('jobs', job('job_e'));
  store.remove('jobs', 'job_d');
  store.put('jobs', job('job_d')); // inserted twice in one commit: after job_e now
  await store.flush();
  const live = dump(store);
  assert.equal(live.jobs.map((j) => j.id), ['job_a', 'job_b', 'job_e', 'job_d']);

  const image = crashImage(file);
  const again = await openStore(image);
  assert.equal(dump(again), live);
  assert.equal(again.list('jobs', { agent: 'mailer' }).map((j) => j.id), ['job_a', 'job_b', 'job_e', 'job_d']);
  await again.close();
  await store.close();
  const closed = await openStore(file, { readonly: true });
  assert.equal(dump(closed), live, 'after close (the journal folded into the state file)');
});

commits('close folds the journal into the state file and removes it', async () => {
  const file = tempStore();
  const store = await openStore(file);
  store.put('jobs', job('job_1'));
  store.appendAudit(audit(0));
  await store.close();
  assert.not.ok(existsSync(storeFiles(file).journal));
  assert.equal(header(file), { schemaVersion: 2, generation: 2, auditCount: 1, meta: {}, tables: {} });
  const again = await openStore(file);
  await again.close();
  assert.is(header(file).generation, 2, 'a session without commits rewrites nothing');
});

commits('a rewrite copies the lines of unchanged rows and writes the changed ones, journal replays included', async () => {
  const file = tempStore();
  const first = await openStore(file);
  for (let i = 0; i < 50; i++) first.put('jobs', job(`job_${i}`));
  await first.close();
  const store = await openStore(file);
  store.put('jobs', job('job_7', { status: 'failed' }));
  store.remove('jobs', 'job_8');
  store.put('jobs', job('job_8', { attempts: 3 }));
  await store.flush();
  const image = crashImage(file);
  const live = store.list('jobs');
  await store.close();
  const again = await openStore(file, { readonly: true });
  assert.equal(again.list('jobs'), live);
  assert.equal(again.list('jobs').slice(-2).map((j) => [j.id, j.attempts]), [['job_49', 0], ['job_8', 3]]);
  // A writer that opens the crash image and closes without a commit folds in what it replayed.
  await (await openStore(image)).close();
  assert.ok(readFileSync(image).equals(readFileSync(file)), 'the state files differ');
});

commits('the journal is folded into the state file once it outgrows it', async () => {
  const file = tempStore();
  const store = await openStore(file);
  const big = (i: number) => job(`job_${i}`, { error: 'x'.repeat(2000) });
  for (let i = 0; i < 1000; i++) store.put('jobs', big(i)); // about 2 MB
  await store.flush();
  assert.is(header(file).generation, 1);
  for (let i = 1000; i < 2200; i++) store.put('jobs', big(i)); // past the 4 MB floor
  await store.flush();
  assert.is(header(file).generation, 2);
  assert.is(statSync(storeFiles(file).journal).size, 0, 'the journal was emptied');
  store.put('jobs', job('job_1'));
  await store.flush();
  assert.equal(journal(file).at(-1), { op: 'commit', generation: 2, auditCount: 0 });
  const image = crashImage(file);
  const again = await openStore(image, { readonly: true });
  assert.is(again.list('jobs').length, 2200);
  assert.equal(again.get('jobs', 'job_1'), job('job_1'));
  await store.close();
});

commits('a commit that failed is written again, whole, by the next one', async () => {
  const file = tempStore();
  const store = await openStore(file, { autoCommit: false });
  // A directory where the journal goes: the first append fails.
  const { journal: path } = storeFiles(file);
  mkdirSync(path);
  store.put('jobs', job('job_a'));
  store.put('jobs', job('job_b'));
  store.appendAudit(audit(0));
  await store.flush().then(() => assert.unreachable('the commit went through'), (error: Error) => assert.match(error.message, /run\.state\.jsonl/));
  rmSync(path, { recursive: true });
  store.remove('jobs', 'job_a');
  store.put('jobs', job('job_a', { attempts: 1 }));
  store.put('jobs', job('job_c'));
  await store.flush();
  assert.equal(store.list('jobs').map((j) => j.id), ['job_b', 'job_a', 'job_c']);
  const again = await openStore(crashImage(file), { readonly: true });
  assert.equal(again.list('jobs').map((j) => [j.id, j.attempts]), [['job_b', 0], ['job_a', 1], ['job_c', 0]]);
  assert.is(again.auditCount(), 1);
  await store.close();
});

commits.run();

const crash = suite('store journal: crashes and refusals');

/** A closed store whose journal holds two commits: job_1 put, then job_2 put and an audit row. */
async function twoCommits(): Promise<string> {
  const file = tempStore();
  const store = await openStore(file);
  store.put('jobs', job('job_1'));
  await store.flush();
  store.put('jobs', job('job_2'));
  store.appendAudit(audit(0));
  await store.flush();
  const image = crashImage(file);
  await store.close();
  return image;
}

crash('journal commits edited to another generation are refused, naming the line, not skipped', async () => {
  for (const generation of [0, 5]) {
    const file = await twoCommits();
    const { journal: path } = storeFiles(file);
    writeFileSync(path, readFileSync(path, 'utf8').replace(/"generation":1/g, `"generation":${generation}`));
    const before = readFileSync(path);
    for (const readonly of [true, false]) {
      const error = await openStore(file, { readonly }).then(() => null, (e: unknown) => e);
      assert.instance(error, StoreError, `generation ${generation} was opened`);
      assert.is((error as StoreError).code, 'corrupt');
      assert.match((error as Error).message, /run\.state\.jsonl line 2: a commit on generation/);
    }
    assert.ok(readFileSync(path).equals(before), 'the journal was changed');
  }
});

crash('a commit of the folded generation after a current one is refused', async () => {
  const file = await twoCommits();
  const { journal: path } = storeFiles(file);
  // Generation 2 state, then: commit 1 of generation 2, commit 2 of generation 1.
  writeFileSync(file, readFileSync(file, 'utf8').replace('"generation":1', '"generation":2'));
  writeFileSync(path, readFileSync(path, 'utf8').replace('"generation":1', '"generation":2'));
  const error = await openStore(file, { readonly: true }).then(() => null, (e: unknown) => e);
  assert.instance(error, StoreError);
  assert.match((error as Error).message, /line 4: a commit on generation 1, but .*run\.json is generation 2/);
});

crash('a torn journal tail is not applied; a reader leaves it, a writer cuts it', async () => {
  const file = await twoCommits();
  const { journal: path } = storeFiles(file);
  const committed = readFileSync(path);
  appendFileSync(path, `${JSON.stringify({ op: 'put', table: 'jobs', id: 'job_3', row: job('job_3') })}\n{"op":"put","table":"jobs","id":"job_4","ro`);
  const reader = await openStore(file, { readonly: true });
  assert.equal(reader.list('jobs').map((j) => j.id), ['job_1', 'job_2']);
  assert.ok(readFileSync(path).length > committed.length, 'a reader cut the journal');
  const writer = await openStore(file);
  assert.equal(writer.list('jobs').map((j) => j.id), ['job_1', 'job_2']);
  assert.ok(readFileSync(path).equals(committed), 'the torn tail was not cut');
  writer.put('jobs', job('job_5'));
  await writer.close();
  const again = await openStore(file, { readonly: true });
  assert.equal(again.list('jobs').map((j) => j.id), ['job_1', 'job_2', 'job_5']);
});

crash('audit rows past the last journal commit are ignored and cut, as without a journal', async () => {
  const file = await twoCommits();
  const { audit: path } = storeFiles(file);
  const committed = readFileSync(path);
  crashedAppend(file, `${JSON.stringify(audit(1))}\n`);
  const writer = await openStore(file);
  assert.is(writer.auditCount(), 1);
  assert.ok(readFileSync(path).equals(committed));
  await writer.close();
});

crash('after a crash between the rewrite and emptying the journal, the old commits are not applied again', async () => {
  const file = tempStore();
  const store = await openStore(file);
  store.put('jobs', job('job_1'));
  store.put('jobs', job('job_2'));
  await store.flush();
  const old = readFileSync(storeFiles(file).journal);
  store.put('jobs', job('job_1', { status: 'failed' }));
  store.remove('jobs', 'job_2');
  await store.close(); // rewrites the state file (generation 2) and removes the journal
  assert.is(header(file).generation, 2);
  // The rewrite landed, the journal of generation 1 did not go: what a crash between the two leaves.
  writeFileSync(storeFiles(file).journal, old);
  const before = bytesOf(file);
  const reader = await openStore(file, { readonly: true });
  assert.equal(reader.list('jobs'), [job('job_1', { status: 'failed' })]);
  assert.ok(same(before, bytesOf(file)), 'a reader changed a file');
  const writer = await openStore(file);
  assert.equal(writer.list('jobs'), [job('job_1', { status: 'failed' })]);
  assert.is(statSync(storeFiles(file).journal).size, 0, 'the folded journal was not emptied');
  writer.put('jobs', job('job_3'));
  await writer.flush();
  assert.equal(journal(file).map((l) => l.id ?? l.generation), ['job_3', 2]);
  await writer.close();
});

crash('a corrupt journal line before a commit line is refused, naming the file and line; no file changes', async () => {
  const file = await twoCommits();
  const { journal: path } = storeFiles(file);
  const lines = readFileSync(path, 'utf8').split('\n');
  writeFileSync(path, [lines[0].slice(0, 25), ...lines.slice(1)].join('\n'));
  await refusedAs(file, path, /run\.state\.jsonl is not valid JSON \(line 1\): refusing to open; the file is left as it is/);
  writeFileSync(path, [lines[0], '{"op":"put","table":"jobs","id":"job_9"}', ...lines.slice(1)].join('\n'));
  await refusedAs(file, path, /run\.state\.jsonl line 2: expected a row change/);
});

crash('a journal newer than its state file, or without one, is refused', async () => {
  const file = await twoCommits();
  const { journal: path } = storeFiles(file);
  writeFileSync(path, readFileSync(path, 'utf8').replaceAll('"generation":1', '"generation":5'));
  await refusedAs(file, path, /line 2: a commit on generation 5, newer than generation 1 of .*run\.json/);
  rmSync(file);
  await refusedAs(file, file, /run\.state\.jsonl holds state changes but .*run\.json is missing: refusing to open/);
});

crash('a version-1 store (no journal, no generation) opens; its first commit rewrites it as version 2', async () => {
  const file = tempStore();
  const rows = [job('job_1'), job('job_2', { status: 'failed' })];
  // As the previous build wrote it: one row per line, no generation.
  const v1 = ['{"schemaVersion":1,"auditCount":1,"meta":{"scenario":"old"},"tables":{', '"jobs":{',
    rows.map((r) => `${JSON.stringify(r.id)}:${JSON.stringify(Object.fromEntries(Object.entries(r).sort(([a], [b]) => (a < b ? -1 : 1))))}`).join(',\n'),
    '},', '"tenants":{}', '}}', ''].join('\n');
  writeFileSync(file, v1);
  writeFileSync(storeFiles(file).audit, `${JSON.stringify(audit(0))}\n`);
  const reader = await openStore(file, { readonly: true });
  assert.equal([reader.list('jobs'), reader.getMeta('scenario'), reader.auditCount()], [rows, 'old', 1]);
  const store = await openStore(file);
  store.put('jobs', job('job_3'));
  await store.flush();
  assert.equal(header(file), { schemaVersion: 2, generation: 1, auditCount: 1, meta: { scenario: 'old' }, tables: {} });
  assert.not.ok(existsSync(storeFiles(file).journal) && statSync(storeFiles(file).journal).size > 0, 'journal next to a version-1 file');
  await store.close();
  const again = await openStore(file, { readonly: true });
  assert.equal(again.list('jobs').map((j) => j.id), ['job_1', 'job_2', 'job_3']);
});

crash.run();

const follow = suite('store journal: followers');

follow('a follower reads the new journal commits, then follows rewrites', async () => {
  const file = tempStore();
  const writer = await openStore(file);
  writer.put('jobs', job('job_1'));
  writer.put('jobs', job('job_2'));
  await writer.flush();
  const reader = await openStore(file, { readonly: true });
  const kept = reader.get('jobs', 'job_1');
  writer.put('jobs', job('job_2', { status: 'running' }));
  writer.remove('jobs', 'job_1');
  writer.put('jobs', job('job_1', { attempts: 1 }));
  await writer.flush();
  const change = await reader.refresh();
  assert.equal(change.rows.map((r) => [r.id, (r.row as JobRecord).status, (r.row as JobRecord).attempts]), [['job_2', 'running', 0], ['job_1', 'queued', 1]]);
  assert.equal(reader.list('jobs', { agent: 'mailer' }).map((j) => j.id), ['job_2', 'job_1'], 'job_1 moved last, indexes too');
  assert.is.not(reader.get('jobs', 'job_1'), kept);

  // A commit large enough to rewrite the state file (generation 2), then one into the new journal.
  const big = (i: number) => job(`job_big_${i}`, { error: 'x'.repeat(2000) });
  for (let i = 0; i < 2200; i++) writer.put('jobs', big(i));
  await writer.flush();
  assert.is(header(file).generation, 2);
  const job2 = reader.get('jobs', 'job_2');
  assert.is((await reader.refresh()).rows.length, 2200);
  assert.is(reader.get('jobs', 'job_2'), job2, 'an unchanged row keeps its object across the rewrite');
  writer.put('tenants', { id: 'acme', admin: 'ops@acme.test' });
  await writer.flush();
  assert.equal((await reader.refresh()).rows, [{ table: 'tenants', id: 'acme', row: { id: 'acme', admin: 'ops@acme.test' } }]);

  await writer.close(); // generation 3, journal removed
  assert.equal(await reader.refresh(), { audit: [], rows: [] });
  assert.is(reader.list('jobs').length, 2202);
  const again = await openStore(file);
  again.remove('jobs', 'job_2');
  await again.flush();
  assert.equal((await reader.refresh()).rows, [{ table: 'jobs', id: 'job_2', row: null }]);
  await again.close();
  await reader.close();
});

follow.run();

const bytes = suite('store journal: determinism');

bytes('the same mutations give the same journal; after close the same files, however commits were grouped', async () => {
  const run = async (grouped: boolean) => {
    const file = tempStore();
    const store = await openStore(file, { autoCommit: !grouped });
    for (let i = 0; i < 30; i++) {
      store.appendAudit(audit(i));
      store.put('jobs', job(`job_${i % 7}`, { attempts: i }));
      if (i % 5 === 0) store.remove('jobs', `job_${(i + 3) % 7}`);
      if (i % 4 === 0) await tick();
    }
    store.setMeta('scenario', 'same');
    await store.flush();
    const midRun = read(storeFiles(file).journal);
    await store.close();
    return { midRun, closed: bytesOf(file) };
  };
  const [a, b, c] = [await run(false), await run(false), await run(true)];
  assert.ok(a.midRun && b.midRun && a.midRun.equals(b.midRun), 'journals differ');
  assert.ok(same(a.closed, b.closed), 'files differ after close');
  assert.ok(same(a.closed, c.closed), 'files differ after close with other commit boundaries');
  assert.is(a.closed[1], null, 'a journal left after close');
});

bytes('a rewrite that copies rows from the state file and the journal gives the bytes of a fresh encoding, whatever its buffers', async () => {
  const file = tempStore();
  const store = await openStore(file, { autoCommit: false });
  // About 6 MB of 2 KB rows, half of them done with (kept on disk once committed), and one
  // row of 5 MB: more than the rewrite's read and write buffers (4 MB), a line longer than both.
  for (let i = 0; i < 3000; i++) store.put('jobs', job(`job_${i}`, { status: i % 2 ? 'succeeded' : 'queued', error: `${i}`.padEnd(2000, 'x') }));
  store.put('jobs', job('job_big', { error: 'é'.repeat(2_500_000) }));
  store.put('jobs', job('job_after'));
  await store.flush();
  await store.close(); // folds the journal in: the done rows are copied from it
  const again = await openStore(file, { autoCommit: false });
  again.put('jobs', job('job_7', { attempts: 7 }));
  again.remove('jobs', 'job_8');
  await again.close(); // the unchanged rows are copied from the state file
  const text = readFileSync(file, 'utf8');
  const reader = await openStore(file, { readonly: true });
  const data = emptyStoreData();
  data.tables.jobs = Object.fromEntries(reader.list('jobs').map((j) => [j.id, j]));
  await reader.close();
  const { generation, auditCount } = header(file);
  const out: Buffer[] = [];
  for await (const part of encodeState(captureState(data.tables, {}, generation, auditCount), undefined, undefined, 1000)) out.push(Buffer.from(part));
  assert.is(data.tables.jobs.job_7.attempts, 7);
  assert.is(data.tables.jobs.job_8, undefined);
  assert.ok(Buffer.concat(out).equals(Buffer.from(text)), 'the rewritten state file is not what its rows encode to');
});

bytes.run();
