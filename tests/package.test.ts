/**
 * The npm package as a user gets it: built, `npm pack`ed, installed into an empty project
 * (the registry serves the tarball's dependencies), then used from plain Node, through
 * `npx incident-flow` and from strict TypeScript. One install serves every test.
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { runProcess, type ProcessResult } from './helpers/runProcess.js';

const REPO = fileURLToPath(new URL('..', import.meta.url));
const FIXTURES = fileURLToPath(new URL('./fixtures/package/', import.meta.url));
const TSC = fileURLToPath(new URL('../node_modules/typescript/bin/tsc', import.meta.url));
const PKG = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as {
  version: string;
  private?: boolean;
  engines?: { node?: string };
  bin: Record<string, string>;
  exports: Record<string, string | { types: string; default: string }>;
  dependencies: Record<string, string>;
};

// A plain Node child: no tsx preloaded through NODE_OPTIONS from whoever runs the tests.
const ENV = { ...process.env, NODE_OPTIONS: '' };
const run = (cmd: string, args: string[], cwd: string) => runProcess(cmd, args, { cwd, env: ENV });

/** Runs one step of the user's path; a failure names the step and shows its output. */
async function step(name: string, cmd: string, args: string[], cwd: string): Promise<ProcessResult> {
  const ran = await run(cmd, args, cwd);
  if (ran.code !== 0) throw new Error(`package test: step "${name}" failed (exit ${ran.code}) in ${cwd}\n${ran.stderr}${ran.stdout}`.trimEnd());
  return ran;
}

/** The README's "Embedding the engine" example as printed: its first ```ts block. */
function readmeExample(): string {
  const readme = readFileSync(join(REPO, 'README.md'), 'utf8');
  const code = /```ts\n([\s\S]*?)```/.exec(readme.slice(readme.indexOf('\n## Embedding the engine\n')))?.[1];
  if (!code) throw new Error('package test: README.md has no ```ts block under "## Embedding the engine"');
  return code;
}

let work = '';
let project = '';
let shipped: string[] = [];

const Package = suite('the npm package, packed and installed into an empty project');

