import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { EXIT, main } from '../sim/cli.js';
import { openStore, storeFiles, StoreError } from '../store/index.js';

/** A row of the wrong shape in a store file is refused as corrupt: file, table, row and field named. */

const SCENARIO = fileURLToPath(new URL('../scenarios/p0-database-down.yaml', import.meta.url));

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let [out, err] = ['', ''];
  const code = await main(argv, { out: (t) => void (out += t), err: (t) => void (err += t), interactive: false });
  return { code, out, err };
}

async function rehearsalStore(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'incident-flow-shape-'));
  const db = join(dir, 'store.json');
  assert.is((await cli('run', SCENARIO, '--db', db, '--out', dir)).code, EXIT.pass);
  return db;
}

const shape = suite('store rows of the wrong shape');

shape('report on a state row with severity {x:1} exits 2 naming the file, table and field, no stack', async () => {
  const db = await rehearsalStore();
  writeFileSync(db, readFileSync(db, 'utf8').replace(/"severity":"P0"/, '"severity":{"x":1}'));
  const report = await cli('report', '--db', db);
  assert.is(report.code, EXIT.invalid, report.err);
  assert.match(report.err, `${db} line `);
  assert.match(report.err, /tables\.incidents\["inc_[^"]+"\]\.severity: expected P0, P1, P2, P3 or null, got \{"x":1\}/);
  assert.not.match(report.err, /internal error|\n\s+at /);
});

shape('a journal row of the wrong type is refused too, naming the journal line', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'incident-flow-shape-'));
  const db = join(dir, 'run.json');
  const store = await openStore(db);
  store.put('jobs', { id: 'job_1', kind: null, agent: 'mailer', workflow: null, tenant: null, status: 'queued', attempts: 0, createdAt: 'c', updatedAt: 'u', error: null, incidentId: null });
  await store.flush();
  const { journal } = storeFiles(db);
  writeFileSync(journal, readFileSync(journal, 'utf8').replace('"attempts":0', '"attempts":"zero"'));
  const error = await openStore(db, { readonly: true }).then(() => null, (e: unknown) => e);
  assert.instance(error, StoreError);
  assert.is((error as StoreError).code, 'corrupt');
  assert.match((error as Error).message, /run\.state\.jsonl line 1: tables\.jobs\["job_1"\]\.attempts: expected a number, got "zero"/);
  await store.close().catch(() => undefined);
});

shape('rows an older build wrote without a newer field still open', async () => {
  const db = await rehearsalStore();
  writeFileSync(db, readFileSync(db, 'utf8').replace(/"attached":\d+,/g, ''));
  const reader = await openStore(db, { readonly: true });
  assert.ok(reader.list('incidents').length > 0);
  await reader.close();
});

shape.run();
