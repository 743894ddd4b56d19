import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { EXIT, main } from '../sim/cli.js';

const FIXTURES = fileURLToPath(new URL('./fixtures/scenarios/', import.meta.url));
const PASS = join(FIXTURES, 'pass.yaml');

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let [out, err] = ['', ''];
  const code = await main(argv, { out: (t) => void (out += t), err: (t) => void (err += t), interactive: false });
  return { code, out, err };
}

/** Every path below `dir`, to see that a refused command wrote nothing. */
const tree = (dir: string): string[] => readdirSync(dir, { recursive: true }).map(String).sort();

const Outputs = suite('an output path a file stands in the way of: exit 2 naming the option, nothing written');
let dir = '';
let file = '';
Outputs.before.each(() => {
  dir = mkdtempSync(join(tmpdir(), 'incident-flow-outputs-'));
  file = join(dir, 'notes.txt');
  writeFileSync(file, 'not a folder\n');
});
Outputs.after.each(() => rmSync(dir, { recursive: true, force: true }));

Outputs('run, a sweep and run-all refuse an --out (or a --db folder) that is a file or goes through one', async () => {
  const cases = [
    { argv: ['run', PASS, '--out', file], message: `--out ${file}: ${file} is a file, expected a folder` },
    { argv: ['run', PASS, '--out', join(file, 'x')], message: `--out ${join(file, 'x')}: ${file} is a file, expected a folder` },
    { argv: ['run', PASS, '--runs', '2', '--out', file], message: `--out ${file}: ${file} is a file, expected a folder` },
    { argv: ['run', PASS, '--out', join(dir, 'out'), '--db', join(file, 'store.json')], message: `--db ${join(file, 'store.json')}: ${file} is a file, expected a folder` },
    { argv: ['run-all', FIXTURES, '--out', file], message: `--out ${file}: ${file} is a file, expected a folder` },
  ];
  for (const { argv, message } of cases) {
    const { code, out, err } = await cli(...argv);
    assert.is(code, EXIT.invalid, `${argv.join(' ')}\n${err}`);
    assert.is(out, '', argv.join(' '));
    assert.is(err.split('\n')[0], `incident-flow: ${message}`);
    assert.equal(tree(dir), ['notes.txt'], argv.join(' '));
  }
});

Outputs('report --html refuses a folder, or a path through a file, and makes a missing folder for its page', async () => {
  const store = join(dir, 'run', 'store.json');
  assert.is((await cli('run', PASS, '--out', join(dir, 'run'))).code, EXIT.pass);
  mkdirSync(join(dir, 'pages'));
  const before = tree(dir);
  for (const [html, message] of [
    [join(dir, 'pages'), `--html ${join(dir, 'pages')}: is a folder, expected the page's file (${join(dir, 'pages', 'report.html')})`],
    [join(file, 'r.html'), `--html ${join(file, 'r.html')}: ${file} is a file, expected a folder`],
  ]) {
    const { code, err } = await cli('report', '--db', store, '--html', html);
    assert.is(code, EXIT.invalid, err);
    assert.is(err.split('\n')[0], `incident-flow: ${message}`);
    assert.equal(tree(dir), before);
  }
  const page = join(dir, 'new', 'folder', 'r.html');
  const { code, out } = await cli('report', '--db', store, '--html', page);
  assert.is(code, EXIT.pass);
  assert.is(out, `Wrote ${page} (1 incident in the store; open it in a browser)\n`);
  assert.equal(readdirSync(join(dir, 'new', 'folder')), ['r.html'], 'the page alone, no part file left');
});

Outputs('a sweep whose seeds would pass the largest safe integer is refused before it runs', async () => {
  const { code, out, err } = await cli('run', PASS, '--seed', String(Number.MAX_SAFE_INTEGER), '--runs', '2', '--out', join(dir, 'sweep'));
  assert.is(code, EXIT.invalid, err);
  assert.is(out, '');
  assert.is(err.split('\n')[0], `incident-flow: --runs 2: the seeds from ${Number.MAX_SAFE_INTEGER} would pass ${Number.MAX_SAFE_INTEGER}; start lower with --seed N`);
  assert.equal(tree(dir), ['notes.txt']);
});

Outputs('a sweep takes the last verdict out of its folder before its first run, so one stopped part-way leaves none', async () => {
  const out = join(dir, 'sweep');
  mkdirSync(out);
  for (const name of ['report.json', 'junit.xml']) writeFileSync(join(out, name), "an earlier run's\n");
  // What the folder holds once the first seed has run (the progress line an interactive run prints then).
  let during: string[] | null = null;
  const io = { out: () => {}, err: (t: string) => void (t.includes('run 1/') && (during ??= readdirSync(out).sort())), interactive: true };
  assert.is(await main(['run', PASS, '--runs', '2', '--out', out], io), EXIT.pass);
  assert.equal(during, [], 'neither of the earlier files while the sweep runs');
  assert.equal(readdirSync(out).sort(), ['junit.xml', 'report.json'], "the sweep's own at its end");
  assert.match(readFileSync(join(out, 'report.json'), 'utf8'), /"seeds": \[/);
});

Outputs.run();
