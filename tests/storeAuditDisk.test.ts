import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { fstatSync, mkdirSync, mkdtempSync, readFileSync, rmdirSync, statSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Low } from 'lowdb';
import type { AuditEntry } from '../machines/types.js';
import { ByteOffsets } from '../store/byteOffsets.js';
import { canonicalJson } from '../store/canonicalJson.js';
import { createStore, emptyStoreData, openStore, SplitFileAdapter, storeFiles } from '../store/index.js';
import type { AuditPage, AuditQuery, Store, StoreData } from '../store/index.js';

// Messages with multi-byte characters, escapes and an emoji: byte offsets differ from
// character offsets, and some lines are not ASCII.
const WORDS = ['disk full', 'Timeout calling provider', 'café crème', 'naïve retry', '日本語のログ', 'paged 🚨 twice', 'quote " and \\ slash', 'tab\tand\nnewline'];
const iso = (i: number) => new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString();
const audit = (i: number): AuditEntry => ({
  id: `aud_${i}`, ts: iso(i), actor: i % 3 ? 'engine' : 'Cheryl', entityType: 'incident',
  entityId: i % 10 ? `inc_${i % 97}` : `job_${i}`,
  action: i % 4 ? 'incident.triage' : 'incident.detected', level: i % 50 ? 'info' : 'error',
  message: `${WORDS[i % WORDS.length]} #${i}`, meta: { agent: `agent_${i % 7}`, workflow: `wf_${i % 5}`, attempt: i },
});
const range = (from: number, to: number) => Array.from({ length: to - from }, (_, k) => audit(from + k));
const tempStore = () => join(mkdtempSync(join(tmpdir(), 'incident-flow-audit-disk-')), 'run.json');
const fileLines = (file: string) => readFileSync(storeFiles(file).audit, 'utf8').split('\n').slice(0, -1);

const QUERIES: AuditQuery[] = [
  {}, { order: 'desc' }, { offset: 990, limit: 25 }, { order: 'desc', offset: 10, limit: 30 },
  { entityId: 'inc_5' }, { entityId: 'job_1230' }, { entityId: 'job_1230', order: 'desc', offset: 1 }, { agent: 'agent_3', level: 'error' }, { workflow: 'wf_2', action: 'incident.detected', order: 'desc', limit: 7 },
  { since: iso(1200), until: iso(1800) }, { since: iso(100), until: iso(2000), agent: 'agent_1', offset: 5, limit: 10, order: 'desc' },
  { text: 'crème' }, { text: 'CAFÉ' }, { text: '🚨' }, { text: 'timeout', order: 'desc', limit: 5 }, { text: 'cheryl', entityId: 'inc_3' },
  { text: '#1234' }, { text: 'quote " and \\' }, { text: 'nowhere to be found' },
];

/** What an AuditQuery must answer over `rows`, by a plain scan (see AuditQuery in store/types.ts). */
function expectedPage(rows: AuditEntry[], query: AuditQuery): AuditPage {
  const text = query.text?.toLowerCase();
  const hits = rows.filter((row) =>
    (query.entityId === undefined || row.entityId === query.entityId) &&
    (query.agent === undefined || row.meta?.agent === query.agent) &&
    (query.workflow === undefined || row.meta?.workflow === query.workflow) &&
    (query.level === undefined || row.level === query.level) &&
    (query.action === undefined || row.action === query.action) &&
    (query.since === undefined || row.ts >= query.since) &&
    (query.until === undefined || row.ts < query.until) &&
    (text === undefined || [row.message, row.action, row.actor, row.entityId].some((field) => field.toLowerCase().includes(text))));
  if (query.order === 'desc') hits.reverse();
  const offset = query.offset ?? 0;
  return { total: hits.length, rows: hits.slice(offset, offset + (query.limit ?? Infinity)) };
}

