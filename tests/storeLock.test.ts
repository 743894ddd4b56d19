import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { fork, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import fs, { existsSync, fstatSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { openStore, StoreError } from '../store/index.js';
import type { StoreChange } from '../store/index.js';

const repo = fileURLToPath(new URL('..', import.meta.url));
const RACE_CHILD = fileURLToPath(new URL('./helpers/lockRaceChild.ts', import.meta.url));
const storeUrl = pathToFileURL(join(repo, 'store/index.ts')).href;

// A writer in another process, driven over IPC: `serve` obeys commands and answers after
// each flush; `spin` commits bursts forever and reports each one (to be SIGKILLed);
// `exit` commits and exits without close().
const CHILD = `
import { openStore } from ${JSON.stringify(storeUrl)};
const [file, mode] = process.argv.slice(2);
const store = await openStore(file);
const entry = (i) => ({ id: 'aud_' + i, ts: new Date(Date.UTC(2026, 0, 1) + i).toISOString(), actor: 'worker',
  entityType: 'job', entityId: 'job_' + (i % 7), action: 'job.ran', level: 'info', message: 'row ' + i, meta: { agent: 'mailer' } });
const job = (id) => ({ id, kind: null, agent: 'mailer', workflow: null, tenant: null, status: 'queued', attempts: 0,
  createdAt: 'c', updatedAt: 'u', error: null, incidentId: null });
if (mode === 'exit') { store.appendAudit(entry(0)); await store.flush(); process.exit(0); }
if (mode === 'spin') {
  for (let n = 0; ; ) {
    for (let k = 0; k < 50; k++) store.appendAudit(entry(n++));
    store.put('jobs', { ...job('job_' + (n % 5)), attempts: n });
    await store.flush();
    process.send({ committed: n });
  }
}
process.on('message', async (m) => {
  if (m.op === 'append') for (let i = m.from; i < m.from + m.count; i++) store.appendAudit(entry(i));
  if (m.op === 'put') store.put('jobs', job(m.id));
  if (m.op === 'remove') store.remove('jobs', m.id);
  if (m.op === 'close') { await store.close(); process.exit(0); }
  await store.flush();
  process.send({ done: m.op });
});
process.send({ ready: process.pid });
`;

const tempStore = () => {
  const dir = mkdtempSync(join(tmpdir(), 'incident-flow-lock-'));
  writeFileSync(join(dir, 'child.mjs'), CHILD);
  return { file: join(dir, 'run.json'), script: join(dir, 'child.mjs') };
};
const jsonlOf = (file: string) => file.replace(/\.json$/, '.audit.jsonl');
/** The pid on a lock file's first line (`pid start-time boot-id`). */
const pidOf = (lockFile: string) => Number.parseInt(readFileSync(lockFile, 'utf8'), 10);
/** Field 22 of /proc/PID/stat: when the process started, in clock ticks after boot. */
const startOf = (pid: number | string) => {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
};
const bootId = () => readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();

function startWriter(script: string, file: string, mode: 'serve' | 'spin' | 'exit'): ChildProcess {
  return fork(script, [file, mode], { cwd: repo, execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
}
/** The next IPC message matching `pick`. */
function next<T>(child: ChildProcess, pick: (m: Record<string, unknown>) => T | undefined): Promise<T> {
  return new Promise((resolve, reject) => {
    const onMessage = (m: Record<string, unknown>) => {
      const value = pick(m);
      if (value === undefined) return;
      child.off('message', onMessage);
      resolve(value);
    };
    child.on('message', onMessage);
    child.once('exit', (code) => reject(new Error(`writer exited (${code}) before answering`)));
  });
}
const exited = (child: ChildProcess) =>
  child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise<void>((resolve) => child.once('exit', () => resolve()));
const ask = (child: ChildProcess, command: Record<string, unknown>) => {
  child.send(command);
  return next(child, (m) => m.done);
};

const lock = suite('store lock');

lock('a second writer is refused with "in use by process N", the files untouched', async () => {
  const { file, script } = tempStore();
  const child = startWriter(script, file, 'serve');
  const pid = await next(child, (m) => m.ready as number | undefined);
  await ask(child, { op: 'append', from: 0, count: 3 });
  const before = [readFileSync(file), readFileSync(jsonlOf(file))];
  const error = await openStore(file).then(() => null, (e: unknown) => e);
  assert.instance(error, StoreError);
  assert.is((error as StoreError).code, 'locked');
  assert.match((error as Error).message, new RegExp(`run\\.json is in use by process ${pid}\\b`));
  assert.ok(readFileSync(file).equals(before[0]) && readFileSync(jsonlOf(file)).equals(before[1]));
  child.send({ op: 'close' });
  await exited(child);
  assert.not.ok(existsSync(`${file}.lock`), 'close() released the lock');
  const store = await openStore(file);
  assert.is(store.auditCount(), 3);
  await store.close();
});

lock('a second open in the same process is refused too', async () => {
  const { file } = tempStore();
  const store = await openStore(file);
  const error = await openStore(file).then(() => null, (e: unknown) => e);
  assert.match(String(error), new RegExp(`in use by process ${process.pid} \\(this process\\)`));
  // What to do is close the first store, never delete its lock (two stores would then write over each other).
  assert.ok(String(error).endsWith(`by a store it opened for writing and has not closed (lock file ${file}.lock); close that store first, or open this one with { readonly: true }`), String(error));
  await store.close();
});

lock('a second open in the same process is refused however the path is spelled: relative, with ./, through a symbolic link', async () => {
  const { file } = tempStore();
  const linked = join(dirname(file), 'here'); // a link to its own folder
  symlinkSync(dirname(file), linked);
  const store = await openStore(file);
  for (const other of [relative(process.cwd(), file), `${dirname(file)}/./${basename(file)}`, join(linked, basename(file))]) {
    const error = await openStore(other).then(async (second) => { await second.close(); return null; }, (e: unknown) => e);
    assert.instance(error, StoreError, `${other} opened a second writer over ${file}`);
    assert.is((error as StoreError).code, 'locked');
    assert.match(String(error), new RegExp(`in use by process ${process.pid} \\(this process\\)`));
  }
  await store.close();
  const again = await openStore(join(linked, basename(file)));
  await again.close();
});

lock('a close that fails keeps the lock until a retry of it goes through', async () => {
  const { file } = tempStore();
  const store = await openStore(file);
  store.put('jobs', { id: 'job_1', kind: null, agent: 'mailer', workflow: null, tenant: null, status: 'running', attempts: 1, createdAt: 'a', updatedAt: 'a', error: null, incidentId: null });
  await store.flush(); // in the journal: the close folds it into a new state file
  // The new state file cannot be synced once: a disk error at the close.
  const probe = await open(file, 'r');
  const proto = Object.getPrototypeOf(probe) as { sync: FileHandle['sync'] };
  await probe.close();
  const sync = proto.sync;
  let failures = 0;
  proto.sync = function (this: FileHandle) {
    if (failures === 0 && fstatSync(this.fd).isFile()) {
      failures++;
      return Promise.reject(Object.assign(new Error('EIO: i/o error, fsync'), { code: 'EIO' }));
    }
    return sync.call(this);
  };
  try {
    const error = await store.close().then(() => null, (e: unknown) => e);
    assert.instance(error, StoreError, 'the close failed');
  } finally {
    proto.sync = sync;
  }
  assert.is(failures, 1);
  assert.ok(existsSync(`${file}.lock`), 'the lock is kept for the retry');
  const second = await openStore(file).then(() => null, (e: unknown) => e);
  assert.match(String(second), /in use by process/, 'no second writer opens the half-closed store');
  await store.close(); // the retry
  assert.not.ok(existsSync(`${file}.lock`), 'released once closed');
  const again = await openStore(file, { readonly: true });
  assert.is(again.get('jobs', 'job_1')?.status, 'running');
  await again.close();
});

lock('a lock file holding a dead pid is taken over', async () => {
  const { file } = tempStore();
  const gone = spawn(process.execPath, ['-e', '']);
  await exited(gone);
  writeFileSync(`${file}.lock`, String(gone.pid));
  const store = await openStore(file);
  assert.is(pidOf(`${file}.lock`), process.pid);
  await store.close();
});

lock('a lock whose process was killed and not yet reaped (a zombie: its pid still answers kill 0) is taken over', async () => {
  if (!existsSync('/proc/self/stat')) return void console.log('skipped: no /proc');
  const { file } = tempStore();
  // sh starts a child that exits at once, then becomes sleep, which never reaps it: a zombie until sleep ends.
  const parent = spawn('sh', ['-c', 'sleep 0 & echo $!; exec sleep 30'], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const pid = Number.parseInt(String(await new Promise((resolve) => parent.stdout!.once('data', resolve))), 10);
    const state = () => { const stat = readFileSync(`/proc/${pid}/stat`, 'utf8'); return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0]; };
    for (let i = 0; i < 200 && state() !== 'Z'; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    assert.is(state(), 'Z', 'the child is a zombie');
    writeFileSync(`${file}.lock`, `${pid} ${startOf(pid)} ${bootId()}\n`);
    const store = await openStore(file);
    assert.is(pidOf(`${file}.lock`), process.pid);
    await store.close();
  } finally {
    parent.kill('SIGKILL');
    await exited(parent);
  }
});

lock('a lock left under this very pid by an earlier process (a restarted container\'s PID 1) is taken over', async () => {
  const { file } = tempStore();
  // What a container's engine leaves when killed: its pid (1 there, ours here) and its start time.
  writeFileSync(`${file}.lock`, `${process.pid} 12345 ${bootId()}\n`);
  const store = await openStore(file);
  assert.is(pidOf(`${file}.lock`), process.pid);
  await store.close();
  assert.not.ok(existsSync(`${file}.lock`));
  // The old format (a bare pid) too.
  writeFileSync(`${file}.lock`, String(process.pid));
  await (await openStore(file)).close();
});

lock('a live process that is not the one that took the lock (pid reused: other start time or boot) does not hold it', async () => {
  if (!existsSync('/proc/self/stat')) return void console.log('skipped: no /proc');
  const { file } = tempStore();
  const other = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60_000)']);
  try {
    await new Promise((resolve) => other.once('spawn', resolve));
    const lockFile = `${file}.lock`;
    writeFileSync(lockFile, `${other.pid} ${Number(startOf(other.pid!)) + 1} ${bootId()}\n`);
    await (await openStore(file)).close();
    writeFileSync(lockFile, `${other.pid} ${startOf(other.pid!)} another-boot\n`);
    await (await openStore(file)).close();
    // The same pid, start and boot: that process holds it, and the message says what to do.
    writeFileSync(lockFile, `${other.pid} ${startOf(other.pid!)} ${bootId()}\n`);
    const error = await openStore(file).then(() => null, (e: unknown) => e);
    assert.instance(error, StoreError);
    assert.match(String(error), `in use by process ${other.pid}`);
    assert.match(String(error), `if no process uses it any more, delete ${lockFile}`);
    assert.is((error as StoreError).holder, other.pid);
  } finally {
    other.kill('SIGKILL');
    await exited(other);
  }
});

lock('a process that exits without close() still removes its lock', async () => {
  const { file, script } = tempStore();
  const child = startWriter(script, file, 'exit');
  await exited(child);
  assert.is(child.exitCode, 0);
  assert.not.ok(existsSync(`${file}.lock`));
});

lock('after SIGKILL mid-commit: the stale lock is taken over, every flushed row is there, none torn or doubled', async () => {
  const { file, script } = tempStore();
  const child = startWriter(script, file, 'spin');
  const flushed = await next(child, (m) => ((m.committed as number) >= 2000 ? (m.committed as number) : undefined));
  child.kill('SIGKILL');
  await exited(child);
  assert.is(pidOf(`${file}.lock`), child.pid, 'the dead writer left its lock');
  const store = await openStore(file);
  const count = store.auditCount();
  assert.ok(count >= flushed, `${count} rows on disk, ${flushed} were flushed`);
  const ids = readFileSync(jsonlOf(file), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l).id);
  assert.equal(ids, Array.from({ length: count }, (_, i) => `aud_${i}`));
  assert.is(store.get('jobs', `job_${count % 5}`)?.attempts, count, 'state and audit are of the same commit');
  await store.close();
});

lock('writers started together over a killed writer\'s store: none has its lock taken from under it', async () => {
  // Six processes race for a stale lock, round after round: each round's winner holds it a
  // while and checks it still names it, and that it carries the dead owner's noted write.
  // Two racers each removing what they judged stale removed one another's fresh lock (both
  // went on as writers), and a lock read just after its creation, still empty, looked torn:
  // 2 and 3 of 60 rounds lost a lock so. With the stale lock removed before a new one was
  // made, a racer starting in between took the store without the note: 4 rounds of 60.
  const dir = mkdtempSync(join(tmpdir(), 'incident-flow-lock-race-'));
  const lockFile = join(dir, 'run.json.lock');
  // A pid no process has (above Linux's pid_max), and the write it noted before it died.
  writeFileSync(lockFile, '4194305 - -\naudit 10 20\n');
  const [racers, rounds, period] = [6, 80, 60];
  const start = Date.now() + 3_000;
  const outputs = await Promise.all(Array.from({ length: racers }, () => new Promise<string>((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', RACE_CHILD, lockFile, String(start), String(rounds), String(period)], { cwd: repo, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    child.once('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`racer exited ${code}`))));
  })));
  const results = outputs.map((out) => JSON.parse(out) as { held: number[]; lost: number[]; withoutIntent: number[]; refused: string[] });
  assert.equal(results.flatMap((r) => r.lost), [], 'a racer found its lock file naming another process');
  assert.equal(results.flatMap((r) => r.withoutIntent), [], 'a racer took the stale lock without the write its owner noted');
  assert.equal(results.flatMap((r) => r.refused).filter((code) => code !== 'locked'), [], 'every refusal says the store is locked');
  // Each hold took over a stale lock (on a busy machine a late racer's round may go to nobody).
  assert.ok(results.flatMap((r) => r.held).length >= rounds / 2, 'the stale lock was taken over round after round');
  assert.equal(readdirSync(dir).filter((name) => name !== 'run.json.lock'), [], 'no file left beside the lock');
});

