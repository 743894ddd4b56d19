import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Low, Memory } from 'lowdb';
import type { AuditEntry, IncidentRecord, JobRecord } from '../machines/types.js';
import { createMemoryStore, createStore, emptyStoreData, StoreError } from '../store/index.js';
import type { StoreChange, StoreData } from '../store/index.js';

const audit = (i: number, over: Partial<AuditEntry> = {}): AuditEntry => ({
  id: `aud_${i}`,
  ts: new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString(),
  actor: 'engine',
  entityType: 'incident',
  entityId: `inc_${i % 3}`,
  action: 'incident.detected',
  level: 'info',
  message: `entry ${i}`,
  meta: {},
  ...over,
});
const job = (id: string, over: Partial<JobRecord> = {}): JobRecord => ({
  id, kind: null, agent: 'mailer', workflow: null, tenant: null, status: 'queued', attempts: 0,
  createdAt: '2026-01-01T00:00:00.000Z', updatedAt: '2026-01-01T00:00:00.000Z', error: null, incidentId: null, ...over,
});
const tick = () => new Promise((resolve) => setImmediate(resolve));

/** A Memory adapter that counts writes: one commit = one adapter write. */
function countingStore(opts: { autoCommit?: boolean } = {}) {
  const writes: number[] = [];
  const memory = new Memory<StoreData>();
  const adapter = { read: () => memory.read(), write: (data: StoreData) => { writes.push(data.audit_log.length); return memory.write(data); } };
  return { store: createStore(new Low<StoreData>(adapter, emptyStoreData()), { path: null, ...opts }), writes };
}

const rows = suite('store rows and meta');

rows('puts, gets, lists in insertion order and removes rows', () => {
  const store = createMemoryStore();
  store.put('jobs', job('job_b'));
  store.put('jobs', job('job_a', { agent: 'crm' }));
  store.put('jobs', job('job_b', { status: 'running' }));
  assert.is(store.get('jobs', 'job_b')?.status, 'running');
  assert.equal(store.list('jobs').map((j) => j.id), ['job_b', 'job_a']);
  store.remove('jobs', 'job_b');
  assert.is(store.get('jobs', 'job_b'), undefined);
  assert.equal(store.list('jobs').map((j) => j.id), ['job_a']);
});

rows('list filters top-level fields by equality and keeps the index current', () => {
  const store = createMemoryStore();
  for (let i = 0; i < 6; i++) store.put('jobs', job(`job_${i}`, { agent: i % 2 ? 'crm' : 'mailer', status: 'queued' }));
  assert.equal(store.list('jobs', { agent: 'crm' }).map((j) => j.id), ['job_1', 'job_3', 'job_5']);
  store.put('jobs', job('job_3', { agent: 'mailer' }));
  store.put('jobs', job('job_1', { agent: 'crm', status: 'failed' }));
  assert.equal(store.list('jobs', { agent: 'crm' }).map((j) => j.id), ['job_1', 'job_5']);
  assert.equal(store.list('jobs', { agent: 'crm', status: 'failed' }).map((j) => j.id), ['job_1']);
  // Insertion order, not the order rows entered the index.
  assert.equal(store.list('jobs', { agent: 'mailer' }).map((j) => j.id), ['job_0', 'job_2', 'job_3', 'job_4']);
  assert.equal(store.list('jobs', { agent: 'nobody' }), []);
  assert.equal(store.list('jobs', { agent: 'crm', workflow: undefined }).length, 2);
});

rows('list compares object and array fields by value', () => {
  const store = createMemoryStore();
  const base = { id: 'd1', tags: ['post-incident-review'], title: 't', body: 'b', createdAt: 'x', incidentId: null };
  store.put('kb_documents', base);
  store.put('kb_documents', { ...base, id: 'd2', tags: ['other'] });
  assert.equal(store.list('kb_documents', { tags: ['post-incident-review'] }).map((d) => d.id), ['d1']);
});

