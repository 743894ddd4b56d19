import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, renameSync, statSync } from 'node:fs';
import { open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { AuditEntry, JobRecord } from '../machines/types.js';
import { Low } from 'lowdb';
import { createStore, emptyStoreData, openStore, SplitFileAdapter, StoreError, storeFiles } from '../store/index.js';
import type { Store, StoreData } from '../store/index.js';

// A writer keeps a row that is done with (here: a settled job) only on disk once a commit
// wrote it; `get` and `list` read it back. Such a row is parsed afresh at each read (a new
// object each time): that is how these tests tell it is not in memory.

const job = (id: string, over: Partial<JobRecord> = {}): JobRecord => ({
  id, kind: null, agent: 'mailer', workflow: null, tenant: null, status: 'succeeded', attempts: 1,
  createdAt: '2026-01-01T00:00:00.000Z', updatedAt: '2026-01-01T00:00:00.000Z', error: null, incidentId: null, ...over,
});
const tempStore = () => join(mkdtempSync(join(tmpdir(), 'incident-flow-cold-')), 'run.json');
const header = (file: string) => JSON.parse(readFileSync(file, 'utf8').split('\n')[0] + '}}');
const onDiskOnly = (store: Store, id: string) => store.get('jobs', id) !== store.get('jobs', id);
/** The rows a store should hold: what was put, in table order. */
const ids = (rows: JobRecord[]) => rows.map((row) => row.id);

const cold = suite('store cold rows');

cold('rows read back after a commit equal what was put; open rows stay in memory', async () => {
  const file = tempStore();
  const store = await openStore(file);
  const done = job('job_1', { input: { to: 'ops@acme.test', tags: ['a', 'é'] }, error: 'line\nbreak "quoted"' });
  store.put('jobs', done);
  store.put('jobs', job('job_2', { status: 'running' }));
  store.put('jobs', job('job_3', { agent: 'billing' }));
  assert.not.ok(onDiskOnly(store, 'job_1'), 'kept until the commit that writes it');
  await store.flush();
  assert.ok(onDiskOnly(store, 'job_1'));
  assert.ok(onDiskOnly(store, 'job_3'));
  assert.not.ok(onDiskOnly(store, 'job_2'), 'an open row stays in memory');
  assert.equal(store.get('jobs', 'job_1'), done);
  assert.equal(ids(store.list('jobs')), ['job_1', 'job_2', 'job_3']);
  assert.equal(ids(store.list('jobs', { agent: 'mailer' })), ['job_1', 'job_2']);
  assert.equal(ids(store.list('jobs', { agent: 'mailer', status: 'succeeded' })), ['job_1']);
  assert.equal(ids(store.list('jobs', { agent: 'mailer' }, { last: 1 })), ['job_2']);
  assert.equal(ids(store.list('jobs', { input: { to: 'ops@acme.test', tags: ['a', 'é'] } })), ['job_1'], 'a field no index answers is read back');
  // Put again, the row is in memory until its next commit writes it.
  store.put('jobs', job('job_1', { attempts: 2 }));
  assert.is(store.get('jobs', 'job_1')?.attempts, 2);
  await store.flush();
  assert.ok(onDiskOnly(store, 'job_1'));
  assert.is(store.get('jobs', 'job_1')?.attempts, 2);
  store.remove('jobs', 'job_3');
  assert.is(store.get('jobs', 'job_3'), undefined);
  await store.close();
  const again = await openStore(file, { readonly: true });
  assert.equal(again.list('jobs'), [job('job_1', { attempts: 2 }), job('job_2', { status: 'running' })]);
  await again.close();
});

cold('each reads the rows on disk back one at a time, each when its turn comes', async () => {
  const file = tempStore();
  const store = await openStore(file);
  for (let n = 1; n <= 4; n++) store.put('jobs', job(`job_${n}`, { attempts: n, ...(n === 3 ? { status: 'running' as const } : {}) }));
  await store.flush();
  const pass = store.each('jobs');
  const first = pass.next().value;
  assert.equal(first, job('job_1', { attempts: 1 }));
  assert.is.not(first, store.get('jobs', 'job_1'), 'parsed afresh from disk, not an object kept');
  // Put again (in memory until the next commit) and committed (on disk again) before its turn.
  store.put('jobs', job('job_2', { attempts: 20 }));
  await store.flush();
  store.put('jobs', job('job_4', { attempts: 40 }));
  assert.equal([...pass].map((row) => row.attempts), [20, 3, 40]);
  assert.ok(onDiskOnly(store, 'job_2'));
  await store.close();
  const again = await openStore(file, { readonly: true });
  assert.equal([...again.each('jobs', { status: 'succeeded' })].map((row) => row.attempts), [1, 20, 40]);
  await again.close();
});

cold('an index emptied and refilled answers correctly while its rows are on disk', async () => {
  const file = tempStore();
  const store = await openStore(file);
  for (let i = 0; i < 40; i++) store.put('jobs', job(`job_${i}`, { agent: 'a', incidentId: i % 2 ? 'inc_1' : null }));
  await store.flush();
  assert.is(store.list('jobs', { agent: 'a' }).length, 40);
  assert.is(store.list('jobs', { incidentId: 'inc_1' }).length, 20);
  // Every row moves to agent b (in memory again), is committed (on disk again), and back.
  for (let i = 0; i < 40; i++) store.put('jobs', job(`job_${i}`, { agent: 'b', incidentId: null }));
  await store.flush();
  assert.equal(store.list('jobs', { agent: 'a' }), []);
  assert.equal(store.list('jobs', { incidentId: 'inc_1' }), []);
  assert.equal(ids(store.list('jobs', { agent: 'b' }, { last: 3 })), ['job_37', 'job_38', 'job_39']);
  for (let i = 0; i < 40; i += 4) store.put('jobs', job(`job_${i}`, { agent: 'a' }));
  for (let i = 0; i < 40; i += 8) store.remove('jobs', `job_${i}`);
  store.put('jobs', job('job_0', { agent: 'a' }));
  await store.flush();
  assert.equal(ids(store.list('jobs', { agent: 'a' })), ['job_4', 'job_12', 'job_20', 'job_28', 'job_36', 'job_0']);
  assert.equal(ids(store.list('jobs', { agent: 'a' }, { last: 2 })), ['job_36', 'job_0']);
  assert.is(store.list('jobs', { agent: 'b' }).length, 30);
  assert.equal(store.get('jobs', 'job_4'), job('job_4', { agent: 'a' }));
  await store.close();
});

cold('a rewrite of the state file while rows are on disk moves them there, and they read back right', async () => {
  const file = tempStore();
  const store = await openStore(file);
  const big = (i: number, over: Partial<JobRecord> = {}) => job(`job_${i}`, { error: `${i} ${'x'.repeat(2000)}`, ...over });
  const expected: JobRecord[] = [];
  const put = (row: JobRecord) => {
    store.put('jobs', row);
    const at = expected.findIndex((r) => r.id === row.id);
    if (at === -1) expected.push(row);
    else expected[at] = row;
  };
  for (let i = 0; i < 1000; i++) put(big(i)); // about 2 MB: the journal
  await store.flush();
  assert.is(header(file).generation, 1);
  assert.ok(onDiskOnly(store, 'job_999'));
  put(big(5, { attempts: 7 }));
  put(big(6, { status: 'running' }));
  for (let i = 1000; i < 2200; i++) put(big(i)); // past the 4 MB floor: the state file is rewritten
  await store.flush();
  assert.is(header(file).generation, 2);
  assert.is(statSync(storeFiles(file).journal).size, 0, 'the journal was emptied');
  assert.ok(onDiskOnly(store, 'job_0'), 'a row on disk before the rewrite is on disk after it');
  assert.ok(onDiskOnly(store, 'job_2100'), "a row of the rewrite's own commit is on disk");
  assert.not.ok(onDiskOnly(store, 'job_6'));
  assert.equal(store.list('jobs'), expected);
  // Then the journal again: new rows and rows put again, before and after a second rewrite.
  put(big(0, { attempts: 3 }));
  put(big(6));
  for (let i = 2200; i < 2300; i++) put(big(i));
  await store.flush();
  assert.is(header(file).generation, 2);
  assert.equal(store.list('jobs'), expected);
  for (let i = 2300; i < 4600; i++) put(big(i));
  await store.flush();
  assert.is(header(file).generation, 3);
  assert.equal(store.list('jobs'), expected);
  assert.equal(store.list('jobs', { attempts: 3 }), [expected[0]]);
  await store.close(); // folds the journal: rows read back from the final file
  assert.equal(store.get('jobs', 'job_4599'), expected.at(-1));
  const again = await openStore(file, { readonly: true });
  assert.equal(again.list('jobs'), expected);
  await again.close();
});

cold('a writer that opens a store keeps its rows in memory until a rewrite places them on disk', async () => {
  const file = tempStore();
  const first = await openStore(file);
  for (let i = 0; i < 10; i++) first.put('jobs', job(`job_${i}`));
  await first.close();
  const store = await openStore(file);
  assert.not.ok(onDiskOnly(store, 'job_3'), 'read from the state file: in memory');
  for (let i = 10; i < 2300; i++) store.put('jobs', job(`job_${i}`, { error: 'x'.repeat(2000) }));
  await store.flush();
  assert.is(header(file).generation, 3, 'the journal outgrew the state file: rewritten');
  assert.ok(onDiskOnly(store, 'job_3'), 'placed by the rewrite');
  assert.equal(store.get('jobs', 'job_3'), job('job_3'));
  assert.is(store.list('jobs').length, 2300);
  await store.close();
});

cold('a read-only follower sees the rows the writer keeps on disk only', async () => {
  const file = tempStore();
  const writer = await openStore(file);
  writer.put('jobs', job('job_1'));
  writer.put('jobs', job('job_2', { status: 'queued' }));
  await writer.flush();
  const reader = await openStore(file, { readonly: true });
  assert.equal(reader.list('jobs'), writer.list('jobs'));
  writer.put('jobs', job('job_2'));
  writer.put('jobs', job('job_3'));
  await writer.flush();
  assert.ok(onDiskOnly(writer, 'job_2'));
  const change = await reader.refresh();
  assert.equal(change.rows.map((r) => r.id), ['job_2', 'job_3']);
  assert.equal(reader.list('jobs'), writer.list('jobs'));
  assert.equal(reader.list('jobs', { status: 'succeeded' }).length, 3);
  await writer.close();
  await reader.refresh();
  assert.equal(reader.list('jobs'), [job('job_1'), job('job_2'), job('job_3')]);
  await reader.close();
});

cold('a row on disk read while a rewrite puts the new state file in place reads back right', async () => {
  const file = tempStore();
  const store = await openStore(file);
  const big = (i: number, over: Partial<JobRecord> = {}) => job(`job_${i}`, { error: `${i} ${'x'.repeat(2000)}`, ...over });
  for (let i = 0; i < 2200; i++) store.put('jobs', big(i)); // past the 4 MB floor: a rewrite, its rows kept in the state file
  await store.flush();
  assert.ok(header(file).generation >= 2);
  const { ino } = statSync(file);
  // A row before job_7 grows, so job_7 sits further on in the next state file.
  store.put('jobs', big(0, { error: `0 ${'y'.repeat(5000)}` }));
  for (let i = 2200; i < 4700; i++) store.put('jobs', big(i));
  let done = false;
  const flushed = store.flush().finally(() => (done = true));
  let read = 0;
  // Between the rename of the new file over the old one and the end of the commit, job_7 is read (its first read since the last rewrite).
  while (!done) {
    await new Promise(setImmediate);
    if (done || statSync(file).ino === ino) continue;
    assert.equal(store.get('jobs', 'job_7'), big(7));
    read++;
  }
  await flushed;
  assert.ok(read > 0, 'job_7 was read while the new state file was in place');
  assert.equal(store.get('jobs', 'job_7'), big(7));
  await store.close();
});

cold('a closed store keeps no file open, even once a row on disk is read after the close', async () => {
  if (!existsSync('/proc/self/fd')) return; // Linux: lists the files this process holds
  const file = tempStore();
  const held = () =>
    readdirSync('/proc/self/fd').flatMap((fd) => {
      try {
        const target = readlinkSync(`/proc/self/fd/${fd}`);
        return target.startsWith(dirname(file)) ? [target] : [];
      } catch {
        return []; // closed since it was listed
      }
    });
  const store = await openStore(file);
  store.put('jobs', job('job_1'));
  store.put('jobs', job('job_2'));
  await store.flush();
  assert.equal(store.get('jobs', 'job_1'), job('job_1')); // read from the journal
  await store.close(); // folds the journal into the state file: rows read from there now
  assert.equal(store.list('jobs'), [job('job_1'), job('job_2')]);
  assert.equal(held(), []);
});

cold('a rewrite whose journal cannot be emptied still counts: rows and audit rows stay as committed', async () => {
  const file = tempStore();
  const store = await openStore(file);
  const big = (i: number) => job(`job_${i}`, { error: `${i} ${'x'.repeat(2000)}` });
  const entry = (i: number): AuditEntry => ({ id: `aud_${i}`, ts: '2026-01-01T00:00:00.000Z', actor: 'engine', entityType: 'job', entityId: `job_${i}`, action: 'job.done', level: 'info', message: `job ${i}`, meta: {} });
  for (let i = 0; i < 1000; i++) store.put('jobs', big(i)); // in the journal, and kept there only
  store.appendAudit(entry(0));
  await store.flush();
  // Emptying the journal (cutting it at byte 0) fails once: a disk error after the new state file is in place.
  const handle: FileHandle = await open(file, 'r');
  const proto = Object.getPrototypeOf(handle) as { truncate: (length?: number) => Promise<void> };
  await handle.close();
  const truncate = proto.truncate;
  let failures = 0;
  proto.truncate = function (this: FileHandle, length?: number) {
    if (length === 0 && failures++ === 0) return Promise.reject(Object.assign(new Error('EIO: i/o error, ftruncate'), { code: 'EIO' }));
    return truncate.call(this, length);
  };
  try {
    for (let i = 1000; i < 2300; i++) store.put('jobs', big(i)); // the journal outgrows the floor: a rewrite
    store.appendAudit(entry(1));
    await store.flush();
  } finally {
    proto.truncate = truncate;
  }
  assert.is(failures, 1, 'the journal was to be emptied once');
  store.put('jobs', big(2300));
  store.appendAudit(entry(2));
  await store.flush();
  await store.close();
  const again = await openStore(file, { readonly: true });
  assert.is(again.list('jobs').length, 2301);
  assert.equal(again.get('jobs', 'job_1500'), big(1500));
  assert.equal(again.queryAudit().rows.map((e) => e.id), ['aud_0', 'aud_1', 'aud_2']);
  await again.close();
});

cold('a row on disk whose file is gone: a StoreError of one line naming the file', async () => {
  const file = tempStore();
  const store = await openStore(file);
  store.put('jobs', job('job_1'));
  await store.flush();
  renameSync(storeFiles(file).journal, `${file}.moved`); // another program moved it away
  try {
    store.get('jobs', 'job_1');
    assert.unreachable('read a row from a file that is not there');
  } catch (error) {
    assert.instance(error, StoreError);
    assert.match((error as Error).message, /^incident-flow store: .*run\.state\.jsonl: could not read back a row kept there at byte \d+: ENOENT/);
    assert.not.match((error as Error).message, /\n/);
  }
  renameSync(`${file}.moved`, storeFiles(file).journal);
  await store.close();
});

cold('a row handed over again as the store holds it, while a commit writes it, is written right by the next commit', async () => {
  const file = tempStore();
  const store = await openStore(file);
  store.put('jobs', job('job_1'));
  store.put('jobs', job('job_2'));
  const first = store.flush();
  // The commit starts in a callback of its own, then stages its rows: after that, it is writing them.
  await new Promise(setImmediate);
  await new Promise(setImmediate);
  const own = store.get('jobs', 'job_1') as JobRecord;
  assert.is(store.get('jobs', 'job_1'), own, 'still the object in memory: the commit is under way');
  store.put('jobs', own, { handOver: true }); // unchanged, handed over again
  await first;
  await store.flush();
  assert.equal(store.get('jobs', 'job_1'), job('job_1'));
  await store.close();
  const again = await openStore(file, { readonly: true });
  assert.equal(again.list('jobs'), [job('job_1'), job('job_2')]);
  await again.close();
});

/**
 * A writer built by hand over the exported SplitFileAdapter, to reach its tables
 * (`low.data.tables`): given no thaw, glance or order, the core takes the adapter's own.
 */
async function lowWriter(file: string) {
  const adapter = new SplitFileAdapter(file);
  const low = new Low<StoreData>(adapter, { ...emptyStoreData(), audit_log: adapter.auditLog });
  await low.read();
  const store = createStore(low, { path: file, onClose: () => adapter.close() });
  return { store, entries: () => Object.keys(low.data.tables.jobs ?? {}) };
}

cold('a store built by hand over SplitFileAdapter reads its done rows back, as openStore\'s does', async () => {
  const file = tempStore();
  const { store, entries } = await lowWriter(file);
  store.put('jobs', job('job_1'));
  store.put('jobs', job('job_2', { status: 'running' }));
  await store.flush();
  assert.equal(entries(), ['job_2'], 'the done row is kept on disk only');
  assert.equal(store.get('jobs', 'job_1'), job('job_1'));
  assert.equal(ids(store.list('jobs')), ['job_1', 'job_2']);
  assert.equal(ids(Array.from(store.each('jobs', { status: 'succeeded' }))), ['job_1']);
  await store.close();
});

cold('a new store built by hand with rows in its defaults lists them, and its first commit keeps them', async () => {
  const file = tempStore();
  const adapter = new SplitFileAdapter(file);
  const defaults = emptyStoreData();
  defaults.tables.jobs = { job_1: job('job_1'), job_2: job('job_2', { status: 'running' }) };
  const low = new Low<StoreData>(adapter, { ...defaults, audit_log: adapter.auditLog });
  await low.read();
  const store = createStore(low, { path: file, onClose: () => adapter.close() });
  store.put('jobs', job('job_3'));
  assert.equal(ids(store.list('jobs')), ['job_1', 'job_2', 'job_3']);
  await store.flush();
  assert.equal(ids(store.list('jobs', { status: 'succeeded' })), ['job_1', 'job_3']);
  await store.close();
  const again = await openStore(file, { readonly: true });
  assert.equal(ids(again.list('jobs')), ['job_1', 'job_2', 'job_3']);
  await again.close();
});

cold('a committed done row has no entry in its table object; listings keep table order', async () => {
  const file = tempStore();
  const { store, entries } = await lowWriter(file);
  store.put('jobs', job('job_1'));
  store.put('jobs', job('job_2', { status: 'running' }));
  store.put('jobs', job('7')); // an id that reads as an array index: an object lists it first
  store.put('jobs', job('job_3'));
  assert.equal(entries(), ['7', 'job_1', 'job_2', 'job_3'], 'in the table until a commit writes them');
  await store.flush();
  assert.equal(entries(), ['7', 'job_2'], 'the done rows left the table (an array-index id stays in it)');
  assert.equal(ids(store.list('jobs')), ['7', 'job_1', 'job_2', 'job_3']);
  assert.equal(ids(store.list('jobs', { status: 'succeeded' })), ['7', 'job_1', 'job_3']);
  assert.equal((store.glance?.('jobs') ?? []).map((row) => row.id), ['7', 'job_1', 'job_2', 'job_3']);
  // Put again, a row comes back into the table, keeping its place in the table's order.
  store.put('jobs', job('job_1', { attempts: 2 }));
  assert.equal(entries(), ['7', 'job_2', 'job_1']);
  assert.equal(ids(store.list('jobs', { agent: 'mailer' }, { last: 3 })), ['job_1', 'job_2', 'job_3']);
  assert.is(store.get('jobs', 'job_1')?.attempts, 2);
  await store.flush();
  assert.equal(entries(), ['7', 'job_2']);
  // Removed and put again, a row moves last, as in an object.
  store.remove('jobs', 'job_1');
  assert.is(store.get('jobs', 'job_1'), undefined);
  store.put('jobs', job('job_1'));
  await store.flush();
  assert.equal(ids(store.list('jobs')), ['7', 'job_2', 'job_3', 'job_1']);
  // Thousands of rows come and go: the order is kept across its compactions and a rewrite.
  const expected = ['7', 'job_2', 'job_3', 'job_1'];
  for (let i = 0; i < 3000; i++) {
    store.put('jobs', job(`job_b${i}`, { error: 'x'.repeat(2000) }));
    expected.push(`job_b${i}`);
  }
  await store.flush();
  for (let i = 0; i < 3000; i += 1) {
    if (i % 5 === 0) continue;
    store.remove('jobs', `job_b${i}`);
    expected.splice(expected.indexOf(`job_b${i}`), 1);
  }
  store.remove('jobs', 'job_2');
  store.put('jobs', job('job_2'));
  expected.splice(expected.indexOf('job_2'), 1);
  expected.push('job_2');
  await store.flush();
  assert.equal(entries(), ['7']);
  assert.equal(ids(store.list('jobs')), expected);
  assert.equal(ids(store.list('jobs', { status: 'succeeded' }, { last: 2 })), expected.slice(-2));
  await store.close();
  const again = await openStore(file, { readonly: true });
  assert.equal(ids(again.list('jobs')), expected, 'the state file holds the rows in the same order');
  assert.equal(again.get('jobs', 'job_b2995'), job('job_b2995', { error: 'x'.repeat(2000) }));
  await again.close();
});

cold.run();