/** Asserts every query gives on `store` what a plain scan of `rows` gives. */
function sameAnswers(store: Store, rows: AuditEntry[], queries: AuditQuery[] = QUERIES): void {
  for (const query of queries) assert.equal(store.queryAudit(query), expectedPage(rows, query), JSON.stringify(query));
}

/** A file store built by hand, to reach its log (`low.data.audit_log`) directly. */
async function lowStore(file: string, opts: { autoCommit?: boolean } = {}) {
  const adapter = new SplitFileAdapter(file);
  const low = new Low<StoreData>(adapter, emptyStoreData());
  await low.read();
  const store = createStore(low, { path: file, autoCommit: opts.autoCommit ?? false, onClose: () => adapter.close() });
  return { store, log: () => low.data.audit_log };
}

/**
 * Runs `during` at the next fdatasync of `file` (its bytes are written by then), then makes
 * that sync fail, as a failing disk would, or lets it go on. Returns the undo.
 */
async function onNextSync(file: string, during: () => void, fail: boolean): Promise<() => void> {
  const probe = await open(file, 'r');
  const proto = Object.getPrototypeOf(probe) as { datasync: FileHandle['datasync'] };
  await probe.close();
  const original = proto.datasync;
  const ino = statSync(file).ino;
  let armed = true;
  proto.datasync = function (this: FileHandle) {
    if (armed && fstatSync(this.fd).ino === ino) {
      armed = false;
      during();
      if (fail) return Promise.reject(Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' }));
    }
    return original.call(this);
  };
  return () => {
    proto.datasync = original;
  };
}

const disk = suite('store audit rows on disk');

disk('committed rows answer every query as the rows appended, over several commits and after reopening', async () => {
  const file = tempStore();
  const rows = range(0, 3000);
  const store = await openStore(file, { autoCommit: false });
  for (const [i, row] of rows.entries()) {
    store.appendAudit(row);
    if (i % 700 === 699) await store.flush();
  }
  await store.flush();
  assert.equal(store.queryAudit().rows, rows);
  sameAnswers(store, rows);
  await store.close();

  const again = await openStore(file);
  assert.equal(again.queryAudit().rows, rows);
  sameAnswers(again, rows);
  await again.close();
  const follower = await openStore(file, { readonly: true });
  sameAnswers(follower, rows);
  await follower.close();
});

disk('a row committed and read back is byte-identical to its line, and comes from the file', async () => {
  const file = tempStore();
  const { store, log } = await lowStore(file);
  const rows = range(0, 400);
  for (const row of rows) store.appendAudit(row);
  await store.flush();
  const lines = fileLines(file);
  assert.equal(lines, rows.map((row) => canonicalJson(row)));
  // Every position, in an order that jumps back and forth across read blocks.
  for (let k = 0; k < rows.length; k++) {
    const pos = (k * 151) % rows.length;
    assert.is(log().line(pos), lines[pos]);
    assert.equal(log().entry(pos), rows[pos]);
  }
  assert.equal(log().entries(123, 321), rows.slice(123, 321));

  // Once committed, a row is held as where it is in the file: change it there (same
  // length) and the store reads the change.
  store.appendAudit(audit(400));
  assert.is(store.queryAudit({ text: 'full #400' }).rows[0]?.message, 'disk full #400');
  await store.flush();
  const jsonl = storeFiles(file).audit;
  writeFileSync(jsonl, readFileSync(jsonl, 'utf8').replace('"disk full #400"', '"DISK FULL #400"'));
  assert.is(store.queryAudit({ text: 'full #400' }).rows[0]?.message, 'DISK FULL #400');
  await store.close();
});

disk('rows not yet committed are read from memory, beside the committed ones', async () => {
  const file = tempStore();
  const store = await openStore(file, { autoCommit: false });
  const rows = range(0, 150);
  for (const row of rows.slice(0, 100)) store.appendAudit(row);
  await store.flush();
  for (const row of rows.slice(100)) store.appendAudit(row);
  assert.is(fileLines(file).length, 100);
  assert.equal(store.queryAudit().rows, rows);
  assert.equal(store.queryAudit({ order: 'desc', limit: 60 }).rows, rows.slice(90).reverse());
  sameAnswers(store, rows);

  const changes: AuditEntry[][] = [];
  store.subscribe((change) => changes.push(change.audit));
  await store.flush();
  assert.equal(changes, [rows.slice(100)]);
  assert.is(fileLines(file).length, 150);
  assert.equal(store.queryAudit().rows, rows);
  await store.close();
});

disk('rows appended while a commit is on its way stay for the next one', async () => {
  const file = tempStore();
  const store = await openStore(file, { autoCommit: false });
  const rows = range(0, 90);
  store.appendAudit(rows[0]);
  await store.flush();
  for (const row of rows.slice(1, 40)) store.appendAudit(row);
  const restore = await onNextSync(storeFiles(file).audit, () => rows.slice(40, 70).forEach((row) => store.appendAudit(row)), false);
  try {
    await store.flush();
  } finally {
    restore();
  }
  assert.is(fileLines(file).length, 40);
  assert.equal(store.queryAudit().rows, rows.slice(0, 70));
  for (const row of rows.slice(70)) store.appendAudit(row);
  await store.flush();
  assert.equal(store.queryAudit().rows, rows);
  assert.equal(fileLines(file), rows.map((row) => canonicalJson(row)));
  await store.close();
});

disk('a commit that fails keeps its rows readable, and the next commit writes them once', async () => {
  const file = tempStore();
  const store = await openStore(file, { autoCommit: false });
  // The first commit cannot create the audit file: a directory stands in its way.
  mkdirSync(storeFiles(file).audit);
  for (const row of range(0, 10)) store.appendAudit(row);
  await store.flush().then(() => assert.unreachable('the commit should fail'), () => undefined);
  assert.equal(store.queryAudit().rows, range(0, 10));
  rmdirSync(storeFiles(file).audit);
  await store.flush();
  assert.equal(fileLines(file), range(0, 10).map((row) => canonicalJson(row)));

  // A later commit writes its rows, then the disk fails to sync them: not committed.
  for (const row of range(10, 20)) store.appendAudit(row);
  const restore = await onNextSync(storeFiles(file).audit, () => undefined, true);
  try {
    await store.flush().then(() => assert.unreachable('the commit should fail'), () => undefined);
  } finally {
    restore();
  }
  assert.equal(store.queryAudit().rows, range(0, 20));
  assert.equal(store.queryAudit({ text: '#15' }).rows, [audit(15)]);
  for (const row of range(20, 25)) store.appendAudit(row);
  await store.flush();
  assert.equal(store.queryAudit().rows, range(0, 25));
  await store.close();

  const again = await openStore(file, { readonly: true });
  assert.equal(again.queryAudit().rows, range(0, 25));
  assert.equal(fileLines(file), range(0, 25).map((row) => canonicalJson(row)));
  await again.close();
});

disk('a text search runs over every committed row of a log many read blocks long', async () => {
  const file = tempStore();
  const rows = range(0, 30_000);
  const store = await openStore(file, { autoCommit: false });
  for (const row of rows) store.appendAudit(row);
  await store.flush();
  assert.ok(statSync(storeFiles(file).audit).size > 4 * 1024 * 1024, 'the log spans several read blocks');
  const hits = rows.filter((row) => row.message.includes('#2999'));
  assert.equal(store.queryAudit({ text: '#2999' }), { total: hits.length, rows: hits });
  assert.equal(store.queryAudit({ text: '#2999', order: 'desc', offset: 3, limit: 4 }).rows, hits.reverse().slice(3, 7));
  sameAnswers(store, rows, [{ text: '日本語' }, { text: 'NAÏVE', order: 'desc', offset: 100, limit: 50 }, { text: 'slash #2', agent: 'agent_6' }, { text: '#0' }]);
  await store.close();
  const again = await openStore(file, { readonly: true });
  sameAnswers(again, rows, [{ text: 'provider #1' }, { text: '🚨', since: iso(10_000), order: 'desc', limit: 100 }]);
  await again.close();
});

disk('a follower reads the rows another writer commits, from before the store exists', async () => {
  const file = tempStore();
  const early = await openStore(file, { readonly: true });
  const writer = await openStore(file, { autoCommit: false });
  for (const row of range(0, 50)) writer.appendAudit(row);
  await writer.flush();
  const follower = await openStore(file, { readonly: true });
  assert.equal(follower.queryAudit().rows, range(0, 50));

  for (const row of range(50, 120)) writer.appendAudit(row);
  await writer.flush();
  assert.equal((await follower.refresh()).audit, range(50, 120));
  assert.equal((await early.refresh()).audit, range(0, 120));
  for (const reader of [follower, early]) {
    assert.equal(reader.queryAudit().rows, range(0, 120));
    sameAnswers(reader, range(0, 120));
  }
  await Promise.all([writer.close(), follower.close(), early.close()]);
});

disk('a follower read that fails half way takes its rows back out, and the next read takes them once', async () => {
  const file = tempStore();
  const writer = await openStore(file, { autoCommit: false });
  for (const row of range(0, 10)) writer.appendAudit(row);
  await writer.flush();
  const follower = await openStore(file, { readonly: true });
  for (const row of range(10, 20)) writer.appendAudit(row);
  await writer.flush();
  // Row 15 goes bad on disk (same length), so the follower's read stops after rows 10-14.
  const jsonl = storeFiles(file).audit;
  const good = readFileSync(jsonl);
  const bad = Buffer.from(good);
  bad[good.indexOf(canonicalJson(audit(15)))] = 'x'.charCodeAt(0);
  writeFileSync(jsonl, bad);
  await follower.refresh().then(() => assert.unreachable('the read should fail'), () => undefined);
  writeFileSync(jsonl, good);
  assert.equal((await follower.refresh()).audit, range(10, 20));
  assert.equal(follower.queryAudit().rows, range(0, 20));
  sameAnswers(follower, range(0, 20), [{ entityId: 'job_10' }, { agent: 'agent_5' }, { text: '#1' }]);
  await Promise.all([writer.close(), follower.close()]);
});

disk('a closed store still reads its committed rows', async () => {
  const file = tempStore();
  const store = await openStore(file);
  for (const row of range(0, 30)) store.appendAudit(row);
  await store.close();
  assert.equal(store.queryAudit({ order: 'desc', limit: 3 }).rows, range(27, 30).reverse());
});

disk.run();

const offsets = suite('ByteOffsets');

offsets('holds values across chunks, and forgets those past a truncation', () => {
  const list = new ByteOffsets();
  for (let i = 0; i < 200_000; i++) list.push(i * 411 + 2 ** 40);
  assert.is(list.length, 200_000);
  for (const i of [0, 1023, 1024, 65_535, 65_536, 131_072, 199_999]) assert.is(list.at(i), i * 411 + 2 ** 40);
  list.truncate(70_000);
  list.push(7);
  assert.is(list.length, 70_001);
  assert.is(list.at(69_999), 69_999 * 411 + 2 ** 40);
  assert.is(list.at(70_000), 7);
});

offsets('keeps 4 bytes a value until one is past 4 GiB or below 0, then widens that chunk without losing the others', () => {
  const list = new ByteOffsets();
  const value = (i: number) => (i === 100_000 ? 2 ** 32 : i === 150_000 ? -5 : i * 997);
  for (let i = 0; i < 200_000; i++) list.push(value(i));
  // The chunk at 100,000 widened after its first 34,464 values; 2^32 - 1 still fits a narrow chunk.
  list.push(2 ** 32 - 1);
  for (const i of [0, 4_307, 65_535, 65_536, 99_999, 100_000, 100_001, 131_071, 131_072, 150_000, 199_999]) assert.is(list.at(i), value(i), `at ${i}`);
  assert.is(list.at(200_000), 2 ** 32 - 1);
});

offsets.run();