rows('put stores a copy: editing the caller\'s object later changes nothing', () => {
  const store = createMemoryStore();
  const row = job('job_1');
  store.put('jobs', row);
  row.status = 'failed';
  assert.is(store.get('jobs', 'job_1')?.status, 'queued');
  assert.equal(store.list('jobs', { status: 'failed' }), []);
});

rows('meta values are set, read and deleted', () => {
  const store = createMemoryStore();
  store.setMeta('seed', 7);
  assert.is(store.getMeta<number>('seed'), 7);
  store.setMeta('seed', undefined);
  assert.is(store.getMeta('seed'), undefined);
  assert.is(store.getMeta('toString'), undefined);
});

rows('rejects rows without a usable id', () => {
  const store = createMemoryStore();
  assert.throws(() => store.put('jobs', job('')), /expected a non-empty string id/);
  assert.throws(() => store.put('jobs', job('__proto__')), /expected a non-empty string id/);
});

rows.run();

const commits = suite('store group commit');

commits('a burst of many mutations is one adapter write', async () => {
  const { store, writes } = countingStore();
  for (let i = 0; i < 500; i++) store.appendAudit(audit(i));
  for (let i = 0; i < 100; i++) store.put('jobs', job(`job_${i}`));
  await tick();
  await store.flush();
  assert.equal(writes, [500]);
  store.appendAudit(audit(500));
  await store.flush();
  assert.equal(writes, [500, 501]);
});

commits('flush with nothing new writes nothing', async () => {
  const { store, writes } = countingStore();
  await store.flush();
  store.appendAudit(audit(0));
  await store.flush();
  await store.flush();
  assert.is(writes.length, 1);
});

commits('without autoCommit nothing is written until flush()', async () => {
  const { store, writes } = countingStore({ autoCommit: false });
  store.appendAudit(audit(0));
  await tick();
  await tick();
  assert.is(writes.length, 0);
  await store.flush();
  assert.is(writes.length, 1);
});

commits('listeners get the new audit rows and the changed rows, once per commit', async () => {
  const store = createMemoryStore();
  const seen: StoreChange[] = [];
  const stop = store.subscribe((change) => seen.push(change));
  store.appendAudit(audit(1));
  store.put('jobs', job('job_1'));
  store.put('jobs', job('job_1', { status: 'running' }));
  store.put('jobs', job('job_2'));
  store.remove('jobs', 'job_2');
  await tick();
  await store.flush();
  assert.is(seen.length, 1);
  assert.equal(seen[0].audit.map((a) => a.id), ['aud_1']);
  // job_2 was put and removed between two commits: no commit ever held it, nothing to report.
  assert.equal(seen[0].rows.map(({ id, row }) => [id, (row as JobRecord | null)?.status ?? null]), [['job_1', 'running']]);
  stop();
  store.appendAudit(audit(2));
  await store.flush();
  assert.is(seen.length, 1);
});

commits('a commit writes the rows that differ from the last commit, in table order', async () => {
  const rows: Array<{ table: string; id: string; removed: boolean }[]> = [];
  const adapter = { read: async () => null, write: async (data: StoreData) => void rows.push((data.changes?.rows ?? []).map(({ table, id, removed }) => ({ table, id, removed }))) };
  const store = createStore(new Low<StoreData>(adapter, emptyStoreData()), { path: null, autoCommit: false });
  store.put('jobs', job('job_1'));
  store.put('jobs', job('job_2'));
  store.put('jobs', job('job_3'));
  await store.flush();
  // Committed job_1 removed, job_2 updated, job_3 removed and put again (it moves last), job_4 put and removed.
  store.remove('jobs', 'job_1');
  store.put('jobs', job('job_4'));
  store.put('jobs', job('job_2', { status: 'running' }));
  store.remove('jobs', 'job_3');
  store.put('jobs', job('job_3', { status: 'running' }));
  store.remove('jobs', 'job_4');
  await store.flush();
  assert.equal(rows[1], [
    { table: 'jobs', id: 'job_1', removed: true },
    { table: 'jobs', id: 'job_2', removed: false },
    { table: 'jobs', id: 'job_3', removed: true },
  ]);
  assert.equal(store.list('jobs').map((j) => [j.id, j.status]), [['job_2', 'running'], ['job_3', 'running']]);
  // Put, removed and put again before a commit: written as a new row.
  store.put('jobs', job('job_5'));
  store.remove('jobs', 'job_5');
  store.put('jobs', job('job_5'));
  await store.flush();
  assert.equal(rows[2], [{ table: 'jobs', id: 'job_5', removed: false }]);
  // Only touched and taken back: no commit at all.
  store.put('jobs', job('job_6'));
  store.remove('jobs', 'job_6');
  await store.flush();
  assert.is(rows.length, 3);
});

