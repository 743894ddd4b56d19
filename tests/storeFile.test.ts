import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Low } from 'lowdb';
import type { AuditEntry, JobRecord } from '../machines/types.js';
import { createStore, emptyStoreData, openStore, SplitFileAdapter } from '../store/index.js';
import type { StoreData } from '../store/index.js';

const audit = (i: number): AuditEntry => ({
  id: `aud_${i}`, ts: new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString(), actor: 'engine', entityType: 'incident',
  entityId: `inc_${i % 4}`, action: 'incident.detected', level: i % 5 ? 'info' : 'error', message: `entry ${i}`, meta: { agent: 'mailer', attempt: i },
});
const job = (id: string, over: Partial<JobRecord> = {}): JobRecord => ({
  id, kind: null, agent: 'mailer', workflow: 'billing', tenant: null, status: 'queued', attempts: 0,
  createdAt: '2026-01-01T00:00:00.000Z', updatedAt: '2026-01-01T00:00:00.000Z', error: null, incidentId: null, ...over,
});
const tempStore = () => join(mkdtempSync(join(tmpdir(), 'incident-flow-store-')), 'run.json');
const jsonlOf = (file: string) => file.replace(/\.json$/, '.audit.jsonl');
const lines = (file: string) => readFileSync(jsonlOf(file), 'utf8').split('\n').filter(Boolean);
const tick = () => new Promise((resolve) => setImmediate(resolve));

const files = suite('store files');

files('a round trip keeps audit rows, rows of every table and meta', async () => {
  const file = tempStore();
  const store = await openStore(file);
  for (let i = 0; i < 20; i++) store.appendAudit(audit(i));
  store.put('jobs', job('job_1'));
  store.put('jobs', job('job_2', { agent: 'crm' }));
  store.put('tenants', { id: 'acme', admin: 'ops@acme.test' });
  store.remove('jobs', 'job_1');
  store.setMeta('scenario', { name: 'db-down', seed: 42 });
  await store.close();

  const again = await openStore(file);
  assert.is(again.auditCount(), 20);
  assert.equal(again.queryAudit({ entityId: 'inc_1' }).rows.map((r) => r.id), ['aud_1', 'aud_5', 'aud_9', 'aud_13', 'aud_17']);
  assert.equal(again.queryAudit({ level: 'error' }).total, 4);
  assert.equal(again.list('jobs'), [job('job_2', { agent: 'crm' })]);
  assert.equal(again.get('tenants', 'acme'), { id: 'acme', admin: 'ops@acme.test' });
  assert.equal(again.getMeta('scenario'), { name: 'db-down', seed: 42 });
  again.appendAudit(audit(20));
  await again.close();

  const third = await openStore(file);
  assert.equal(third.queryAudit({ order: 'desc', limit: 2 }).rows.map((r) => r.id), ['aud_20', 'aud_19']);
  assert.is(lines(file).length, 21);
  await third.close();
});

files('a burst of 1,000 audit rows is one adapter write of the real file adapter', async () => {
  const file = tempStore();
  let writes = 0;
  class Counting extends SplitFileAdapter {
    override async write(data: StoreData) {
      writes++;
      return super.write(data);
    }
  }
  const adapter = new Counting(file);
  const low = new Low<StoreData>(adapter, emptyStoreData());
  await low.read();
  const store = createStore(low, { path: file, onClose: () => adapter.close() });
  for (let i = 0; i < 1000; i++) store.appendAudit(audit(i));
  await tick();
  await store.flush();
  assert.is(writes, 1);
  assert.is(lines(file).length, 1000);
  await store.close();
});

files('flush() resolves with everything before it on disk, even mid-commit', async () => {
  const file = tempStore();
  const store = await openStore(file);
  store.appendAudit(audit(0));
  const first = store.flush();
  store.appendAudit(audit(1));
  store.put('jobs', job('job_1'));
  await Promise.all([first, store.flush()]);
  // Another reader sees it without the writer closing.
  const reader = await openStore(file, { readonly: true });
  assert.is(reader.auditCount(), 2);
  assert.ok(reader.get('jobs', 'job_1'));
  // The commit is the journal's last line: it covers both audit rows.
  const journal = readFileSync(file.replace(/\.json$/, '.state.jsonl'), 'utf8').trim().split('\n');
  assert.equal(JSON.parse(journal[journal.length - 1]), { op: 'commit', generation: 1, auditCount: 2 });
  await store.close();
});

