import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AuditEntry } from '../machines/types.js';
import { createRandom } from '../sim/random.js';
import { PART_ROWS, readAuditIndex } from '../store/auditIndexFile.js';
import { createMemoryStore, openStore, storeFiles } from '../store/index.js';
import type { AuditQuery, Store } from '../store/index.js';

const index = suite('audit index file');

const WORDS = ['disk full', 'Timeout calling provider', 'café crème', '日本語のログ', 'paged 🚨 twice', 'quote " and \\ slash', 'lone \ud800 half'];
const iso = (i: number) => new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString();
const tempStore = () => join(mkdtempSync(join(tmpdir(), 'incident-flow-audit-index-')), 'run.json');

/** Row `i` of a log; `r` mixes in what an index must keep exactly: times going back, fields that are not strings. */
function row(i: number, r: () => number, salt = ''): AuditEntry {
  const odd = r() < 0.01;
  return {
    id: `aud_${salt}${i}`, ts: iso(r() < 0.002 ? i - 500 : i), actor: r() < 0.3 ? 'Cheryl' : 'engine', entityType: 'incident',
    entityId: r() < 0.1 ? `job_${salt}${i}` : `inc_${Math.floor(r() * 300)}`,
    action: r() < 0.25 ? 'incident.detected' : 'incident.triage', level: r() < 0.05 ? 'error' : 'info',
    message: (odd ? { nested: 'timeout' } : `${WORDS[Math.floor(r() * WORDS.length)]} #${i}`) as string,
    meta: r() < 0.05 ? {} : { agent: `agent_${Math.floor(r() * 9)}`, workflow: `wf_${Math.floor(r() * 4)}` },
  };
}

const QUERIES: AuditQuery[] = [
  {}, { order: 'desc', limit: 40 }, { offset: 4000, limit: 25 }, { entityId: 'inc_5' }, { entityId: 'job_77' }, { entityId: 'inc_299', order: 'desc', offset: 1, limit: 3 },
  { agent: 'agent_3', level: 'error' }, { workflow: 'wf_2', action: 'incident.detected', order: 'desc', limit: 7 }, { agent: 'nobody' },
  { since: iso(1200), until: iso(5800) }, { since: iso(100), until: iso(9000), agent: 'agent_1', offset: 5, limit: 10, order: 'desc' },
  { text: 'crème' }, { text: 'CAFÉ', limit: 20 }, { text: '🚨', order: 'desc', limit: 9 }, { text: 'timeout' }, { text: 'cheryl', entityId: 'inc_3' },
  { text: '#1234' }, { text: 'quote " and \\' }, { text: '\ud800' }, { text: 'nowhere to be found' }, { text: 'object' },
];

/** Asserts that every query answers on `store` what it answers on a memory store fed `rows` one by one. */
function sameAnswers(store: Store, rows: AuditEntry[]): void {
  const rebuilt = createMemoryStore();
  for (const entry of rows) rebuilt.appendAudit(entry);
  assert.is(store.auditCount(), rows.length);
  for (const query of QUERIES) assert.equal(store.queryAudit(query), rebuilt.queryAudit(query), JSON.stringify(query));
}

async function append(file: string, rows: AuditEntry[], commits: number[]): Promise<void> {
  const store = await openStore(file, { autoCommit: false });
  let at = 0;
  for (const size of commits) {
    for (const entry of rows.slice(at, (at += size))) store.appendAudit(entry);
    await store.flush();
  }
  await store.close();
}

/** Appends `rows` to a writer a part's worth at a time, committing each; `after` hears the rows committed so far. */
async function commitInParts(store: Store, rows: AuditEntry[], after: (seen: AuditEntry[]) => void = () => {}): Promise<void> {
  for (let at = 0; at < rows.length; at += PART_ROWS) {
    for (const entry of rows.slice(at, at + PART_ROWS)) store.appendAudit(entry);
    await store.flush();
    after(rows.slice(0, at + PART_ROWS));
  }
}

/** How many rows a reader opening `file` would take from its index file. */
async function indexedRows(file: string, count: number): Promise<number> {
  const files = storeFiles(file);
  return (await readAuditIndex(files.auditIndex, files.audit, count, false)).rows;
}

async function readerAnswers(file: string, rows: AuditEntry[], search: boolean): Promise<void> {
  const reader = await openStore(file, { readonly: true, search });
  try {
    sameAnswers(reader, rows);
  } finally {
    await reader.close();
  }
}

