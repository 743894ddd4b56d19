import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { EXIT, main } from '../sim/cli.js';
import { writeFilesTogether } from '../sim/writeParts.js';
import { renameOver, writeTail } from '../store/durableFs.js';
import { openStore, StoreError } from '../store/index.js';

/**
 * A disk that fills up, or a file that cannot be written: its own exit code (4), the file
 * and the cause named, and a store that opens again once there is room.
 */

const SCENARIO = fileURLToPath(new URL('../scenarios/retry-storm.yaml', import.meta.url));

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let [out, err] = ['', ''];
  const code = await main(argv, { out: (t) => void (out += t), err: (t) => void (err += t), interactive: false });
  return { code, out, err };
}

const BIN = fileURLToPath(new URL('../bin/incident-flow.js', import.meta.url));
/** The bin on the TypeScript sources (no build needed), as tests/cli.test.ts runs it. */
const SOURCE = ['--conditions=incident-flow-source', '--import', import.meta.resolve('tsx')];
function bin(...argv: string[]): { code: number; err: string } {
  const run = spawnSync(process.execPath, [...SOURCE, BIN, ...argv], { encoding: 'utf8' });
  return { code: run.status ?? -1, err: run.stderr };
}

const enospc = () => Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', syscall: 'write' });

const writes = suite('durable writes on a full disk');

writes('a short write is followed by a write of the rest, whose error (ENOSPC) is the one reported', async () => {
  const calls: number[] = [];
  const handle = {
    // The kernel writes what fits, then refuses the rest: what a filling disk does.
    async writev(buffers: Buffer[], position: number) {
      calls.push(position);
      if (calls.length === 1) return { bytesWritten: 3, buffers };
      throw enospc();
    },
    async truncate() {},
    async datasync() {},
  };
  const error = await writeTail(handle, [Buffer.from('abcdef'), Buffer.from('ghij')], 100).then(() => null, (e: unknown) => e);
  assert.instance(error, Error);
  assert.is((error as NodeJS.ErrnoException).code, 'ENOSPC');
  assert.equal(calls, [100, 103], 'the rest was written from where the short write stopped');
});

writes('a short write then the rest completes: every byte lands in order', async () => {
  const file: Buffer[] = [];
  const handle = {
    async writev(buffers: Buffer[], position: number) {
      const bytes = Buffer.concat(buffers).subarray(0, 4); // four bytes per call at most
      file.push(bytes);
      assert.is(position, file.slice(0, -1).reduce((n, b) => n + b.length, 0));
      return { bytesWritten: bytes.length, buffers };
    },
    async truncate() {},
    async datasync() {},
  };
  await writeTail(handle, [Buffer.from('abcdef'), Buffer.from('ghij')], 0);
  assert.is(Buffer.concat(file).toString(), 'abcdefghij');
});

