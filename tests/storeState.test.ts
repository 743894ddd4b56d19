import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { JobRecord } from '../machines/types.js';
import { canonicalJson } from '../store/canonicalJson.js';
import { jsonErrorLine } from '../store/jsonErrorLine.js';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { captureState, decodeState, encodeState } from '../store/stateFile.js';
import { readStateFile } from '../store/stateLines.js';
import { StateLineCursor } from '../store/stateLineCursor.js';
import { emptyStoreData } from '../store/storeFiles.js';
import type { StoreData } from '../store/types.js';

const job = (id: string, over: Partial<JobRecord> = {}): JobRecord => ({
  id, kind: null, agent: 'mailer', workflow: null, tenant: null, status: 'queued', attempts: 0,
  createdAt: 'c', updatedAt: 'u', error: null, incidentId: null, ...over,
});
function sample(): StoreData {
  const data = emptyStoreData();
  data.meta = { seed: 7, scenario: 'db "down"\nagain' };
  for (let i = 0; i < 2500; i++) data.tables.jobs[`job_${i}`] = job(`job_${i}`, { attempts: i });
  data.tables.tenants.acme = { id: 'acme', admin: 'ops@acme.test' };
  return data;
}
async function collect(parts: AsyncIterable<Buffer>): Promise<string> {
  const out: Buffer[] = [];
  // A part is valid until the next is asked for (encodeState fills one buffer again).
  for await (const part of parts) out.push(Buffer.from(part));
  return Buffer.concat(out).toString('utf8');
}
const text = (data: StoreData, generation = 1, auditCount = 0) => collect(encodeState(captureState(data.tables, data.meta, generation, auditCount)));
/** Reads `content` as a state file the way a store does, line by line. */
async function readAs(content: string, previous?: StoreData['tables']) {
  const file = join(mkdtempSync(join(tmpdir(), 'incident-flow-state-')), 'run.json');
  writeFileSync(file, content);
  const handle = await open(file, 'r');
  try {
    return await readStateFile(handle, 'run.json', true, previous);
  } finally {
    await handle.close();
  }
}

const encoding = suite('store state encoding');

encoding('canonicalJson sorts keys at every depth and keeps array order', () => {
  assert.is(canonicalJson({ b: [{ d: 1, c: 2 }], a: undefined, c: { z: 1, y: null } }), '{"b":[{"c":2,"d":1}],"c":{"y":null,"z":1}}');
});

encoding('the encoded state decodes back to the same data, one row per line', async () => {
  const data = sample();
  const encoded = await text(data, 4, 12);
  const state = decodeState(encoded, 'run.json', false);
  assert.equal([state.schemaVersion, state.generation, state.auditCount], [2, 4, 12]);
  assert.equal(state.meta, data.meta);
  assert.equal(state.tables, data.tables);
  // The header, a line per table, per row (2,500 jobs, 1 tenant), a close per non-empty table, the end, '' after it.
  assert.is(encoded.split('\n').length, 1 + 11 + 2501 + 2 + 1 + 1);
});

encoding('the image is taken when captured: later changes are not written', async () => {
  const data = sample();
  const image = captureState(data.tables, data.meta, 1, 0);
  data.tables.jobs.job_7 = job('job_7', { status: 'failed' });
  delete data.tables.jobs.job_8;
  const state = decodeState(await collect(encodeState(image)), 'run.json', false);
  assert.is(state.tables.jobs.job_7.status, 'queued');
  assert.ok(state.tables.jobs.job_8);
});

encoding('a version-1 file (no generation) reads as generation 0; a version-2 file needs one', () => {
  assert.is(decodeState('{"schemaVersion":1,"auditCount":0,"meta":{},"tables":{}}', 'run.json', false).generation, 0);
  assert.throws(() => decodeState('{"schemaVersion":2,"auditCount":0,"meta":{},"tables":{}}', 'run.json', false), /run\.json generation: expected a non-negative integer/);
});