lock('an empty lock file is one being written while young, a torn one once old; what killed takers left beside the lock goes', async () => {
  const { file } = tempStore();
  const gone = spawn(process.execPath, ['-e', '']);
  await exited(gone);
  const dir = dirname(file);
  // Where a file system has no hard links a lock is created empty, then written.
  writeFileSync(`${file}.lock`, '');
  const error = await openStore(file).then(() => null, (e: unknown) => e);
  assert.instance(error, StoreError);
  assert.match((error as StoreError).message, 'it is empty, written under 2 s ago (a process creating it, or one killed doing so: try again in a moment)');
  // Old: its creator died before writing it. And the files a killed creator or taker left.
  utimesSync(`${file}.lock`, new Date(Date.now() - 60_000), new Date(Date.now() - 60_000));
  const leftovers = [`run.json.lock.new.${gone.pid}.1`, `run.json.lock.takeover.stale.${gone.pid}.3`];
  const alive = `run.json.lock.new.${process.ppid}.2`;
  for (const name of [...leftovers, alive]) writeFileSync(join(dir, name), '');
  const store = await openStore(file);
  assert.is(pidOf(`${file}.lock`), process.pid);
  assert.equal(leftovers.filter((name) => existsSync(join(dir, name))), [], 'a dead process\'s leftovers are removed');
  assert.ok(existsSync(join(dir, alive)), 'a live process\'s file is left alone');
  await store.close();
});