index('a writer keeps the index file as rows are committed; a store opened from it answers as one rebuilt from every row', async () => {
  const file = tempStore();
  const r = createRandom(1);
  const rows = Array.from({ length: 3 * PART_ROWS + 123 }, (_, i) => row(i, r));
  await append(file, rows.slice(0, PART_ROWS - 1), [PART_ROWS - 1]);
  assert.not.ok(existsSync(storeFiles(file).auditIndex), 'a small log has no index file');
  await append(file, rows.slice(PART_ROWS - 1), [1, 2000, 5000, 1315]);
  assert.ok(existsSync(storeFiles(file).auditIndex));
  assert.is(await indexedRows(file, rows.length), rows.length - 1315, 'the last commit\'s rows are fewer than a part');
  for (const search of [true, false]) await readerAnswers(file, rows, search);
  const writer = await openStore(file);
  sameAnswers(writer, rows);
  await writer.close();
});

index('a missing, truncated or corrupt index file is trusted only as far as it holds up; the rest is read from the audit file', async () => {
  const file = tempStore();
  const r = createRandom(2);
  const rows = Array.from({ length: 4 * PART_ROWS }, (_, i) => row(i, r));
  await append(file, rows, [PART_ROWS, PART_ROWS, PART_ROWS, PART_ROWS]);
  const { auditIndex } = storeFiles(file);
  const whole = readFileSync(auditIndex);
  assert.is(await indexedRows(file, rows.length), rows.length);

  truncateSync(auditIndex, Math.floor(whole.length * 0.6)); // torn in its third part
  assert.is(await indexedRows(file, rows.length), 2 * PART_ROWS);
  await readerAnswers(file, rows, true);

  const flipped = Buffer.from(whole);
  flipped[Math.floor(whole.length * 0.3)] ^= 0x20; // a bit flipped in its second part
  writeFileSync(auditIndex, flipped);
  assert.is(await indexedRows(file, rows.length), PART_ROWS);
  await readerAnswers(file, rows, true);

  writeFileSync(auditIndex, Buffer.from('not an index at all'));
  assert.is(await indexedRows(file, rows.length), 0);
  await readerAnswers(file, rows, false);

  // A writer cuts what does not hold up and writes the index again from there.
  writeFileSync(auditIndex, flipped);
  await append(file, [], []);
  assert.is(await indexedRows(file, rows.length), rows.length);
  await readerAnswers(file, rows, true);
});

index('a stale index file (another log of the same size, a history gone another way, rows past what the state covers) is never trusted', async () => {
  const rows = Array.from({ length: 3 * PART_ROWS }, (_, i) => row(i, createRandom(3)));
  // The same first rows, then others with lines of the same length (restored from a backup, then written on).
  const forked = [...rows.slice(0, PART_ROWS + 7), ...Array.from({ length: 2 * PART_ROWS - 7 }, (_, k) => row(PART_ROWS + 7 + k, createRandom(33), 'x'))];
  const unrelated = Array.from({ length: 3 * PART_ROWS }, (_, i) => row(i, createRandom(3), 'y'));
  for (const [other, trusted] of [[forked, PART_ROWS], [unrelated, 0]] as const) {
    const [a, b] = [tempStore(), tempStore()];
    await append(a, rows, [PART_ROWS, 2 * PART_ROWS]);
    await append(b, other, [3 * PART_ROWS]);
    const [fa, fb] = [storeFiles(a), storeFiles(b)];
    copyFileSync(fb.state, fa.state);
    copyFileSync(fb.audit, fa.audit);
    // a's index now sits beside b's log: only the part of the rows they share holds up.
    assert.is(await indexedRows(a, other.length), trusted);
    await readerAnswers(a, other, true);
  }

  // An index that goes past the rows the state covers (a crash before the state landed) is used up to them only.
  const c = tempStore();
  const fc = storeFiles(c);
  await append(c, rows.slice(0, PART_ROWS), [PART_ROWS]);
  const state = readFileSync(fc.state);
  await append(c, rows.slice(PART_ROWS), [PART_ROWS]);
  writeFileSync(fc.state, state);
  assert.is(await indexedRows(c, PART_ROWS), PART_ROWS);
  await readerAnswers(c, rows.slice(0, PART_ROWS), true);
  truncateSync(fc.audit, statSync(fc.audit).size / 4); // the bytes the first part covers are gone
  assert.is(await indexedRows(c, PART_ROWS), 0);
});