Package.before(async () => {
  work = mkdtempSync(join(tmpdir(), 'incident-flow-package-'));
  project = join(work, 'consumer');
  // Built here, not trusted from an earlier build: the tarball is the sources as they are now.
  await step('npm run build', 'npm', ['run', 'build'], REPO);
  const packed = await step('npm pack', 'npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], REPO);
  const [info] = JSON.parse(packed.stdout) as Array<{ filename: string; files: Array<{ path: string }> }>;
  if (!info) throw new Error(`package test: step "npm pack" printed no package:\n${packed.stdout}`);
  shipped = info.files.map((f) => f.path);
  mkdirSync(project);
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
  for (const file of ['consumer.mjs', 'consumer.ts', 'xstate-only.ts']) copyFileSync(join(FIXTURES, file), join(project, file));
  // Type-checked with consumer.ts, and run as it is (it has no type annotations) under plain node.
  writeFileSync(join(project, 'readme-example.ts'), readmeExample());
  mkdirSync(join(project, 'readme'));
  writeFileSync(join(project, 'readme', 'readme-example.mjs'), readmeExample());
  await step('npm install <tarball>', 'npm', ['install', join(work, info.filename), '--no-audit', '--no-fund', '--prefer-offline'], project);
});

Package.after(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

Package('ships dist/, LICENSE, CHANGELOG, scenarios and the example; no tests, fixtures, bench or local output', () => {
  for (const file of [
    'LICENSE', 'CHANGELOG.md', 'README.md', 'package.json', 'bin/incident-flow.js',
    'dist/index.js', 'dist/index.js.map', 'dist/index.d.ts', 'dist/index.d.ts.map',
    'dist/watcher/public/index.html', 'dist/sim/scenario/scenario.schema.json', 'dist/store/postgres/migrations/001_tables.sql',
    'scenarios/p0-database-down.yaml', 'examples/embed.ts', 'dist/examples/embed.js',
  ]) assert.ok(shipped.includes(file), `the tarball lacks ${file}`);
  const stray = shipped.filter((f) => /^(tests|bench|scripts|\.ci|node_modules|out|incident-flow-out|\.incident-flow)\//.test(f) || /\.test\.|fixtures|\.tgz$/.test(f));
  assert.equal(stray, [], 'the tarball ships what users never need');
});

Package('package.json: exports and bin point at compiled files that ship; no private flag, engines set, tsx not a dependency', () => {
  const targets = [...Object.values(PKG.bin), ...Object.values(PKG.exports).flatMap((t) => (typeof t === 'string' ? [t] : [t.types, t.default]))];
  for (const target of targets) {
    const file = target.replace(/^\.\//, '');
    assert.ok(shipped.includes(file), `${target} is not in the tarball`);
    assert.not.ok(/\.ts$/.test(file) && !file.endsWith('.d.ts'), `${target} is TypeScript source: plain Node cannot load it`);
  }
  assert.is(PKG.private, undefined);
  assert.ok(PKG.engines?.node, 'engines.node is missing');
  assert.not.ok('tsx' in PKG.dependencies);
  assert.not.ok(existsSync(join(project, 'node_modules', 'tsx')), 'tsx was installed with the package');
});

Package('plain node embeds the engine, a job fails, the audit trail reads back through openStore, the watcher serves its page', async () => {
  const ran = await step('node consumer.mjs', process.execPath, ['consumer.mjs'], project);
  const seen = JSON.parse(ran.stdout) as { actions: string[]; failed: string | null; page: [number, boolean]; mermaid: number; schemaTitle: string | null; mistakes: string[] };
  assert.ok(seen.actions.includes('job.failed'), `audit actions: ${seen.actions.join(', ')}`);
  assert.ok(seen.actions.includes('incident.detected'), `audit actions: ${seen.actions.join(', ')}`);
  assert.match(seen.failed ?? '', 'invoices-api refused the batch');
  assert.equal(seen.page, [200, true], 'the watcher page from dist/watcher/public');
  assert.is(seen.mermaid, 200, 'mermaid from node_modules');
  assert.is(seen.schemaTitle, 'incident-flow rehearsal scenario');
  const [unawaited, secondWriter, misspelt, closed] = seen.mistakes;
  assert.match(unawaited ?? '', /^EngineError \(exported class\): incident-flow: options\.store: expected a Store, not a promise of one/);
  assert.match(secondWriter ?? '', /^StoreError \(exported class\): incident-flow store: store\/incidents\.json is in use by process \d+ \(this process\)/);
  assert.match(misspelt ?? '', /^TypeError: incident-flow store: openStore\(.*\): options\.readOnly: no such option; did you mean "readonly"\?/);
  assert.match(closed ?? '', /^EngineError \(exported class\): incident-flow: options\.store: .*incidents\.json is closed/);
});

Package("the README's embedding example runs as printed under plain node: engine on a store file, a job submitted, stopped and closed", async () => {
  const folder = join(project, 'readme');
  await step('node readme-example.mjs', process.execPath, ['readme-example.mjs'], folder);
  assert.ok(existsSync(join(folder, 'incidents.json')), 'the example wrote its store');
  assert.not.ok(existsSync(join(folder, 'incidents.json.lock')), 'the example released its lock');
});

Package('npx incident-flow runs a shipped scenario from the compiled code and prints the package version', async () => {
  const scenario = 'node_modules/incident-flow/scenarios/p0-database-down.yaml';
  const ran = await step('npx incident-flow run', 'npx', ['--no-install', 'incident-flow', 'run', scenario, '--out', 'out'], project);
  assert.match(ran.stdout, 'Verdict: PASS');
  const report = JSON.parse(readFileSync(join(project, 'out', 'report.json'), 'utf8')) as { verdict: string };
  assert.is(report.verdict, 'pass');
  const version = await step('npx incident-flow --version', 'npx', ['--no-install', 'incident-flow', '--version'], project);
  assert.is(version.stdout, `${PKG.version}\n`);
});

/** tsc's errors as `file(line,col) TSnnnn`. */
const errorsOf = (out: string) => [...out.matchAll(/^(\S+?)\((\d+),(\d+)\): error (TS\d+)/gm)].map((m) => `${m[1]}(${m[2]},${m[3]}) ${m[4]}`);
/**
 * XState 5.33's own declarations fail under exactOptionalPropertyTypes with skipLibCheck false:
 * its `StateSchema` has `id?: string` while its machine configs have `id?: string | undefined`,
 * and setup.d.ts passes a config where a StateSchema is required (5 × TS2344). README, "The npm package".
 */
const XSTATE_OWN = /^node_modules\/xstate\/dist\/declarations\/src\/setup\.d\.ts\(\d+,\d+\) TS2344$/;

Package('strict TypeScript type-checks against the declarations under node16 and bundler, with and without skipLibCheck', async () => {
  const cases = (['node16', 'bundler'] as const).flatMap((resolution) => [true, false].map((skipLibCheck) => ({ resolution, skipLibCheck })));
  const tsc = async (resolution: 'node16' | 'bundler', skipLibCheck: boolean, file: string) => {
    const config = `tsconfig.${resolution}.${skipLibCheck ? 'skip' : 'full'}.${file.replace(/\.ts$/, '')}.json`;
    const compilerOptions = {
      target: 'ES2022',
      module: resolution === 'node16' ? 'node16' : 'esnext',
      moduleResolution: resolution,
      strict: true,
      noUncheckedIndexedAccess: true,
      exactOptionalPropertyTypes: true,
      noPropertyAccessFromIndexSignature: true,
      skipLibCheck,
      noEmit: true,
    };
    const files = file === 'consumer.ts' ? [file, 'readme-example.ts'] : [file];
    writeFileSync(join(project, config), JSON.stringify({ compilerOptions, files }, null, 2));
    const ran = await run(process.execPath, [TSC, '-p', config], project);
    return { config, ran, errors: errorsOf(ran.stdout) };
  };
  // Two at a time: four tsc processes at once would crowd a 2-core machine.
  for (const { resolution, skipLibCheck } of cases) {
    const [consumer, control] = await Promise.all([tsc(resolution, skipLibCheck, 'consumer.ts'), tsc(resolution, skipLibCheck, 'xstate-only.ts')]);
    const step = `tsc -p ${consumer.config} (step "tsc --noEmit")`;
    if (skipLibCheck) {
      assert.is(consumer.ran.code, 0, `${step} exited ${consumer.ran.code}:\n${consumer.ran.stdout}${consumer.ran.stderr}`);
      continue;
    }
    // Without skipLibCheck: nothing but XState's own five, and exactly what a project importing only XState gets.
    assert.equal(consumer.errors.filter((e) => !XSTATE_OWN.test(e)), [], `${step}:\n${consumer.ran.stdout}`);
    assert.equal(consumer.errors, control.errors, `${step}: not the errors of a project that imports only xstate (${control.config}):\n${control.ran.stdout}`);
    assert.is(control.errors.length, 5, `the control reports XState's five (${control.config}): if XState fixed them, drop the exception here and in the README:\n${control.ran.stdout}`);
  }
});

Package.run();
