import { spawnSync } from 'node:child_process';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AuditEntry } from '../machines/types.js';
import { openStore, StoreError } from '../store/index.js';
import { bundleForNode } from './helpers/bundle.js';
import { crashedAppend } from './helpers/crashedAppend.js';

const audit = (i: number): AuditEntry => ({
  id: `aud_${i}`, ts: new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString(), actor: 'engine', entityType: 'incident',
  entityId: 'inc_1', action: 'incident.detected', level: 'info', message: `entry ${i}`, meta: {},
});
const jsonlOf = (file: string) => file.replace(/\.json$/, '.audit.jsonl');

/** A real store with `n` committed audit rows. */
async function storeWith(n: number): Promise<string> {
  const file = join(mkdtempSync(join(tmpdir(), 'incident-flow-recovery-')), 'run.json');
  const store = await openStore(file);
  for (let i = 0; i < n; i++) store.appendAudit(audit(i));
  store.put('tenants', { id: 'acme', admin: 'ops@acme.test' });
  await store.close();
  return file;
}
const snapshot = (file: string) => [file, jsonlOf(file)].map((f) => (existsSync(f) ? readFileSync(f) : null));

/** Opens, expecting a StoreError; checks both files are untouched and the lock released. */
async function refused(file: string, code: StoreError['code'], message: RegExp, culprit = file): Promise<void> {
  const before = snapshot(file);
  const error = await openStore(file).then(() => null, (e: unknown) => e);
  assert.instance(error, StoreError, 'expected a StoreError');
  assert.is((error as StoreError).code, code);
  assert.match((error as Error).message, message);
  assert.is((error as StoreError).file, culprit);
  const after = snapshot(file);
  assert.ok(before[0]?.equals(after[0]!), 'state file changed');
  assert.ok(before[1] === null ? after[1] === null : before[1].equals(after[1]!), 'audit file changed');
  assert.not.ok(existsSync(`${file}.lock`), 'lock left behind');
}

const refusals = suite('store refusals');

refusals('a state file that is not valid JSON is refused, naming the line, byte for byte kept', async () => {
  const file = await storeWith(2);
  writeFileSync(file, '{"schemaVersion":1,\n"auditCount":2,\n"meta":{"a":1,,\n"tables":{}}\n');
  await refused(file, 'corrupt', /run\.json is not valid JSON \(line 3\): refusing to open; the file is left as it is/);
});

refusals('the line is found when V8 gives no position ("Unexpected token")', async () => {
  const file = await storeWith(0);
  writeFileSync(file, '{"schemaVersion":1,\n"auditCount":0,\n"meta":{},\n"tables":}\n');
  await refused(file, 'corrupt', /run\.json is not valid JSON \(line 4\)/);
});

refusals('a truncated state file is refused', async () => {
  const file = await storeWith(3);
  writeFileSync(file, readFileSync(file).subarray(0, 40));
  await refused(file, 'corrupt', /run\.json is not valid JSON \(line 1\)/);
});

refusals('a newer schema version is refused', async () => {
  const file = await storeWith(1);
  writeFileSync(file, readFileSync(file, 'utf8').replace('"schemaVersion":2', '"schemaVersion":3'));
  await refused(file, 'newer-schema', /run\.json was written by a newer schema version 3; this build reads version 2/);
});

refusals('JSON that is not a store is refused', async () => {
  const file = await storeWith(1);
  writeFileSync(file, '[1,2,3]\n');
  await refused(file, 'corrupt', /run\.json is not an incident-flow store/);
  writeFileSync(file, '{"schemaVersion":1,"auditCount":-1,"meta":{},"tables":{}}\n');
  await refused(file, 'corrupt', /auditCount: expected a non-negative integer/);
});

refusals('a corrupt audit line the state covers is refused, naming the line', async () => {
  const file = await storeWith(3);
  const rows = readFileSync(jsonlOf(file), 'utf8').split('\n');
  rows[1] = rows[1].slice(0, 20) + 'garbage';
  writeFileSync(jsonlOf(file), rows.join('\n'));
  await refused(file, 'corrupt', /run\.audit\.jsonl is not valid JSON \(line 2\): refusing to open; the file is left as it is/, jsonlOf(file));
});

refusals('an audit log shorter than the state says is refused, not silently shortened', async () => {
  const file = await storeWith(3);
  const text = readFileSync(jsonlOf(file), 'utf8');
  writeFileSync(jsonlOf(file), text.slice(0, text.length - 10));
  await refused(file, 'corrupt', /run\.audit\.jsonl holds 2 complete audit rows where .*run\.json covers 3/, jsonlOf(file));
});

refusals.run();

const crash = suite('store crash recovery');

crash('a torn last audit line past auditCount is dropped on open', async () => {
  const file = await storeWith(3);
  const committed = readFileSync(jsonlOf(file));
  crashedAppend(file, '{"id":"aud_3","ts":"2026-01-01T0', 300);
  const store = await openStore(file);
  assert.is(store.auditCount(), 3);
  assert.ok(readFileSync(jsonlOf(file)).equals(committed), 'torn line not cut');
  store.appendAudit(audit(3));
  await store.close();
  const ids = readFileSync(jsonlOf(file), 'utf8').trim().split('\n').map((l) => JSON.parse(l).id);
  assert.equal(ids, ['aud_0', 'aud_1', 'aud_2', 'aud_3']);
});