commits('a row handed over is kept as it is; any other put keeps a copy', () => {
  const store = createMemoryStore({ autoCommit: false });
  const mine = job('job_1');
  store.put('jobs', mine);
  mine.status = 'running';
  assert.is(store.get('jobs', 'job_1')?.status, 'queued');
  const given = job('job_2');
  store.put('jobs', given, { handOver: true });
  assert.is(store.get('jobs', 'job_2'), given);
});

commits('a failed commit is retried by the next flush, and reported', async () => {
  let fail = true;
  const written: number[] = [];
  const adapter = { read: async () => null, write: async (data: StoreData) => { if (fail) throw new Error('disk full'); written.push(data.audit_log.length); } };
  const store = createStore(new Low<StoreData>(adapter, emptyStoreData()), { path: 'x.json', autoCommit: false });
  const seen: StoreChange[] = [];
  store.subscribe((change) => seen.push(change));
  store.appendAudit(audit(0));
  store.put('jobs', job('job_1'));
  const error = await store.flush().then(() => null, (e: unknown) => e);
  assert.instance(error, StoreError);
  assert.match(String(error), /x\.json: could not commit: disk full/);
  fail = false;
  await store.flush();
  assert.equal(written, [1]);
  assert.equal(seen[0].rows.map((r) => r.id), ['job_1']);
});

commits('a closed store refuses mutations', async () => {
  const store = createMemoryStore();
  await store.close();
  const error = (() => { try { store.appendAudit(audit(0)); } catch (e) { return e; } })();
  assert.instance(error, StoreError);
  assert.is((error as StoreError).code, 'closed');
});

commits.run();

const query = suite('store queryAudit');

function sampleStore() {
  const store = createMemoryStore();
  for (let i = 0; i < 30; i++) {
    store.appendAudit(audit(i, {
      level: i % 10 === 0 ? 'error' : 'info',
      action: i % 2 ? 'incident.retry' : 'incident.detected',
      meta: { agent: i % 3 === 0 ? 'mailer' : 'crm', workflow: i < 15 ? 'billing' : 'onboarding' },
      message: i === 7 ? 'Stripe TIMEOUT on charge' : `entry ${i}`,
    }));
  }
  return store;
}
const ids = (page: { rows: AuditEntry[] }) => page.rows.map((r) => Number(r.id.slice(4)));