lock('a lock takeover file left by a dead process does not block the store; one a live process holds makes the open wait, then say so', async () => {
  const { file } = tempStore();
  const gone = spawn(process.execPath, ['-e', '']);
  await exited(gone);
  writeFileSync(`${file}.lock`, `${gone.pid}\n`);
  // Left by a process that died inside its takeover, a while ago (a takeover takes microseconds).
  writeFileSync(`${file}.lock.takeover`, `${gone.pid}\n`);
  utimesSync(`${file}.lock.takeover`, new Date(Date.now() - 60_000), new Date(Date.now() - 60_000));
  const store = await openStore(file);
  assert.is(pidOf(`${file}.lock`), process.pid);
  assert.not.ok(existsSync(`${file}.lock.takeover`));
  await store.close();
  // A live process in the middle of a takeover that never ends (stopped, say).
  const stuck = spawn('sleep', ['30']);
  try {
    writeFileSync(`${file}.lock`, `${gone.pid}\n`);
    writeFileSync(`${file}.lock.takeover`, `${stuck.pid} ${startOf(stuck.pid as number)} ${bootId()}\n`);
    const error = await openStore(file).then(() => null, (e: unknown) => e);
    assert.instance(error, StoreError);
    assert.is((error as StoreError).code, 'locked');
    assert.match((error as StoreError).message, `another process kept taking it over (${file}.lock.takeover); if none is, delete that file`);
    assert.is(readFileSync(`${file}.lock`, 'utf8'), `${gone.pid}\n`, 'the stale lock is left for the process taking it over');
  } finally {
    stuck.kill();
  }
});