encoding('the line cursor hands out each row line as the file has it, across its reads and a line longer than its buffer', async () => {
  const data = sample();
  // About 7 MB: past the cursor's 4 MB reads, with a row of 5 MB between smaller ones.
  for (let i = 0; i < 1000; i++) data.tables.jobs[`job_${i}`] = job(`job_${i}`, { error: `${i}`.padEnd(2000, 'x') });
  data.tables.jobs.job_1500 = job('job_1500', { error: 'é'.repeat(2_500_000) });
  const content = await text(data);
  const file = join(mkdtempSync(join(tmpdir(), 'incident-flow-state-')), 'run.json');
  writeFileSync(file, content);
  const cursor = await StateLineCursor.open(file, () => false);
  const lines: string[] = [];
  try {
    for (const [name, rows] of Object.entries(data.tables)) {
      for (const id in rows) lines.push((await cursor!.line(name, id))?.toString('utf8') ?? 'none');
    }
  } finally {
    await cursor!.close();
  }
  const expected = Object.entries(data.tables).flatMap(([, rows]) => Object.entries(rows).map(([id, row]) => `${JSON.stringify(id)}:${canonicalJson(row)}`));
  assert.is(lines.length, 2501);
  assert.ok(lines.every((line, i) => line === expected[i]), 'a line differs');
});

encoding.run();

const reread = suite('store state read line by line');

reread('the line reader gives what the whole-text decoder gives', async () => {
  const data = sample();
  const encoded = await text(data, 3, 9);
  assert.equal(await readAs(encoded), decodeState(encoded, 'run.json', true));
});

reread('a re-read keeps the objects of rows whose line did not change', async () => {
  const data = sample();
  const first = await readAs(await text(data));
  data.tables.jobs.job_9 = job('job_9', { status: 'running' });
  const second = await readAs(await text(data), first.tables);
  assert.is(second.tables.jobs.job_8, first.tables.jobs.job_8, 'unchanged row: same object');
  assert.is.not(second.tables.jobs.job_9, first.tables.jobs.job_9);
  assert.equal(second.tables, data.tables);
});

reread('row keys with escapes, quotes and non-ASCII read back as the whole-text decoder reads them', async () => {
  const data = sample();
  for (const id of ['a "quoted" id', 'back\\slash', 'tab\there', 'caf\u00e9 \u{1F600}', 'x'.repeat(40)]) data.tables.jobs[id] = job(id);
  const encoded = await text(data);
  const read = await readAs(encoded);
  assert.equal(read, decodeState(encoded, 'run.json', true));
  assert.equal(Object.keys(read.tables.jobs).slice(-5), ['a "quoted" id', 'back\\slash', 'tab\there', 'caf\u00e9 \u{1F600}', 'x'.repeat(40)]);
  // A raw control character in a key is not JSON: the line is out of the layout and the
  // whole-text decoder refuses the file, as before the plain-key shortcut.
  const raw = encoded.replace('"job_3":{', '"job\t3":{');
  assert.not.equal(raw, encoded);
  await readAs(raw).then(
    () => assert.unreachable('read a key with a raw tab'),
    (error: Error) => assert.match(error.message, /run\.json is not valid JSON/),
  );
});

reread('text in another layout is decoded whole; a bad row line is named', async () => {
  const data = sample();
  const pretty = JSON.stringify({ schemaVersion: 2, generation: 1, auditCount: 0, meta: data.meta, tables: data.tables }, null, 2);
  assert.equal((await readAs(pretty)).tables, data.tables);
  const lines = (await text(data)).split('\n');
  lines[5] = lines[5].slice(0, 30);
  await readAs(lines.join('\n')).then(
    () => assert.unreachable('read a broken state file'),
    (error: Error) => assert.match(error.message, /run\.json is not valid JSON \(line 6\): refusing to read it/),
  );
});

reread('jsonErrorLine finds the line with or without a position from V8', () => {
  const cases: Array<[string, number]> = [['{\n"a":1,\n"b":}', 3], ['{\n"a":1,,\n}', 2], ['{"a":\n', 2], ['{}\nx', 2]];
  for (const [input, line] of cases) {
    try {
      JSON.parse(input);
      assert.unreachable();
    } catch (error) {
      assert.is(jsonErrorLine(input, error), line, input);
    }
  }
});

reread.run();
