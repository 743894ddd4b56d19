import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdtempSync, readFileSync, renameSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { incidentRow } from '../bench/store.js';
import type { DecisionRecord, IncidentRecord, JobRecord } from '../machines/types.js';
import { GLANCED, openStore, storeFiles, TABLE_NAMES } from '../store/index.js';
import type { Store, StoreChange, TableName } from '../store/index.js';
import { glanceOf, glanceValues } from '../store/rowGlance.js';
import { crc32 } from '../store/crc32.js';
import { decodeStateIndex, STATE_INDEX_FLOOR, StateIndexBuilder } from '../store/stateIndexFile.js';
import { ownIndex } from '../store/stateIndexRead.js';
import { summarize } from '../watcher/queries.js';

// The state index file (`X.state.idx`) lets a read-only open keep the rows that are done
// with as where they are in the state file, their glanced fields from the index. A reader
// opened through it must answer as one that parsed every row; how the tests tell which way a
// reader opened: `glance` gives a closed incident whole when its row was parsed, and only its
// glanced fields (no `policy`) when it came from the index.

const N = 1200;
const tempStore = () => join(mkdtempSync(join(tmpdir(), 'incident-flow-state-idx-')), 'run.json');

/** Incident i: one in ten still open, the rest closed; severities, agents and tenants mixed. */
function incident(i: number, over: Partial<IncidentRecord> = {}): IncidentRecord {
  const row = incidentRow(i);
  const open = i % 10 === 0;
  const severity = (['P0', 'P1', 'P2', 'P3'] as const)[i % 4];
  return { ...row, severity, status: open ? 'triaged' : 'closed', closedAt: open ? null : row.detectedAt, resolvedAt: open ? null : row.detectedAt, tenant: i % 7 ? row.tenant : null, ...over };
}
const job = (i: number): JobRecord => ({
  id: `job_${i}`, kind: null, agent: `agent_${i % 40}`, workflow: null, tenant: null, status: i % 5 ? 'succeeded' : 'running', attempts: 1,
  createdAt: '2026-01-01T00:00:00.000Z', updatedAt: '2026-01-01T00:00:00.000Z', error: null, incidentId: i % 3 ? `inc_${i}` : null,
});
const decision = (i: number): DecisionRecord => ({
  id: `dec_${i}`, incidentId: `inc_${i * 10}`, action: 'rollback', status: i % 2 ? 'approved' : 'pending', requestedAt: '2026-01-01T00:00:00.000Z',
  answeredAt: null, by: null, timeoutAt: '2026-01-01T00:15:00.000Z',
});

async function writeStore(file: string): Promise<void> {
  const store = await openStore(file);
  for (let i = 0; i < N; i++) {
    store.put('incidents', incident(i));
    store.put('jobs', job(i));
    if (i % 10 === 0) store.put('decisions', decision(i / 10));
  }
  // A missing field and a field holding null are told apart through the index too.
  const { tenant: _, ...noTenant } = incident(N);
  store.put('incidents', noTenant as IncidentRecord);
  await store.close();
}

/** Whether a reader kept a closed incident on disk with its glanced fields (it opened through the index). */
const throughIndex = (store: Store) => !('policy' in (store.glance?.('incidents').find((i) => i.status === 'closed') ?? { policy: 1 }));

/** Everything a reader is asked by the watcher, the reports and the tests, as one value to compare. */
function answers(store: Store) {
  const out: Record<string, unknown> = {};
  for (const table of TABLE_NAMES) out[table] = store.list(table);
  out.filters = [
    store.list('incidents', { status: 'closed' }).map((i) => i.id),
    store.list('incidents', { agent: 'agent_3', closedAt: null }).map((i) => i.id),
    store.list('incidents', { tenant: null }).map((i) => i.id),
    store.list('incidents', { severity: 'P1' }, { last: 5 }).map((i) => i.id),
    store.list('jobs', { incidentId: 'inc_4' }).map((j) => j.id),
    store.list('jobs', { incidentId: null }, { last: 3 }).map((j) => j.id),
    store.list('decisions', { status: 'pending' }).map((d) => d.id),
    store.list('kb_documents', { incidentId: 'inc_1' }),
  ];
  out.gets = ['inc_0', 'inc_7', `inc_${N}`, 'inc_missing', 'job_5'].map((id) => store.get(id.startsWith('job') ? 'jobs' : 'incidents', id));
  // The glances, reduced to what GLANCED names, and the watcher's list rows made of them.
  const glances: Record<string, unknown> = {};
  for (const table of Object.keys(GLANCED) as TableName[]) glances[table] = store.glance?.(table).map((row) => glanceValues(table, row as unknown as Record<string, unknown>));
  out.glances = glances;
  out.summaries = store.glance?.('incidents').map(summarize);
  return out;
}