lock('a stale lock taken over whose takeover file cannot be removed stays taken, its descriptor held, the open goes through; the file goes with the lock', async () => {
  const { file } = tempStore();
  const gone = spawn(process.execPath, ['-e', '']);
  await exited(gone);
  writeFileSync(`${file}.lock`, `${gone.pid}\n`);
  const guard = `${file}.lock.takeover`;
  // The folder refuses to remove the takeover file (and only it) once it is written.
  const unlink = fs.unlinkSync;
  fs.unlinkSync = (path: fs.PathLike) => {
    if (String(path) === guard) throw Object.assign(new Error(`EACCES: permission denied, unlink '${guard}'`), { code: 'EACCES' });
    return unlink(path);
  };
  syncBuiltinESMExports();
  const opened = await openStore(file).then((store) => store, (e: unknown) => e);
  fs.unlinkSync = unlink;
  syncBuiltinESMExports();
  assert.not.instance(opened, Error, String(opened));
  const store = opened as Awaited<ReturnType<typeof openStore>>;
  assert.is(pidOf(`${file}.lock`), process.pid, 'the lock is this process\'s');
  assert.is(pidOf(guard), process.pid, 'the takeover file left names this live process');
  store.appendAudit({ id: 'aud_1', ts: '2026-01-01T00:00:00.000Z', actor: 'worker', entityType: 'job', entityId: 'job_1', action: 'job.ran', level: 'info', message: 'row', meta: {} });
  await store.close();
  assert.not.ok(existsSync(`${file}.lock`), 'closing releases the lock through the descriptor it holds');
  assert.not.ok(existsSync(guard), 'the takeover file is removed with the lock, once the folder lets it (else by a takeover once this process is gone)');
});

