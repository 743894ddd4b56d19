import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { EXIT } from '../sim/cli.js';
import { makeFolder } from '../store/makeFolder.js';

const BIN = fileURLToPath(new URL('../bin/incident-flow.js', import.meta.url));
const PASS = fileURLToPath(new URL('./fixtures/scenarios/pass.yaml', import.meta.url));
/** A folder whose parent is there but takes no new entry: mkdir answers ENOENT (procfs). */
const NO_ENTRY = '/proc/incident-flow-test/out';

/** The CLI from its sources in a process of its own, killed after `ms` (a command that never returns). */
function cliProcess(args: string[], ms = 30_000): { code: number | null; signal: NodeJS.Signals | null; stderr: string } {
  const r = spawnSync(process.execPath, ['--conditions=incident-flow-source', '--import', import.meta.resolve('tsx'), BIN, ...args], { encoding: 'utf8', timeout: ms, killSignal: 'SIGKILL' });
  return { code: r.status, signal: r.signal, stderr: r.stderr };
}

let dir = '';
const Folder = suite('makeFolder: mkdir -p that returns');
Folder.before.each(() => void (dir = mkdtempSync(join(tmpdir(), 'incident-flow-folder-'))));
Folder.after.each(() => rmSync(dir, { recursive: true, force: true }));

Folder('makes the folder and its missing parents, and leaves one that is there', () => {
  makeFolder(join(dir, 'a', 'b', 'c'));
  assert.ok(statSync(join(dir, 'a', 'b', 'c')).isDirectory());
  makeFolder(join(dir, 'a', 'b', 'c'));
  makeFolder(dir);
  assert.ok(statSync(join(dir, 'a', 'b', 'c')).isDirectory());
});

Folder('a file where the folder, or one of its parents, should be is an error, as mkdir -p says', () => {
  writeFileSync(join(dir, 'notes.txt'), 'a file\n');
  assert.throws(() => makeFolder(join(dir, 'notes.txt')), /EEXIST/);
  assert.throws(() => makeFolder(join(dir, 'notes.txt', 'out')), /ENOTDIR/);
});

Folder('a folder its parent takes no entry for is an ENOENT thrown (Node\'s recursive mkdir never returns)', () => {
  if (!existsSync('/proc/self')) return; // procfs: Linux
  assert.throws(() => makeFolder(NO_ENTRY), (error: NodeJS.ErrnoException) => error.code === 'ENOENT' && error.path === '/proc/incident-flow-test');
});

Folder('run, a sweep and report --html exit 4 naming the folder they cannot make, instead of spinning for ever', () => {
  if (!existsSync('/proc/self')) return;
  const store = join(dir, 'run', 'store.json');
  const cases: Array<{ args: string[]; says: string }> = [
    // The store's folder (the default --db is in --out), made by openStore.
    { args: ['run', PASS, '--out', NO_ENTRY], says: `${NO_ENTRY}/store.json: could not create its directory: ENOENT` },
    // --out itself, the store being elsewhere.
    { args: ['run', PASS, '--db', join(dir, 'elsewhere', 'store.json'), '--out', NO_ENTRY], says: '/proc/incident-flow-test: could not mkdir: ENOENT' },
    { args: ['run', PASS, '--runs', '2', '--out', NO_ENTRY], says: '/proc/incident-flow-test: could not mkdir: ENOENT' },
    { args: ['report', '--db', store, '--html', join(NO_ENTRY, 'report.html')], says: '/proc/incident-flow-test: could not mkdir: ENOENT' },
  ];
  assert.is(cliProcess(['run', PASS, '--out', join(dir, 'run')]).code, EXIT.pass);
  for (const { args, says } of cases) {
    const r = cliProcess(args);
    assert.is(r.signal, null, `${args.join(' ')}: killed after 30 s, still making its folder`);
    assert.is(r.code, EXIT.io, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, says, args.join(' '));
  }
});

Folder.run();