index('a reader never writes the index file', async () => {
  const file = tempStore();
  const rows = Array.from({ length: PART_ROWS + 10 }, (_, i) => row(i, createRandom(4)));
  await append(file, rows, [PART_ROWS + 10]);
  const { auditIndex } = storeFiles(file);
  const before = readFileSync(auditIndex);
  truncateSync(auditIndex, 100);
  const cut = readFileSync(auditIndex);
  await readerAnswers(file, rows, true);
  assert.ok(readFileSync(auditIndex).equals(cut), 'a reader repaired the index file');
  assert.ok(before.length > cut.length);
});

index('after random appends, reopenings and damage, a store opened from its index answers as a full rebuild', async () => {
  const file = tempStore();
  const r = createRandom(5);
  const rows: AuditEntry[] = [];
  const { auditIndex } = storeFiles(file);
  for (let round = 0; round < 8; round++) {
    const more = Math.floor(r() * 3 * PART_ROWS) + 1;
    const fresh = Array.from({ length: more }, (_, k) => row(rows.length + k, r, `r${round}_`));
    const commits: number[] = [];
    for (let left = more; left > 0; ) {
      const size = Math.min(left, Math.floor(r() * PART_ROWS * 1.5) + 1);
      commits.push(size);
      left -= size;
    }
    await append(file, fresh, commits);
    rows.push(...fresh);
    if (existsSync(auditIndex) && r() < 0.4) {
      const bytes = readFileSync(auditIndex);
      if (r() < 0.5) truncateSync(auditIndex, Math.floor(bytes.length * r()));
      else {
        bytes[Math.floor(bytes.length * r())] ^= 0xff;
        writeFileSync(auditIndex, bytes);
      }
    }
    await readerAnswers(file, rows, round % 2 === 0);
  }
  await append(file, [], []);
  assert.ok((await indexedRows(file, rows.length)) > rows.length - PART_ROWS, 'a writer\'s open and close completes the index');
});

index('a writer appending part after part answers as a full rebuild, its values looked up in the parts it wrote', async () => {
  // Each part's many new entityIds (its job ids) leave the writer's map once written; after
  // more than eight parts their tables are merged. Old values (inc_0 to inc_299) recur throughout.
  const file = tempStore();
  const r = createRandom(3);
  const rows = Array.from({ length: 11 * PART_ROWS + 77 }, (_, i) => row(i, r));
  const store = await openStore(file, { autoCommit: false });
  await commitInParts(store, rows);
  assert.is(await indexedRows(file, rows.length), 11 * PART_ROWS);
  sameAnswers(store, rows);
  const byEntity = (all: AuditEntry[]) => {
    for (const id of ['inc_7', `job_${rows.length - 3}`, 'job_12']) {
      assert.equal(store.queryAudit({ entityId: id }).rows.map((e) => e.id), all.filter((e) => e.entityId === id).map((e) => e.id), id);
    }
  };
  byEntity(rows);
  // Rows appended after the first queries laid out each value's rows are found too.
  const more = Array.from({ length: 500 }, (_, i) => row(rows.length + i, r, 'more'));
  for (const entry of more) store.appendAudit(entry);
  sameAnswers(store, [...rows, ...more]);
  byEntity([...rows, ...more]);
  await store.close();
});

index('a writer lets go of the columns no query asked for once in the index file, and answers from it, or from the rows when it is gone', async () => {
  // Cheryl's query (agent and level) asked after every commit, as during a rehearsal: the
  // entity ids', actions' and workflows' columns are let go of part by part.
  for (const damage of ['none', 'removed', 'truncated'] as const) {
    const file = tempStore();
    const r = createRandom(5);
    const rows = Array.from({ length: 6 * PART_ROWS + 123 }, (_, i) => row(i, r));
    const store = await openStore(file, { autoCommit: false });
    await commitInParts(store, rows, (seen) => {
      const found = seen.filter((e) => e.meta?.agent === 'agent_2' && e.level === 'error');
      assert.equal(store.queryAudit({ agent: 'agent_2', level: 'error' }), { total: found.length, rows: found });
    });
    const files = storeFiles(file);
    if (damage === 'removed') writeFileSync(files.auditIndex, '');
    if (damage === 'truncated') truncateSync(files.auditIndex, Math.floor(statSync(files.auditIndex).size / 2));
    // A row appended but not committed yet, then the first queries on the other fields.
    const more = [row(rows.length, r, 'more')];
    store.appendAudit(more[0]);
    sameAnswers(store, [...rows, ...more]);
    await store.close();
  }
});

index.run();