async function readerAnswers(file: string): Promise<{ answers: unknown; indexed: boolean }> {
  const reader = await openStore(file, { readonly: true });
  try {
    return { answers: answers(reader), indexed: throughIndex(reader) };
  } finally {
    await reader.close();
  }
}

/** What a reader answers with the index file moved away: every row parsed. */
async function parsedAnswers(file: string): Promise<unknown> {
  const { stateIndex } = storeFiles(file);
  renameSync(stateIndex, `${stateIndex}.aside`);
  try {
    const read = await readerAnswers(file);
    assert.not.ok(read.indexed, 'without its index file, a reader parses every row');
    return read.answers;
  } finally {
    renameSync(`${stateIndex}.aside`, stateIndex);
  }
}

/**
 * The two readers' answers are the same: compared as JSON text, and on a difference the
 * first place they part is shown (a diff of answers this big would take uvu minutes).
 */
function sameAnswers(actual: unknown, expected: unknown, what: string): void {
  const [a, b] = [JSON.stringify(actual), JSON.stringify(expected)];
  let at = 0;
  while (at < a.length && a[at] === b[at]) at++;
  assert.ok(a === b, `${what}: the answers part at character ${at}: …${a.slice(Math.max(0, at - 120), at + 80)}… against …${b.slice(Math.max(0, at - 120), at + 80)}…`);
}

const index = suite('store state index file');

index('a writer leaves the index beside a big state file, none beside a small one', async () => {
  const small = tempStore();
  const store = await openStore(small);
  store.put('incidents', incident(1));
  await store.close();
  assert.not.ok(existsSync(storeFiles(small).stateIndex), 'a small state file is parsed whole');
  const file = tempStore();
  await writeStore(file);
  assert.ok(statSync(file).size >= STATE_INDEX_FLOOR, 'the test store is big enough to get an index');
  assert.ok(existsSync(storeFiles(file).stateIndex));
});

index('a glance made from the index has each GLANCED field, in order, with its value', () => {
  for (const [table, fields] of Object.entries(GLANCED) as Array<[TableName, readonly string[]]>) {
    const glance = glanceOf(table, 'row_1', { locate: () => 0, value: (k, f) => `${k}:${f}` }, 7);
    assert.equal(glance, Object.fromEntries([['id', 'row_1'], ...fields.map((field, f) => [field, `7:${f}`])]), table);
  }
});

index('a reader opened through the index answers as one that parsed every row', async () => {
  const file = tempStore();
  await writeStore(file);
  const read = await readerAnswers(file);
  assert.ok(read.indexed, 'the reader kept the closed incidents on disk');
  sameAnswers(read.answers, await parsedAnswers(file), 'through the index');
  // A writer reads every row itself (and is not told otherwise by the index).
  const writer = await openStore(file);
  sameAnswers(answers(writer).filters, (read.answers as { filters: unknown }).filters, 'the writer');
  await writer.close();
});

index('a writer\'s second fold takes the glances of the rows it keeps on disk from its first fold\'s index', async () => {
  const file = tempStore();
  const store = await openStore(file);
  // Over 4 MB at the first commit of a new store: the commit rewrites the state file (a fold),
  // and the closed incidents are kept on disk from then on.
  for (let i = 0; i < 4 * N; i++) store.put('incidents', incident(i));
  await store.flush();
  const first = readFileSync(storeFiles(file).stateIndex);
  store.put('incidents', incident(5, { agent: 'agent_moved' }));
  store.remove('incidents', 'inc_6');
  await store.close();
  assert.not.ok(readFileSync(storeFiles(file).stateIndex).equals(first), 'the close folded the journal in and wrote a new index');
  const read = await readerAnswers(file);
  assert.ok(read.indexed);
  sameAnswers(read.answers, await parsedAnswers(file), 'through the index');
});