files('the audit jsonl only grows by the new rows; a rows-only commit leaves it alone', async () => {
  const file = tempStore();
  const store = await openStore(file);
  for (let i = 0; i < 5; i++) store.appendAudit(audit(i));
  await store.flush();
  const before = readFileSync(jsonlOf(file));
  store.put('jobs', job('job_1'));
  await store.flush();
  assert.ok(readFileSync(jsonlOf(file)).equals(before));
  for (let i = 5; i < 8; i++) store.appendAudit(audit(i));
  await store.flush();
  const after = readFileSync(jsonlOf(file));
  assert.ok(after.subarray(0, before.length).equals(before), 'earlier bytes unchanged');
  const added = after.subarray(before.length).toString('utf8').split('\n').filter(Boolean);
  assert.equal(added.map((l) => JSON.parse(l).id), ['aud_5', 'aud_6', 'aud_7']);
  await store.close();
});

files('the same mutations give byte-identical files, whatever the key order of the rows', async () => {
  const run = async (reorder: boolean) => {
    const file = tempStore();
    const store = await openStore(file);
    for (let i = 0; i < 10; i++) {
      const entry = audit(i);
      store.appendAudit(reorder ? (Object.fromEntries(Object.entries(entry).reverse()) as unknown as AuditEntry) : entry);
      if (i % 3 === 0) store.put('jobs', reorder ? { ...job(`job_${i}`), id: `job_${i}` } : job(`job_${i}`));
      if (i % 4 === 0) await tick();
    }
    store.setMeta(reorder ? 'b' : 'a', 1);
    store.setMeta(reorder ? 'a' : 'b', 1);
    await store.close();
    return [readFileSync(file), readFileSync(jsonlOf(file))];
  };
  const [a, b] = [await run(false), await run(true)];
  assert.ok(a[0].equals(b[0]), 'state files differ');
  assert.ok(a[1].equals(b[1]), 'audit files differ');
});

files('close() leaves only the two store files: no temp file, no lock', async () => {
  const file = tempStore();
  const store = await openStore(file);
  assert.ok(existsSync(`${file}.lock`));
  store.appendAudit(audit(0));
  await store.close();
  assert.equal(readdirSync(join(file, '..')).sort(), ['run.audit.jsonl', 'run.json']);
});

files('a missing file opens as a new, empty store; read-only creates nothing', async () => {
  const file = tempStore();
  const reader = await openStore(file, { readonly: true });
  assert.is(reader.auditCount(), 0);
  assert.equal(reader.list('incidents'), []);
  assert.equal(readdirSync(join(file, '..')), []);
});

files('openStore refuses a location that is no string and misspelt or mistyped options, touching nothing: a TypeError naming what it takes', async () => {
  const file = tempStore();
  const refused = async (path: unknown, opts: unknown, message: string) => {
    const error = await openStore(path as string, opts as never).then(() => null, (e: unknown) => e);
    assert.instance(error, TypeError, `${String(path)} ${JSON.stringify(opts)}`);
    assert.is((error as Error).message, `incident-flow store: ${message}`);
  };
  await refused(undefined, undefined, 'openStore: expected a store file path or a postgres:// URL (a non-empty string), got undefined');
  await refused('', undefined, 'openStore: expected a store file path or a postgres:// URL (a non-empty string), got ""');
  await refused(file, 'readonly', `openStore(${file}): expected an object of options (readonly, search, autoCommit, shared, pagedAudit, follow, replace), got "readonly"`);
  // Taken for a writer, the misspelt option would take the lock another process needs.
  await refused(file, { readOnly: true }, `openStore(${file}): options.readOnly: no such option; did you mean "readonly"?; the options are readonly, search, autoCommit, shared, pagedAudit, follow, replace`);
  await refused(file, { readonly: 'yes' }, `openStore(${file}): options.readonly: expected true or false, got "yes"`);
  await refused(file, { replace: true }, `openStore(${file}): options.replace: expected a function, got true`);
  await refused(file, { readonly: { yes: 1 } }, `openStore(${file}): options.readonly: expected true or false, got {"yes":1}`);
  // Taken, it opened a writer: the program believed it was one of N engine processes until the second one met the lock.
  await refused(file, { shared: true }, `openStore(${file}): options.shared: a PostgreSQL store's option (N engine processes on one database); a store file has one writer at a time: open it without shared, and others with { readonly: true }`);
  // A URL's password is never shown, as nowhere else the store names a URL (refused before any connection).
  await refused('postgres://ops:hunter2@db.example:5432/x', { readOnly: true }, 'openStore(postgres://ops:***@db.example:5432/x): options.readOnly: no such option; did you mean "readonly"?; the options are readonly, search, autoCommit, shared, pagedAudit, follow, replace');
  await refused('postgres//ops:hunter2@db.example/x', { readOnly: true }, 'openStore(postgres//ops:***@db.example/x): options.readOnly: no such option; did you mean "readonly"?; the options are readonly, search, autoCommit, shared, pagedAudit, follow, replace');
  assert.equal(readdirSync(join(file, '..')), []);
  const store = await openStore(file, { readonly: undefined, autoCommit: true });
  await store.close();
});

files.run();