const cases: Array<[string, Parameters<ReturnType<typeof createMemoryStore>['queryAudit']>[0], number, number[]]> = [
  ['everything, oldest first', {}, 30, Array.from({ length: 30 }, (_, i) => i)],
  ['by entityId', { entityId: 'inc_1', limit: 3 }, 10, [1, 4, 7]],
  ['by meta.agent', { agent: 'mailer', limit: 4 }, 10, [0, 3, 6, 9]],
  ['by meta.workflow, newest first', { workflow: 'onboarding', order: 'desc', limit: 2 }, 15, [29, 28]],
  ['by level', { level: 'error' }, 3, [0, 10, 20]],
  ['by action and agent', { action: 'incident.retry', agent: 'mailer' }, 5, [3, 9, 15, 21, 27]],
  ['since inclusive, until exclusive', { since: audit(5).ts, until: audit(8).ts }, 3, [5, 6, 7]],
  ['time range with an index, desc', { agent: 'crm', since: audit(10).ts, order: 'desc', limit: 3 }, 14, [29, 28, 26]],
  ['free text, any case', { text: 'stripe timeout' }, 1, [7]],
  ['text on entityId', { text: 'INC_2', limit: 2 }, 10, [2, 5]],
  ['paging: offset and limit', { offset: 25, limit: 10 }, 30, [25, 26, 27, 28, 29]],
  ['paging with filters, desc', { level: 'info', order: 'desc', offset: 1, limit: 2 }, 27, [28, 27]],
  ['unknown value', { agent: 'nobody' }, 0, []],
];
for (const [name, q, total, expected] of cases) {
  query(name, () => {
    const page = sampleStore().queryAudit(q);
    assert.is(page.total, total);
    assert.equal(ids(page), expected);
  });
}

query('time bounds still apply when rows were appended out of order', () => {
  const store = sampleStore();
  store.appendAudit(audit(30, { ts: audit(6).ts, id: 'aud_99' }));
  const page = store.queryAudit({ since: audit(5).ts, until: audit(8).ts });
  assert.equal(ids(page), [5, 6, 7, 99]);
});

query('text matches what the row holds, not its JSON: escapes, case folding and non-string fields', () => {
  const store = createMemoryStore();
  store.appendAudit(audit(0, { message: 'said "hi"\\there' }));
  store.appendAudit(audit(1, { message: 'KELVIN \u212A and ΣΑΣ' }));
  store.appendAudit(audit(2, { message: { nested: 'obj' } as unknown as string }));
  store.appendAudit(audit(3, { message: 42 as unknown as string }));
  const hits = (text: string) => ids(store.queryAudit({ text }));
  assert.equal(hits('"hi"\\t'), [0]);
  assert.equal(hits('hi\\"'), []);
  assert.equal(hits('kelvin k'), [1]);
  assert.equal(hits('σας'), [1]);
  assert.equal(hits('[object object]'), [2]);
  assert.equal(hits('nested'), []);
  assert.equal(hits('42'), [3]);
});

query('a read-only view: mutations on a readonly store throw code "readonly"', () => {
  const store = createStore(new Low<StoreData>(new Memory<StoreData>(), emptyStoreData()), { path: 'w.json', readonly: true });
  const error = (() => { try { store.put('incidents', { id: 'inc_1' } as IncidentRecord); } catch (e) { return e; } })();
  assert.instance(error, StoreError);
  assert.is((error as StoreError).code, 'readonly');
  assert.match((error as Error).message, /w\.json is open read-only/);
});

query('a row appended is copied; one handed over is kept, and reads back as the copy would', async () => {
  const store = createMemoryStore();
  const copied = audit(1, { message: 'moved on' });
  const kept = audit(2, { message: 'moved on', meta: { z: 1, a: 'ÉCHEC' } });
  store.appendAudit(copied);
  store.appendAudit(kept, { handOver: true });
  copied.message = 'edited after';
  const rows = store.queryAudit({ text: 'moved on' }).rows;
  assert.equal(rows.map((r) => [r.id, r.message]), [['aud_1', 'moved on'], ['aud_2', 'moved on']]);
  assert.equal(rows[1], kept, 'the kept row reads back whole');
  assert.is.not(rows[1], kept, 'a read hands out a copy, not the kept object');
  assert.equal(Object.keys(rows[1].meta), ['a', 'z'], 'in canonical order, as its line would have had it');
  await store.flush();
  assert.equal(store.queryAudit({ entityId: 'inc_2' }).rows.map((r) => r.id), ['aud_2']);
});

query.run();