index('a stale, truncated or tampered index is refused: the reader parses the state file', async () => {
  const file = tempStore();
  await writeStore(file);
  const { stateIndex } = storeFiles(file);
  const good = readFileSync(stateIndex);
  const refused = async (what: string) => {
    const read = await readerAnswers(file);
    assert.not.ok(read.indexed, `${what}: the index was trusted`);
    sameAnswers(read.answers, await parsedAnswers(file), what);
  };
  truncateSync(stateIndex, Math.floor(good.length * 0.6));
  await refused('truncated');
  const flipped = Buffer.from(good);
  flipped[Math.floor(good.length / 2)] ^= 0x01;
  writeFileSync(stateIndex, flipped);
  await refused('a byte changed');
  writeFileSync(stateIndex, Buffer.from('not an index at all\n'));
  await refused('not an index');
  // Stale: the state file moved on (a writer without the index, or an older build, rewrote it).
  writeFileSync(stateIndex, good);
  const writer = await openStore(file);
  writer.put('incidents', incident(3, { status: 'triaged', closedAt: null }));
  await writer.close();
  writeFileSync(stateIndex, good);
  await refused('stale');
  const after = await openStore(file, { readonly: true });
  assert.is(after.get('incidents', 'inc_3')?.status, 'triaged', 'the row as the state file has it now');
  await after.close();
  // The state file edited by hand, its length kept: its CRC no longer matches the index's.
  const fresh = tempStore();
  await writeStore(fresh);
  const lines = readFileSync(fresh, 'utf8').split('\n');
  const at = lines.findIndex((line) => line.startsWith('"inc_9":'));
  lines[at] = lines[at].replace('"agent":"agent_9"', '"agent":"agent_X"');
  writeFileSync(fresh, lines.join('\n'));
  const edited = await readerAnswers(fresh);
  assert.not.ok(edited.indexed, 'an edited state file: the index was trusted');
  const reader = await openStore(fresh, { readonly: true });
  assert.is(reader.get('incidents', 'inc_9')?.agent, 'agent_X', 'the edit is read from the state file');
  assert.equal(reader.list('incidents', { agent: 'agent_X' }).map((i) => i.id), ['inc_9']);
  await reader.close();
});

index('a follower reads the writer\'s commits and rewrites, told only the rows that changed', async () => {
  for (const withIndex of [true, false]) {
    const file = tempStore();
    await writeStore(file);
    const reader = await openStore(file, { readonly: true });
    assert.ok(throughIndex(reader));
    const changes: StoreChange[] = [];
    reader.subscribe((change) => changes.push(change));
    const writer = await openStore(file);
    writer.put('incidents', incident(11, { status: 'closed', agent: 'agent_moved' }));
    writer.remove('incidents', 'inc_12');
    writer.put('incidents', incident(N + 1));
    await writer.flush();
    await reader.refresh();
    const told = (k: number) => changes[k].rows.map((r) => `${r.table}:${r.id}:${r.row === null ? 'gone' : 'row'}`).sort();
    assert.equal(told(0), ['incidents:inc_11:row', 'incidents:inc_12:gone', `incidents:inc_${N + 1}:row`].sort());
    // A reader opened now: the state file through its index, the writer's journal on top.
    const opened = await readerAnswers(file);
    assert.ok(opened.indexed);
    sameAnswers(answers(reader), opened.answers, 'the follower against a reader opened with the journal');
    // The close folds the journal in: a new state file (and index) with every row at a new place.
    writer.put('incidents', incident(13, { agent: 'agent_moved' }));
    await writer.close();
    if (!withIndex) renameSync(storeFiles(file).stateIndex, `${storeFiles(file).stateIndex}.aside`);
    await reader.refresh();
    assert.equal(told(1), ['incidents:inc_13:row'], `${withIndex ? 'through the index' : 'parsed'}: only the changed row`);
    assert.equal(reader.list('incidents', { agent: 'agent_moved' }).map((i) => i.id), ['inc_11', 'inc_13']);
    sameAnswers(answers(reader), (await readerAnswers(file)).answers, 'the follower against a reader opened now');
    await reader.close();
  }
});