// Found by a crash harness (SIGKILL at random moments): the writer that took over the dead
// writer's lock kept its note in memory only, so killed before the cut (the open reads the
// whole state file first), it left a lock without the note, and every later open refused
// the store as a state file older than its audit log.
crash('a writer killed before it cut a dead writer\'s torn append leaves it for the next writer, noted', async () => {
  const file = await storeWith(3);
  const committed = readFileSync(jsonlOf(file));
  crashedAppend(file, '{"id":"aud_3","ts":"2026-01-01T0');
  const bundle = await bundleForNode(new URL('./helpers/killedOpenChild.ts', import.meta.url));
  try {
    const killed = spawnSync(process.execPath, [bundle.file, file, 'truncate'], { encoding: 'utf8' });
    assert.is(killed.signal, 'SIGKILL', `the child was not killed at the cut: ${killed.stderr}`);
  } finally {
    bundle.remove();
  }
  const store = await openStore(file);
  assert.is(store.auditCount(), 3);
  assert.ok(readFileSync(jsonlOf(file)).equals(committed), 'torn line not cut');
  await store.close();
  assert.not.ok(existsSync(`${file}.lock`), 'lock left behind');
});

crash('an open that fails before the cut keeps the dead writer\'s note for the next open', async () => {
  const file = await storeWith(3);
  crashedAppend(file, '{"id":"aud_3","ts":"2026-01-01T0');
  const fsp = await import('node:fs/promises');
  const { syncBuiltinESMExports } = await import('node:module');
  const truncate = fsp.default.truncate;
  fsp.default.truncate = () => Promise.reject(Object.assign(new Error('EIO: i/o error, truncate'), { code: 'EIO' }));
  syncBuiltinESMExports();
  try {
    const error = await openStore(file).then(() => null, (e: unknown) => e);
    assert.instance(error, StoreError);
    assert.is((error as StoreError).code, 'io');
  } finally {
    fsp.default.truncate = truncate;
    syncBuiltinESMExports();
  }
  const store = await openStore(file);
  assert.is(store.auditCount(), 3);
  await store.close();
});

crash('complete audit rows of a commit whose state never landed are dropped, not duplicated', async () => {
  const file = await storeWith(2);
  const stray = [audit(2), audit(3)].map((r) => JSON.stringify(r) + '\n').join('');
  crashedAppend(file, stray);
  const reader = await openStore(file, { readonly: true });
  assert.is(reader.auditCount(), 2, 'a reader ignores rows past auditCount');
  assert.ok(readFileSync(jsonlOf(file), 'utf8').endsWith(stray), 'a reader cuts nothing');
  const store = await openStore(file);
  assert.is(store.auditCount(), 2);
  store.appendAudit(audit(2));
  await store.close();
  const ids = readFileSync(jsonlOf(file), 'utf8').trim().split('\n').map((l) => JSON.parse(l).id);
  assert.equal(ids, ['aud_0', 'aud_1', 'aud_2']);
});

crash('a state file older than its audit log (a restored backup) is refused, naming both files; no audit row is cut', async () => {
  const file = await storeWith(3);
  const backup = readFileSync(file);
  const store = await openStore(file);
  for (let i = 3; i < 29; i++) store.appendAudit(audit(i));
  await store.close();
  writeFileSync(file, backup); // the backup covers 3 rows; the log holds 29
  const log = readFileSync(jsonlOf(file));
  await refused(file, 'corrupt', /run\.audit\.jsonl holds audit rows past the first 3 that .*run\.json covers .*older than its audit log .*Restore the .*run\.json .*head -n 3/);
  assert.ok(readFileSync(jsonlOf(file)).equals(log), 'the audit log was cut');
  const reader = await openStore(file, { readonly: true });
  assert.is(reader.auditCount(), 3, 'it still reads, as far as the state goes');
  await reader.close();
});

crash('rows past the state are refused when the crashed writer noted another append, or none', async () => {
  const file = await storeWith(2);
  const stray = JSON.stringify(audit(2)) + '\n';
  crashedAppend(file, stray, 5); // noted 5 bytes, wrote more: not that append
  await refused(file, 'corrupt', /older than its audit log/);
});

crash('audit rows without a state file are refused and kept: a new store writes its state first', async () => {
  const file = await storeWith(0);
  const line = JSON.stringify(audit(0)) + '\n';
  writeFileSync(jsonlOf(file), line);
  const { rmSync } = await import('node:fs');
  rmSync(file);
  await openStore(file).then(
    () => assert.unreachable('opened a store whose state file is missing'),
    (error: unknown) => {
      assert.instance(error, StoreError);
      assert.match((error as Error).message, 'is missing: refusing to open');
    },
  );
  assert.is(readFileSync(jsonlOf(file), 'utf8'), line, 'the audit rows are left as they were');
});

crash('the first commit of a new store lands its state file before any audit line', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'if-first-'));
  const file = join(dir, 'new.json');
  const store = await openStore(file);
  store.appendAudit(audit(0));
  await store.flush();
  await store.close();
  assert.ok(existsSync(file));
  const again = await openStore(file);
  assert.is(again.auditCount(), 1);
  await again.close();
});

crash.run();
