import { spawnSync } from 'node:child_process';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { copyFileSync, fstatSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AuditEntry, JobRecord } from '../machines/types.js';
import { openStore, StoreError, storeFiles } from '../store/index.js';

// A rewrite renames its new state file over the old one, then fsyncs the directory. When
// that fsync fails, the rename is visible, but after a power loss either file may be there.

const job = (i: number, error: string): JobRecord => ({
  id: `job_${i}`, kind: null, agent: 'mailer', workflow: null, tenant: null, status: 'succeeded', attempts: 1,
  createdAt: '2026-01-01T00:00:00.000Z', updatedAt: '2026-01-01T00:00:00.000Z', error, incidentId: null,
});
const big = (i: number) => job(i, `${i} ${'x'.repeat(2000)}`);
const small = (i: number) => job(i, `${i} again`);
const entry = (i: number): AuditEntry => ({ id: `aud_${i}`, ts: '2026-01-01T00:00:00.000Z', actor: 'engine', entityType: 'job', entityId: `job_${i}`, action: 'job.done', level: 'info', message: `commit ${i}`, meta: {} });
const tempDir = () => mkdtempSync(join(tmpdir(), 'incident-flow-dirsync-'));

/** Makes the next `times` fsyncs of a directory fail (EIO), as a failing disk would; returns the undo and the count. */
async function failDirSyncs(times: number): Promise<{ undo: () => void; failed: () => number }> {
  const probe = await open(tmpdir(), 'r');
  const proto = Object.getPrototypeOf(probe) as { sync: FileHandle['sync'] };
  await probe.close();
  const original = proto.sync;
  let failed = 0;
  proto.sync = function (this: FileHandle) {
    if (failed < times && fstatSync(this.fd).isDirectory()) {
      failed++;
      return Promise.reject(Object.assign(new Error('EIO: i/o error, fsync'), { code: 'EIO' }));
    }
    return original.call(this);
  };
  return { undo: () => void (proto.sync = original), failed: () => failed };
}

/** A pid no process has: one that has exited. */
const deadPid = spawnSync(process.execPath, ['-e', '']).pid;

/**
 * The store's files as a crash of its writer would leave them, in a folder of their own,
 * with `state` in place of the state file: its lock names a dead process, and keeps the
 * write it noted.
 */
function crashImage(file: string, state: Buffer = readFileSync(file)): string {
  const copy = join(tempDir(), 'run.json');
  const [from, to] = [storeFiles(file), storeFiles(copy)];
  writeFileSync(copy, state);
  copyFileSync(from.journal, to.journal);
  copyFileSync(from.audit, to.audit);
  writeFileSync(to.lock, readFileSync(from.lock, 'utf8').replace(/^[^\n]*/, String(deadPid)));
  return copy;
}

/** Opens `file` (as a writer, then read-only) and returns its jobs and audit ids. */
async function contents(file: string): Promise<{ jobs: JobRecord[]; audit: string[] }> {
  const writer = await openStore(file);
  await writer.close();
  const store = await openStore(file, { readonly: true });
  const found = { jobs: store.list('jobs'), audit: store.queryAudit().rows.map((row) => row.id) };
  await store.close();
  return found;
}

const dirSync = suite('store: a directory fsync that fails after a rewrite');

for (const failures of [1, 2]) {
  dirSync(`${failures} failed: every commit reported done survives a crash and a power loss, none applied twice`, async () => {
    const file = join(tempDir(), 'run.json');
    const store = await openStore(file, { autoCommit: false });
    for (let i = 0; i < 1000; i++) store.put('jobs', big(i)); // in the journal (about 2 MB)
    store.appendAudit(entry(0));
    await store.flush();
    const before = readFileSync(file); // the state file the journal applies on
    const sync = await failDirSyncs(failures);
    try {
      for (let i = 1000; i < 2300; i++) store.put('jobs', big(i)); // the journal outgrows its floor: a rewrite
      store.appendAudit(entry(1));
      for (let k = 0; k < failures; k++) {
        const error = await store.flush().then(() => null, (e: unknown) => e);
        assert.instance(error, StoreError, `flush ${k + 1} failed`);
        assert.match((error as Error).message, /directory/);
      }
    } finally {
      sync.undo();
    }
    assert.is(sync.failed(), failures);
    // A power loss now may undo the rename: the old state file and the journal it needs.
    const lost = await contents(crashImage(file, before));
    assert.equal(lost.jobs, Array.from({ length: 1000 }, (_, i) => big(i)));
    assert.equal(lost.audit, ['aud_0']);

    // Changed again before the retry, so that the retry is small enough for the journal.
    for (let i = 1000; i < 2300; i++) store.put('jobs', small(i));
    store.appendAudit(entry(2));
    await store.flush();
    store.put('jobs', small(2300));
    store.appendAudit(entry(3));
    await store.flush();
    const expected = Array.from({ length: 2301 }, (_, i) => (i < 1000 ? big(i) : small(i)));
    assert.equal(store.list('jobs'), expected);
    const crashed = await contents(crashImage(file));
    assert.equal(crashed.jobs, expected, 'the commits after the failed one are there');
    assert.equal(crashed.audit, ['aud_0', 'aud_1', 'aud_2', 'aud_3']);
    await store.close();
    assert.equal(await contents(file), crashed);
  });
}

dirSync.run();