index('an index of tables longer than a run of its columns reads back as the writer was fed it', async () => {
  // The writer encodes a table's columns 8,192 elements at a time: 20,000 rows cross two joins.
  const rows = 20_000;
  const builder = new StateIndexBuilder();
  builder.sum(Buffer.alloc(Math.max(STATE_INDEX_FLOOR, 100 * rows), 0x20));
  const glance = (k: number): unknown[] => ['jobs', `agent_${k % 7}`, k % 3 ? 'succeeded' : ['odd', { k: k % 5 }]];
  for (let k = 0; k < rows; k++) builder.row(0, 'jobs', `job_${k}`, `"job_${k}":{}`, 100 * k, 2, k % 4 > 0, () => glance(k));
  const file = join(mkdtempSync(join(tmpdir(), 'incident-flow-state-idx-')), 'run.state.idx');
  assert.ok(await builder.write(file, 7));
  const read = decodeStateIndex(readFileSync(file));
  assert.ok(read, 'the index holds up');
  const [table] = read.tables;
  assert.equal([read.generation, read.tables.length, table.name, table.ids.length], [7, 1, 'jobs', rows]);
  assert.equal(table.ids[rows - 1], `job_${rows - 1}`);
  assert.equal(table.at[8192], 819_200);
  assert.equal(table.open.length, rows / 4);
  for (const k of [0, 8191, 8192, 16_384, rows - 1]) assert.equal(table.codes.map((column) => table.values[column[k]]), glance(k), `row ${k}`);
});

index('the index file is its tables as JSON, whatever row counts the builder was told', async () => {
  // Ids long enough that their text crosses the builder's 1 MB buffers; told the rows'
  // count, told too few (grown past it), told none.
  const rows = 60_000;
  const id = (k: number) => `job_${k}_${'x'.repeat(16)}`;
  const line = (k: number) => `"${id(k)}":{"id":"${id(k)}","k":${k}}`;
  // A run of 8,192 of the third field's values is text longer than the writer's buffer.
  const glance = (k: number): unknown[] => ['jobs', `agent_${k % 7}`, `${'y'.repeat(48)} ${k}`];
  const expected = {
    name: 'jobs',
    ids: Array.from({ length: rows }, (_, k) => id(k)),
    at: Array.from({ length: rows }, (_, k) => 100 * k),
    length: Array.from({ length: rows }, (_, k) => line(k).length - id(k).length - 3),
    crc: Array.from({ length: rows }, (_, k) => crc32(Buffer.from(line(k))) >>> 0),
    open: Array.from({ length: rows / 4 }, (_, k) => 4 * k),
    values: [] as unknown[],
    codes: [[], [], []] as number[][],
  };
  const numbered = [new Map<unknown, number>(), new Map<unknown, number>(), new Map<unknown, number>()];
  for (let k = 0; k < rows; k++) {
    glance(k).forEach((value, f) => {
      if (!numbered[f].has(value)) numbered[f].set(value, expected.values.push(value) - 1);
      expected.codes[f].push(numbered[f].get(value) as number);
    });
  }
  const dir = mkdtempSync(join(tmpdir(), 'incident-flow-state-idx-'));
  const written: Buffer[] = [];
  for (const sizes of [[rows], [10], []]) {
    const builder = new StateIndexBuilder(sizes);
    builder.sum(Buffer.alloc(100 * rows, 0x20));
    for (let k = 0; k < rows; k++) builder.row(0, 'jobs', id(k), line(k), 100 * k, line(k).length - id(k).length - 3, k % 4 > 0, () => glance(k));
    const file = join(dir, `run${sizes.length ? sizes[0] : ''}.state.idx`);
    assert.ok(await builder.write(file, 3));
    written.push(readFileSync(file));
  }
  const [head, table, tail] = written[0].toString().split('\n');
  assert.equal(JSON.parse(head), { stateIndex: 1, generation: 3, stateBytes: 100 * rows, stateCrc: crc32(Buffer.alloc(100 * rows, 0x20)) >>> 0 });
  assert.is(table, JSON.stringify(expected));
  assert.is(tail, `{"crc":${crc32(written[0].subarray(0, head.length + table.length + 2)) >>> 0}}`);
  assert.ok(written.every((bytes) => bytes.equals(written[0])), 'the same bytes, told the row count or not');
  assert.ok(decodeStateIndex(written[0]));
});