lock.run();

const follow = suite('store read-only follower');

follow('a read-only open ignores the lock and refresh() picks up another writer\'s commits', async () => {
  const { file, script } = tempStore();
  const child = startWriter(script, file, 'serve');
  await next(child, (m) => m.ready);
  await ask(child, { op: 'append', from: 0, count: 2 });
  await ask(child, { op: 'put', id: 'job_a' });
  const reader = await openStore(file, { readonly: true });
  assert.is(reader.auditCount(), 2);
  const heard: StoreChange[] = [];
  reader.subscribe((change) => heard.push(change));
  assert.equal(await reader.refresh(), { audit: [], rows: [] });

  await ask(child, { op: 'append', from: 2, count: 3 });
  await ask(child, { op: 'put', id: 'job_b' });
  const change = await reader.refresh();
  assert.equal(change.audit.map((a) => a.id), ['aud_2', 'aud_3', 'aud_4']);
  assert.equal(change.rows.map((r) => [r.table, r.id]), [['jobs', 'job_b']]);
  assert.is(heard.length, 1, 'subscribers hear refreshed changes too');
  assert.is(reader.queryAudit({ agent: 'mailer' }).total, 5);
  assert.equal(reader.list('jobs', { agent: 'mailer' }).map((j) => j.id), ['job_a', 'job_b']);

  await ask(child, { op: 'remove', id: 'job_a' });
  assert.equal((await reader.refresh()).rows, [{ table: 'jobs', id: 'job_a', row: null }]);
  assert.equal(reader.list('jobs', { agent: 'mailer' }).map((j) => j.id), ['job_b']);

  const error = (() => { try { reader.setMeta('x', 1); } catch (e) { return e; } })();
  assert.is((error as StoreError).code, 'readonly');
  child.send({ op: 'close' });
  await exited(child);
  await reader.close();
});

follow('a reader opened before the first commit sees the store appear; a replaced store is refused', async () => {
  const { file } = tempStore();
  const reader = await openStore(file, { readonly: true });
  const writer = await openStore(file);
  writer.appendAudit({ id: 'aud_0', ts: '2026-01-01T00:00:00.000Z', actor: 'engine', entityType: 'job', entityId: 'job_1', action: 'job.ran', level: 'info', message: 'm', meta: {} });
  writer.put('tenants', { id: 'acme', admin: 'ops@acme.test' });
  await writer.close();
  const change = await reader.refresh();
  assert.equal(change.audit.map((a) => a.id), ['aud_0']);
  assert.equal(change.rows, [{ table: 'tenants', id: 'acme', row: { id: 'acme', admin: 'ops@acme.test' } }]);
  assert.equal(await reader.refresh(), { audit: [], rows: [] });

  const { rmSync } = await import('node:fs');
  rmSync(file);
  rmSync(jsonlOf(file));
  await (await openStore(file)).close();
  const error = await reader.refresh().then(() => null, (e: unknown) => e);
  assert.instance(error, StoreError);
  assert.match((error as Error).message, /covers 0 audit rows, fewer than the 1 already read: the store was replaced/);
});

follow.run();
