import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { JobRecord } from '../machines/types.js';
import { canonicalJson } from '../store/canonicalJson.js';
import { jsonErrorLine } from '../store/jsonErrorLine.js';
import { decodeState, StateEncoder } from '../store/stateFile.js';
import { rereadState } from '../store/stateLines.js';
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
const text = (parts: Array<string | Buffer>) => parts.map(String).join('');

const encoding = suite('store state encoding');

encoding('canonicalJson sorts keys at every depth and keeps array order', () => {
  assert.is(canonicalJson({ b: [{ d: 1, c: 2 }], a: undefined, c: { z: 1, y: null } }), '{"b":[{"c":2,"d":1}],"c":{"y":null,"z":1}}');
});

encoding('the encoded state decodes back to the same data', () => {
  const data = sample();
  const state = decodeState(text(new StateEncoder().encode(data, 12)), 'run.json', false);
  assert.is(state.auditCount, 12);
  assert.equal(state.meta, data.meta);
  assert.equal(state.tables, data.tables);
});

encoding('re-encoding after a change gives what a fresh encoder gives', () => {
  const data = sample();
  const encoder = new StateEncoder();
  encoder.encode(data, 0);
  data.tables.jobs.job_1500 = job('job_1500', { status: 'failed' });
  delete data.tables.jobs.job_3;
  data.tables.jobs.job_new = job('job_new');
  assert.is(text(encoder.encode(data, 1)), text(new StateEncoder().encode(data, 1)));
});

encoding.run();

const reread = suite('store state re-read');

reread('a follower re-read parses only changed lines and keeps unchanged rows as they were', () => {
  const data = sample();
  const encoder = new StateEncoder();
  const first = rereadState(text(encoder.encode(data, 0)), 'run.json', new Map());
  assert.ok(first, 'the writer layout is recognised');
  assert.equal(first.state.tables, data.tables);
  data.tables.jobs.job_9 = job('job_9', { status: 'running' });
  const second = rereadState(text(encoder.encode(data, 0)), 'run.json', first.rows);
  assert.ok(second);
  const [before, after] = [first.state.tables.jobs, second.state.tables.jobs];
  assert.is(after.job_8, before.job_8, 'unchanged row: same object');
  assert.is.not(after.job_9, before.job_9);
  assert.is(after.job_9.status, 'running');
  assert.equal(second.state.tables, data.tables);
});

reread('text in another layout, or with a bad row line, is left to the full decoder', () => {
  const data = sample();
  assert.is(rereadState(JSON.stringify(data, null, 2), 'run.json', new Map()), null);
  const lines = text(new StateEncoder().encode(data, 0)).split('\n');
  lines[5] = lines[5].slice(0, 30);
  const broken = lines.join('\n');
  assert.is(rereadState(broken, 'run.json', new Map()), null);
  assert.throws(() => decodeState(broken, 'run.json', true), /run\.json is not valid JSON \(line 6\): refusing to read it/);
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