index('a writer reads its own index back a chunk at a time, its values as text: an index built again from it is the same bytes; none from a file that is not the one written', async () => {
  // Three tables across the reader's 1 MB chunks: jobs and incidents glanced, notifications not;
  // ids and values with quotes, backslashes, brackets and non-ASCII text in them.
  const rows = 30_000;
  const tables: Array<[string, (k: number) => unknown[] | null]> = [
    ['jobs', (k) => [k % 3 ? `inc_${k}` : null, `agent_"${k % 7}\\`, k % 2 ? 'succeeded' : ['odd]', { k: `{${k % 5}` }]]],
    ['notifications', () => null],
    ['incidents', (k) => Array.from({ length: GLANCED.incidents?.length ?? 0 }, (_, f) => (f === 3 ? `é ${k % 11}` : f === 8 ? `t${k}` : f === 9 ? {} : f % 4))],
  ];
  const dir = mkdtempSync(join(tmpdir(), 'incident-flow-state-idx-'));
  // The same rows, their glances given as values or taken from the index read back.
  const build = async (file: string, glance: (name: string, k: number, at: number) => ReturnType<Parameters<StateIndexBuilder['row']>[7]>) => {
    const builder = new StateIndexBuilder();
    builder.sum(Buffer.alloc(100 * 3 * rows, 0x20));
    tables.forEach(([name], t) => {
      for (let k = 0; k < rows; k++) builder.row(t, name, `${name}_"${k}\\ü`, `"x${k}":{}`, 100 * (t * rows + k), 2, k % 4 > 0, () => glance(name, k, 100 * (t * rows + k)));
    });
    return builder.write(join(dir, file), 5);
  };
  const glances = Object.fromEntries(tables);
  const stamp = await build('first.state.idx', (name, k) => glances[name](k));
  assert.ok(stamp);
  const file = join(dir, 'first.state.idx');
  const read = await ownIndex(file, stamp);
  assert.ok(read, 'read back');
  const decoded = decodeStateIndex(readFileSync(file));
  for (const table of decoded?.tables ?? []) {
    for (const k of [0, 1, 8191, 8192, rows - 1]) {
      const prior = read.encoded(table.name, table.at[k]);
      const texts = prior?.table.codes.map((column) => JSON.parse(prior.table.values.text(column[prior.k])) as unknown);
      assert.equal(texts, table.codes.length ? table.codes.map((column) => table.values[column[k]]) : undefined, `${table.name} row ${k}`);
    }
  }
  assert.is(read.encoded('jobs', 17), undefined, 'no row there');
  assert.ok(await build('again.state.idx', (name, k, at) => read.encoded(name, at) ?? glances[name](k)));
  assert.ok(readFileSync(join(dir, 'again.state.idx')).equals(readFileSync(file)), 'the same bytes');
  // Another state file's stamp, a changed byte, a cut file, no file: nothing read back.
  const bytes = readFileSync(file);
  assert.is(await ownIndex(file, { ...stamp, generation: 6 }), null);
  const changed = Buffer.from(bytes);
  changed[bytes.length >> 1] ^= 1;
  for (const other of [changed, bytes.subarray(0, bytes.length - 3), bytes.subarray(0, bytes.length >> 1)]) {
    writeFileSync(file, other);
    assert.is(await ownIndex(file, stamp), null);
  }
  assert.is(await ownIndex(`${file}.none`, stamp), null);
});

index.run();