writes('a rewrite that fails part way (ENOSPC) leaves no half-written temp file taking the room', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'incident-flow-rewrite-'));
  try {
    writeFileSync(join(dir, 'run.json'), 'old');
    async function* parts() {
      yield Buffer.alloc(64 * 1024, 'x');
      throw enospc();
    }
    const error = await renameOver(join(dir, 'run.json'), join(dir, 'run.json.tmp'), parts()).then(() => null, (e: unknown) => e);
    assert.is((error as NodeJS.ErrnoException).code, 'ENOSPC');
    assert.equal(readdirSync(dir), ['run.json']);
    assert.is(readFileSync(join(dir, 'run.json'), 'utf8'), 'old');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

writes('a run\'s report.json and junit.xml are renamed into place together: junit.xml failing (ENOSPC) leaves the old report.json, no .part', () => {
  const dir = mkdtempSync(join(tmpdir(), 'incident-flow-together-'));
  try {
    writeFileSync(join(dir, 'report.json'), 'old report');
    writeFileSync(join(dir, 'junit.xml'), 'old junit');
    function* junit() {
      yield '<?xml';
      throw enospc();
    }
    let error: unknown = null;
    try {
      writeFilesTogether([[join(dir, 'report.json'), ['new report']], [join(dir, 'junit.xml'), junit()]]);
    } catch (e) {
      error = e;
    }
    assert.is((error as NodeJS.ErrnoException).code, 'ENOSPC');
    assert.is((error as NodeJS.ErrnoException).path, join(dir, 'junit.xml'), 'the file being written is named');
    assert.is(readFileSync(join(dir, 'report.json'), 'utf8'), 'old report', 'not the new run\'s report beside the old run\'s junit.xml');
    assert.is(readFileSync(join(dir, 'junit.xml'), 'utf8'), 'old junit');
    assert.equal(readdirSync(dir).sort(), ['junit.xml', 'report.json']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

writes('an output that cannot be opened is named as the user asked for it (report.json, not report.json.part); run exits 4 saying so', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'incident-flow-part-'));
  try {
    // Something standing where the file beside report.json goes: opening it fails (EISDIR).
    mkdirSync(join(dir, 'report.json.part'));
    let error: unknown = null;
    try {
      writeFilesTogether([[join(dir, 'report.json'), ['new report']]]);
    } catch (e) {
      error = e;
    }
    assert.is((error as NodeJS.ErrnoException).code, 'EISDIR');
    assert.is((error as NodeJS.ErrnoException).path, join(dir, 'report.json'));
    assert.ok(existsSync(join(dir, 'report.json.part')), 'what stood there is left as it was');
    const failed = await cli('run', SCENARIO, '--out', dir, '--db', join(dir, 'store.json'));
    assert.is(failed.code, EXIT.io, failed.err);
    assert.match(failed.err, `${join(dir, 'report.json')}: could not open: EISDIR: illegal operation on a directory`);
    assert.not.match(failed.err, /\.part|internal error|\n\s+at /);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

writes('--help documents exit code 4 beside the others', async () => {
  const help = await cli('--help');
  assert.is(EXIT.io, 4);
  assert.match(help.out, /3 internal error, 4 I\/O failure \(disk full, permission denied/);
});

writes.run();

const full = suite('CLI on a full disk (a small tmpfs; root only)');

/** Runs `body` on a tmpfs of `size` mounted for it (root only; skipped, saying why, elsewhere). */
async function onTmpfs(size: string, body: (dir: string) => Promise<void>): Promise<void> {
  if (process.getuid?.() !== 0) return void console.log('skipped: mounting a tmpfs needs root');
  const dir = mkdtempSync(join(tmpdir(), 'incident-flow-full-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir]);
  } catch {
    rmSync(dir, { recursive: true, force: true });
    return void console.log('skipped: cannot mount a tmpfs here');
  }
  try {
    await body(dir);
  } finally {
    execFileSync('umount', [dir]);
    rmSync(dir, { recursive: true, force: true });
  }
}

full('run exits 4 naming the file and ENOSPC; the store still opens, and once there is room a rerun replaces it', () =>
  onTmpfs('64k', async (dir) => {
    const db = join(dir, 'store.json');
    // In a process of its own, as a user runs it: what it leaves is what its exit leaves.
    const failed = bin('run', SCENARIO, '--db', db, '--out', join(dir, 'out'));
    assert.is(failed.code, EXIT.io, failed.err);
    assert.match(failed.err, 'ENOSPC: no space left on device');
    assert.match(failed.err, dir);
    assert.not.match(failed.err, /internal error|short write|\n\s+at /);
    const reader = await openStore(db, { readonly: true });
    await reader.close();
    execFileSync('mount', ['-o', 'remount,size=16m', dir]);
    const writer = await openStore(db);
    await writer.close();
    const again = await cli('run', SCENARIO, '--db', db, '--out', join(dir, 'out'));
    assert.ok(again.code === EXIT.pass || again.code === EXIT.failed, again.err);
    const report = await cli('report', '--db', db);
    assert.is(report.code, EXIT.pass);
    assert.not.match(report.err, 'incomplete');
  }));

full('a seed sweep on a full disk exits 4 naming report.json and ENOSPC, and leaves neither file half written', () =>
  onTmpfs('4k', async (dir) => {
    // Thirty seeds' report.json is well over the one page the disk holds.
    const failed = bin('run', SCENARIO, '--runs', '30', '--out', dir);
    assert.is(failed.code, EXIT.io, failed.err);
    assert.match(failed.err, `${join(dir, 'report.json')}: could not write: ENOSPC: no space left on device`);
    assert.not.match(failed.err, /internal error|\n\s+at /);
    assert.equal(readdirSync(dir), [], 'no report.json, junit.xml or .part file left behind');
  }));

full.run();

const folder = suite('a folder given as --db: the user’s mistake (exit 2), not a failing disk (exit 4)');

folder('run, report, review and watch refuse it in one line naming the folder, and write nothing', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'incident-flow-folder-db-'));
  try {
    for (const argv of [['run', SCENARIO, '--db', dir, '--out', join(dir, 'out')], ['report', '--db', dir], ['review', 'inc_1', '--db', dir], ['watch', '--db', dir, '--port', '0']]) {
      const { code, err } = await cli(...argv);
      assert.is(code, EXIT.invalid, argv[0]);
      assert.is(err, `incident-flow store: ${dir}: is a folder; a store is a file, for example ${join(dir, 'store.json')}\n`, argv[0]);
    }
    assert.equal(readdirSync(dir), [], 'nothing written');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

folder.run();

const mistyped = suite('a mistyped PostgreSQL URL as --db: refused (exit 2), not taken for a file');
// Each test in a fresh working directory: a relative --db, as typed, would make a file store there.
const typed = { cwd: '', dir: '' };
mistyped.before.each(() => {
  Object.assign(typed, { cwd: process.cwd(), dir: mkdtempSync(join(tmpdir(), 'incident-flow-mistyped-db-')) });
  process.chdir(typed.dir);
});
mistyped.after.each(() => {
  process.chdir(typed.cwd);
  rmSync(typed.dir, { recursive: true, force: true });
});

mistyped('postgres:/… and postgresql:… name the scheme without a URL: one line, exit 2, no file made', async () => {
  for (const db of ['postgres:/test', 'postgresql:test']) {
    const { code, err } = await cli('run', SCENARIO, '--db', db, '--out', 'out');
    assert.is(code, EXIT.invalid, db);
    assert.is(err, `incident-flow store: ${db}: not a PostgreSQL URL; expected postgres://user@host:5432/database (two slashes after the scheme)\n`, db);
  }
  assert.equal(readdirSync(typed.dir), [], 'nothing written');
});

mistyped('a mistyped URL\'s password is hidden in the refusal, whatever the slashes and colons', async () => {
  for (const [db, shown] of [['postgres:/u:secret@h/db', 'postgres:/u:***@h/db'], ['postgresql:u:secret@h/db', 'postgresql:u:***@h/db']]) {
    const { code, err } = await cli('report', '--db', db);
    assert.is(code, EXIT.invalid, db);
    assert.ok(err.startsWith(`incident-flow store: ${shown}: not a PostgreSQL URL`), err);
    assert.not.match(err, 'secret');
  }
  // A URL with no host (three slashes) is tried on the local socket; its refusal hides the password too.
  const { code, err } = await cli('report', '--db', 'postgres:///u:secret@h/db');
  assert.is(code, EXIT.invalid, err);
  assert.ok(err.startsWith('incident-flow store: postgres:///u:***@h/db'), err);
});

mistyped('postgres//… without its colon, where no folder postgres is: one line asking "did you mean postgres://", exit 2, for every command, nothing made', async () => {
  const cases = [
    { db: 'postgres//test', shown: 'postgres//test', scheme: 'postgres', meant: 'postgres://test' },
    { db: 'postgresql/u:secret@127.0.0.1/test', shown: 'postgresql/u:***@127.0.0.1/test', scheme: 'postgresql', meant: 'postgresql://u:***@127.0.0.1/test' },
  ];
  for (const { db, shown, scheme, meant } of cases) {
    for (const argv of [['run', SCENARIO, '--out', 'out'], ['report'], ['review', 'inc_1'], ['watch'], ['run-all', dirname(SCENARIO), '--out', 'out']]) {
      const { code, out, err } = await cli(...argv, '--db', db);
      assert.is(code, EXIT.invalid, `${argv[0]} ${db}`);
      assert.is(out, '');
      assert.is(err, `incident-flow store: ${shown}: not a PostgreSQL URL: the colon after ${scheme} is missing, and there is no folder ${scheme}/ here for a store file; did you mean ${meant}?\n`, `${argv[0]} ${db}`);
    }
  }
  assert.equal(readdirSync(typed.dir), [], 'nothing written');
  const refused = await openStore('postgres//test').then(() => null, (error: unknown) => error);
  assert.ok(refused instanceof StoreError && refused.code === 'connect' && refused.message.endsWith('did you mean postgres://test?'), String(refused));
});

mistyped('a URL of another scheme (postgress://, file://) is refused in one line, exit 2, not made a folder of that name', async () => {
  const cases = [
    { db: 'postgress://u:secret@127.0.0.1/test', says: 'postgress://u:***@127.0.0.1/test: not a store location: a store opens postgres:// and postgresql:// URLs, not postgress://; did you mean postgres://u:***@127.0.0.1/test? (a store file is named by its path)' },
    { db: 'file:///tmp/run.json', says: 'file:///tmp/run.json: not a store location: a store opens postgres:// and postgresql:// URLs, not file://; a store file is named by its path (/tmp/run.json)' },
  ];
  for (const { db, says } of cases) {
    const refused = await openStore(db).then(() => null, (error: unknown) => error);
    assert.ok(refused instanceof StoreError && refused.code === 'connect', String(refused));
    assert.is(refused.message, `incident-flow store: ${says}`);
    const { code, out, err } = await cli('report', '--db', db);
    assert.is(code, EXIT.invalid, db);
    assert.is(out, '');
    assert.is(err, `incident-flow store: ${says}\n`);
  }
  assert.equal(readdirSync(typed.dir), [], 'nothing written');
});

mistyped('a real folder named postgres still holds store files, double slash or not', async () => {
  mkdirSync('postgres');
  const { code, err } = await cli('run', SCENARIO, '--out', 'out', '--db', 'postgres//run.json');
  assert.ok(code === EXIT.pass || code === EXIT.failed, err);
  assert.ok(existsSync(join(typed.dir, 'postgres', 'run.json')));
  assert.is((await cli('report', '--db', 'postgres//run.json')).code, EXIT.pass);
});

mistyped.run();
