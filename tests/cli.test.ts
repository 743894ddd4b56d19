import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { USAGE } from '../sim/argv.js';
import { EXIT, main } from '../sim/cli.js';
import { openStore } from '../store/index.js';
import { runProcess } from './helpers/runProcess.js';

const FIXTURES = fileURLToPath(new URL('./fixtures/scenarios/', import.meta.url));
const BIN = fileURLToPath(new URL('../bin/incident-flow.js', import.meta.url));
const fixture = (name: string) => join(FIXTURES, name);

/** Runs `main` in-process with stdout and stderr captured. */
async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(argv, { out: (t) => void (out += t), err: (t) => void (err += t), interactive: false });
  return { code, out, err };
}

/** A fresh temp dir per test, removed by `cleanup`. */
function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'incident-flow-cli-'));
}

interface ReportJson {
  scenario: string;
  file: string;
  seed: number;
  verdict: 'pass' | 'fail';
  expectations: Array<{ status: string; kind: string; name: string; expected: Record<string, unknown>; observed: Record<string, unknown> }>;
  incidents: Array<Record<string, unknown> & { id: string }>;
  metrics: { overall: { incidents: number; mttrMs: number | null } };
}
const readReport = (dir: string): ReportJson => JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8'));

// ---------------------------------------------------------------------------------------------
const Run = suite('incident-flow run');
let dir = '';
Run.before.each(() => void (dir = tempDir()));
Run.after.each(() => rmSync(dir, { recursive: true, force: true }));

Run('exits 0 and prints each expectation with its verdict, expected and observed values', async () => {
  const { code, out, err } = await cli('run', fixture('pass.yaml'), '--out', dir);
  assert.is(code, EXIT.pass, err);
  assert.match(out, 'CLI fixture, passing  (seed 5;');
  assert.match(out, 'Incidents: 1 (P0 0, P1 0, P2 1, P3 0;');
  assert.match(out, /PASS failure invoice-bug \(expect\[0\], line 19\): expected severity=P2 escalatedTo=none autoResolved=false resolvedWithinMs=7200000 \(2h 00m\); observed severity=P2 escalatedTo=none autoResolved=false resolvedWithinMs=\d+ \(\d+m \d\ds\)/);
  assert.match(out, 'PASS audit incident.retry (expect[1], line 20): expected count=3; observed count=3');
  assert.match(out, /PASS metric mttrMs \(expect\[2\], line 21\): expected max=900000 \(15m 00s\); observed mttrMs=\d+ \(\d+m \d\ds\)$/m);
  assert.match(out, 'Verdict: PASS (3/3 expectations)');
  for (const file of ['store.json', 'store.audit.jsonl', 'report.json', 'junit.xml']) assert.ok(existsSync(join(dir, file)), file);
  assert.not.match(readFileSync(join(dir, 'junit.xml'), 'utf8'), '<failure');
});

Run('writes report.json with the scenario, seed, verdict, every expectation, every incident and the metrics', async () => {
  assert.is((await cli('run', fixture('pass.yaml'), '--out', dir)).code, EXIT.pass);
  const report = readReport(dir);
  assert.is(report.scenario, 'CLI fixture, passing');
  assert.is(report.seed, 5);
  assert.is(report.verdict, 'pass');
  assert.is(report.expectations.length, 3);
  for (const e of report.expectations) {
    assert.is(e.status, 'pass');
    assert.type(e.expected, 'object');
    assert.type(e.observed, 'object');
  }
  assert.equal(report.expectations[1].expected, { count: 3 });
  assert.equal(report.expectations[1].observed, { count: 3 });
  assert.is(report.incidents.length, 1);
  const incident = report.incidents[0];
  for (const key of ['id', 'failure', 'severity', 'status', 'autoResolved', 'repeat', 'escalations', 'detectedAt', 'respondedAt', 'resolvedAt']) {
    assert.ok(key in incident, `incident.${key}`);
  }
  assert.is(incident.failure, 'invoice-bug');
  assert.is(incident.severity, 'P2');
  assert.is(incident.status, 'closed');
  assert.is(incident.autoResolved, false);
  assert.is(incident.repeat, false);
  assert.equal(incident.escalations, []);
  assert.is(incident.detectedAt, '2026-03-02T10:00:00.000Z');
  assert.is(report.metrics.overall.incidents, 1);
  assert.type(report.metrics.overall.mttrMs, 'number');
});

Run('--json prints report.json itself', async () => {
  const { code, out } = await cli('run', fixture('pass.yaml'), '--out', dir, '--json');
  assert.is(code, EXIT.pass);
  assert.is(out, readFileSync(join(dir, 'report.json'), 'utf8'));
});

Run('--seed overrides the scenario\'s seed', async () => {
  const { code, out } = await cli('run', fixture('pass.yaml'), '--out', dir, '--seed', '42');
  assert.is(code, EXIT.pass);
  assert.match(out, '(seed 42;');
  assert.is(readReport(dir).seed, 42);
});

Run('--db puts the store where it is told', async () => {
  const db = join(dir, 'stores', 'rehearsal.json');
  const out = join(dir, 'out');
  assert.is((await cli('run', fixture('pass.yaml'), '--out', out, '--db', db)).code, EXIT.pass);
  assert.ok(existsSync(db));
  assert.not.ok(existsSync(join(out, 'store.json')));
  assert.ok(existsSync(join(out, 'report.json')));
});

Run('a relative --db whose name has a colon is printed as given, not read as a URL', async () => {
  const cwd = process.cwd();
  process.chdir(dir);
  try {
    const { code, out } = await cli('run', fixture('pass.yaml'), '--out', 'out', '--db', 'Runs:A.json');
    assert.is(code, EXIT.pass);
    assert.match(out, 'Wrote Runs:A.json, ');
    assert.ok(existsSync(join(dir, 'Runs:A.json')));
  } finally {
    process.chdir(cwd);
  }
});

Run('a failed expectation exits 1 and junit.xml carries a <failure> with expected and observed', async () => {
  const { code, out } = await cli('run', fixture('fail.yaml'), '--out', dir);
  assert.is(code, EXIT.failed);
  assert.match(out, 'FAIL failure invoice-bug (expect[0], line 16): expected severity=P0 escalatedTo=atlas; observed severity=P2 escalatedTo=none');
  assert.match(out, 'PASS audit incident.retry');
  assert.match(out, 'Verdict: FAIL (1/2 expectations)');
  const junit = readFileSync(join(dir, 'junit.xml'), 'utf8');
  assert.match(junit, /<testsuites tests="2" failures="1" errors="0" skipped="0" time="[\d.]+">/);
  // The message names the fields that failed, where the scenario wrote them; the body holds the whole verdict.
  assert.match(junit, /<testcase classname="CLI fixture, failing" name="failure invoice-bug \(expect\[0\]\)" time="0.000">\s*<failure message="[^"]*fail\.yaml:16:39 expect\[0\]\.severity: expected P0, observed P2 \(inc_\w+\); [^"]*fail\.yaml:16:56 expect\[0\]\.escalatedTo: expected atlas, observed none \(inc_\w+\)">expected [^<]*&quot;severity&quot;:&quot;P0&quot;[^<]*&quot;severity&quot;:&quot;P2&quot;[^<]*<\/failure>/);
  assert.match(junit, '<testcase classname="CLI fixture, failing" name="audit incident.retry (expect[1])" time="0.000"/>');
  assert.is(readReport(dir).verdict, 'fail');
});

Run('junit.xml carries time, timestamp, errors and skipped, all from virtual time', async () => {
  await cli('run', fixture('fail.yaml'), '--out', dir);
  const junit = readFileSync(join(dir, 'junit.xml'), 'utf8');
  const report = readReport(dir) as ReportJson & { start: string; end: string };
  const suite = /<testsuite name="CLI fixture, failing" tests="2" failures="1" errors="0" skipped="0" time="([\d.]+)" timestamp="([^"]+)">/.exec(junit);
  assert.ok(suite, junit);
  // The scenario's virtual start, as JUnit's zone-less xs:dateTime; time is the rehearsal's virtual length.
  assert.is(suite![2], '2026-03-02T10:00:00');
  assert.is(Number(suite![1]), (Date.parse(report.end) - Date.parse(report.start)) / 1000);
  assert.ok(Number(suite![1]) > 0);
  assert.match(junit, `<testsuites tests="2" failures="1" errors="0" skipped="0" time="${suite![1]}">`);
});

Run('names each incident with its id, reviewed ones first, and prints the review command of one', async () => {
  const { code, out } = await cli('run', join(FIXTURES, '..', '..', '..', 'scenarios', 'p0-database-down.yaml'), '--out', dir);
  assert.is(code, EXIT.pass);
  const id = readReport(dir).incidents[0].id;
  assert.match(out, new RegExp(`^Incidents \\(1, 1 with a review\\):\\n.*\\n  ${id}\\s+P0\\s+closed\\s+billing-agent / invoice-run\\s+2026-03-02 14:00:00\\s+yes$`, 'm'));
  const hint = `incident-flow review ${id} --db ${join(dir, 'store.json')}`;
  assert.match(out, `Read a review: ${hint}\n`);
  const review = await cli(...hint.split(' ').slice(1));
  assert.is(review.code, EXIT.pass, review.err);
  assert.match(review.out, `# Post-incident review: ${id} (P0)`);
});

Run('--runs N --out DIR writes the sweep\'s report.json and junit.xml (a testsuite per seed), as it says', async () => {
  const { code, out } = await cli('run', fixture('seeded.yaml'), '--runs', '3', '--out', dir);
  assert.is(code, EXIT.pass);
  assert.match(out, `Wrote ${join(dir, 'report.json')}, ${join(dir, 'junit.xml')}\n`);
  const junit = readFileSync(join(dir, 'junit.xml'), 'utf8');
  assert.equal([...junit.matchAll(/<testsuite name="([^"]+)"/g)].map((m) => m[1]), [9, 10, 11].map((seed) => `CLI fixture, random load (seed ${seed})`));
  assert.not.ok(existsSync(join(dir, 'store.json')), 'a sweep keeps no store, and says so');
  assert.match(out, `A sweep keeps no store: \`incident-flow run ${fixture('seeded.yaml')} --seed N\` rebuilds any seed's.\n`);
});

Run('--runs 7 prints a count\'s interpolated p95 with at most two decimals, as report.json\'s value rounded', async () => {
  const { code, out } = await cli('run', fixture('seeded.yaml'), '--runs', '7', '--out', dir);
  assert.is(code, EXIT.pass);
  const report = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as { percentiles: Array<{ metric: string; p50: number; p95: number }> };
  for (const metric of ['incidents', 'escalations', 'slaBreaches']) {
    const row = report.percentiles.find((r) => r.metric === metric);
    assert.ok(row, metric);
    const shown = (v: number) => String(Math.round(v * 100) / 100);
    assert.match(out, new RegExp(`^${metric}\\s+${shown(row.p50)}\\s+${shown(row.p95)}$`, 'm'), metric);
  }
  // Seeds 9..15 of this fixture: p95 of the incidents is 30.1, which String() printed as 30.099999999999998.
  assert.match(out, /^incidents\s+\d+\s+30\.1$/m);
});

Run('without --out, run and run --runs both write to incident-flow-out/<name>/', async () => {
  const cwd = process.cwd();
  process.chdir(dir);
  try {
    assert.is((await cli('run', fixture('seeded.yaml'), '--runs', '2')).code, EXIT.pass);
    assert.equal(JSON.parse(readFileSync(join('incident-flow-out', 'seeded', 'report.json'), 'utf8')).seeds, [9, 10]);
    assert.ok(existsSync(join('incident-flow-out', 'seeded', 'junit.xml')));
    assert.is((await cli('run', fixture('seeded.yaml'))).code, EXIT.pass);
    for (const f of ['store.json', 'report.json', 'junit.xml']) assert.ok(existsSync(join('incident-flow-out', 'seeded', f)), f);
  } finally {
    process.chdir(cwd);
  }
});

Run('--runs 5 sweeps five seeds and prints p50 and p95 of each metric', async () => {
  const { code, out } = await cli('run', fixture('seeded.yaml'), '--runs', '5', '--out', dir);
  assert.is(code, EXIT.pass);
  assert.match(out, 'CLI fixture, random load: 5 runs, seeds 9..13');
  assert.match(out, /^metric\s+p50\s+p95$/m);
  for (const metric of ['incidents', 'escalations', 'mttrMs', 'mttResolveMs', 'autoResolveRate', 'repeatRate', 'slaAttainment']) {
    assert.match(out, new RegExp(`^${metric}\\s+\\S+.*\\s+\\S+$`, 'm'), metric);
  }
  assert.match(out, 'Every run met its expectations');
  const report = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8'));
  assert.equal(report.seeds, [9, 10, 11, 12, 13]);
  assert.equal(report.runs.map((r: { failedExpectations: unknown }) => r.failedExpectations), [[], [], [], [], []], 'a run that passed lists no failed expectation');
  const incidents = report.percentiles.find((r: { metric: string }) => r.metric === 'incidents');
  assert.type(incidents.p50, 'number');
  assert.ok(incidents.p95 >= incidents.p50);
});

Run('a sweep that fails names each failing expectation with the seeds it failed for', async () => {
  const file = join(dir, 'sweep-fails.yaml');
  writeFileSync(file, `${readFileSync(fixture('seeded.yaml'), 'utf8').replace('$schema: ../../../sim/scenario/scenario.schema.json\n', '')}  - { metric: incidents, max: 0 }\n`);
  const { code, out } = await cli('run', file, '--runs', '2', '--out', join(dir, 'sweep-fails'));
  assert.is(code, EXIT.failed);
  assert.match(out, '\nExpectations failed for seeds 9, 10:\n  FAIL metric incidents (expect[1], line 17): seeds 9, 10\nWrote ');
  assert.not.match(out, '(expect[0]', 'the expectation every seed met is not named');
  // report.json says for each run which expectations failed, as its junit.xml does: each with its mismatches.
  const report = JSON.parse(readFileSync(join(dir, 'sweep-fails', 'report.json'), 'utf8')) as { runs: Array<{ seed: number; failedExpectations: unknown; metrics: { incidents: number } }> };
  const junit = readFileSync(join(dir, 'sweep-fails', 'junit.xml'), 'utf8');
  assert.equal(report.runs.map((r) => r.seed), [9, 10]);
  for (const run of report.runs) {
    const incidents = run.metrics.incidents;
    const message = `expected at most 0, observed ${incidents}`;
    assert.equal(run.failedExpectations, [{
      kind: 'metric', name: 'metric incidents', path: 'expect[1]', line: 17,
      mismatches: [{ path: 'expect[1].max', line: 17, column: 31, expected: 0, observed: incidents, message }],
    }], `seed ${run.seed}`);
    assert.match(junit, `(seed ${run.seed})" name="metric incidents (expect[1])" time="0.000">\n      <failure message="${file}:17:31 expect[1].max: ${message}">`);
  }
});

Run.run();

// ---------------------------------------------------------------------------------------------
const Invalid = suite('incident-flow run: invalid scenarios exit 2 and write nothing');
let home = '';
Invalid.before.each(() => void (home = tempDir()));
Invalid.after.each(() => rmSync(home, { recursive: true, force: true }));

const INVALID: Array<{ name: string; file: string; expect: (file: string) => string | RegExp }> = [
  { name: 'malformed YAML', file: 'malformed.yaml', expect: (f) => `${f}:5:1 invalid YAML:` },
  { name: 'an unknown key, with did-you-mean', file: 'unknown-key.yaml', expect: (f) => `${f}:6:5 failures[0].agnet: unknown key "agnet"; did you mean "agent"?` },
  { name: 'a bad duration', file: 'bad-duration.yaml', expect: (f) => `${f}:6:9 failures[0].at: expected a duration like "5m", got "5 minutes"` },
  { name: 'an unknown agent reference', file: 'unknown-agent.yaml', expect: (f) => `${f}:6:12 failures[0].agent: unknown agent "biling-agent"; did you mean "billing-agent"?` },
  { name: 'a file that does not exist', file: 'no-such-scenario.yaml', expect: (f) => `${f}: cannot read the scenario: no such file` },
  { name: 'a folder instead of a file', file: '.', expect: () => /scenarios\/?\.?: cannot read the scenario: is a directory/ },
];

for (const { name, file, expect } of INVALID) {
  Invalid(`${name}: file, line and path in the message; no out dir, no store`, async () => {
    const path = fixture(file);
    const out = join(home, 'out');
    const db = join(home, 'db', 'store.json');
    const { code, out: stdout, err } = await cli('run', path, '--out', out, '--db', db);
    assert.is(code, EXIT.invalid);
    assert.is(stdout, '');
    assert.match(err, expect(path));
    assert.match(err, 'nothing was written');
    assert.not.ok(existsSync(out), 'out dir created');
    assert.not.ok(existsSync(join(home, 'db')), 'store created');
  });
}

Invalid('without --out, the default out dir is not created either', async () => {
  const path = join(home, 'broken-default-out.yaml');
  writeFileSync(path, 'name: x\nfailures: [{ id: a, agent: ghost, error: boom }]\n');
  const { code } = await cli('run', path);
  assert.is(code, EXIT.invalid);
  assert.not.ok(existsSync(join('incident-flow-out', 'broken-default-out')));
});

Invalid.run();

// ---------------------------------------------------------------------------------------------
const Db = suite('incident-flow run --db: only a rehearsal\'s own store is replaced');
let work = '';
Db.before.each(() => void (work = tempDir()));
Db.after.each(() => rmSync(work, { recursive: true, force: true }));

Db('a JSON file that is not a store is refused with exit 2 and left byte for byte', async () => {
  const db = join(work, 'settings.json');
  writeFileSync(db, '{ "theme": "dark" }\n');
  const out = join(work, 'out');
  const { code, err } = await cli('run', fixture('pass.yaml'), '--db', db, '--out', out);
  assert.is(code, EXIT.invalid);
  assert.match(err, db);
  assert.is(readFileSync(db, 'utf8'), '{ "theme": "dark" }\n');
  assert.not.ok(existsSync(out), 'out dir created');
});

Db('an incident-flow store that no rehearsal wrote (production data) is refused and left as it was', async () => {
  const db = join(work, 'production.json');
  const store = await openStore(db);
  store.put('tenants', { id: 'acme', admin: 'ops@acme.example' });
  await store.flush();
  await store.close();
  const before = readFileSync(db);
  const out = join(work, 'out');
  const { code, err } = await cli('run', fixture('pass.yaml'), '--db', db, '--out', out);
  assert.is(code, EXIT.invalid);
  assert.match(err, `--db ${db}: the file exists and was not written by a rehearsal`);
  assert.equal(readFileSync(db), before);
  assert.not.ok(existsSync(out), 'out dir created');
});

Db('a rehearsal store is replaced by the next run, not added to', async () => {
  const db = join(work, 'rehearsal.json');
  assert.is((await cli('run', fixture('pass.yaml'), '--db', db, '--out', join(work, 'a'))).code, EXIT.pass);
  assert.is((await cli('run', fixture('pass.yaml'), '--db', db, '--out', join(work, 'b'))).code, EXIT.pass);
  const store = await openStore(db, { readonly: true });
  try {
    assert.is(store.list('incidents').length, 1);
  } finally {
    await store.close();
  }
});

Db.run();

// ---------------------------------------------------------------------------------------------
const Usage = suite('usage errors exit 2 with the usage');

const USAGE_ERRORS: Array<{ argv: string[]; message: string }> = [
  { argv: ['frobnicate'], message: 'unknown command "frobnicate"' },
  { argv: ['run'], message: 'run: expected one scenario file, got 0' },
  { argv: ['run', 'a.yaml', 'b.yaml'], message: 'run: expected one scenario file, got 2' },
  { argv: ['run', 'a.yaml', '--seed', 'abc'], message: '--seed: expected an integer ≥ 0, got "abc"' },
  { argv: ['run', 'a.yaml', '--runs', '0'], message: '--runs: expected an integer ≥ 1, got "0"' },
  { argv: ['run', 'a.yaml', '--seed', '-1'], message: '--seed: expected an integer ≥ 0, got "-1"' },
  { argv: ['run', 'a.yaml', '--runs', '-3'], message: '--runs: expected an integer ≥ 1, got "-3"' },
  { argv: ['run', 'a.yaml', '--watch', '--speed', '-2'], message: '--speed: expected a positive decimal number like 60 or 0.5 (virtual seconds per real second), got "-2"' },
  { argv: ['run', 'a.yaml', '--sede', '3'], message: "Unknown option '--sede'" },
  { argv: ['run', 'a.yaml', '--runs', '3', '--db', 's.json'], message: '--db: a sweep (--runs N) keeps no store; run one seed with --seed N --db FILE' },
  { argv: ['run', 'a.yaml', '--runs', '3', '--watch'], message: '--watch: a sweep (--runs N) is not watched; watch one seed with --seed N --watch' },
  { argv: ['validate'], message: 'validate: expected at least one scenario file' },
  { argv: ['report'], message: 'report: --db FILE is required' },
  { argv: ['report', '--db', 'x.json', '--from', 'yesterday'], message: '--from: expected an ISO-8601 instant (2026-03-02 or 2026-03-02T14:00:00Z), got "yesterday"' },
  { argv: ['report', '--db', 'x.json', '--to', '2026-13-01'], message: '--to: expected an ISO-8601 instant (2026-03-02 or 2026-03-02T14:00:00Z), got "2026-13-01"' },
  { argv: ['report', '--db', 'x.json', '--from', '1'], message: '--from: expected an ISO-8601 instant (2026-03-02 or 2026-03-02T14:00:00Z), got "1"' },
  { argv: ['report', '--db', 'x.json', '--to', 'March 3, 2026'], message: '--to: expected an ISO-8601 instant (2026-03-02 or 2026-03-02T14:00:00Z), got "March 3, 2026"' },
  { argv: ['report', '--db', 'x.json', '--from', '2026-03-03', '--to', '2026-03-01'], message: '--from 2026-03-03 --to 2026-03-01: expected --from earlier than --to (the range is [from, to))' },
  { argv: ['watch', '--db', 'x.json', '--port', '99999'], message: '--port: expected a port from 0 to 65535, got "99999"' },
  { argv: ['run', 'a.yaml', '--port', '8080'], message: '--port: only for a watched run; add --watch' },
  { argv: ['run', 'a.yaml', '--watch', '--host', '0.0.0.0'], message: '--host: not an option of run; it takes --db, --out, --seed, --runs, --json, --watch, --speed, --port' },
  { argv: ['report', '--db', 'x.json', '--port', '8080'], message: '--port: not an option of report; it takes --db, --from, --to, --json, --html' },
  { argv: ['review', 'inc_1', '--db', 'x.json', '--json'], message: '--json: not an option of review; it takes --db' },
  { argv: ['watch', '--db', 'x.json', '--from', '2026-03-01'], message: '--from: not an option of watch; it takes --db, --port, --host' },
  { argv: ['validate', 'a.yaml', '--out', 'o'], message: '--out: not an option of validate; it takes none' },
  { argv: ['run-all', '--seed', '3'], message: '--seed: not an option of run-all; it takes --out, --db' },
  { argv: ['run', 'a.yaml', '--speed', '120'], message: '--speed: only for a watched run; add --watch' },
  { argv: ['run', 'a.yaml', '--watch', '--port', '65536'], message: '--port: expected a port from 0 to 65535, got "65536"' },
  { argv: ['review', 'inc_1'], message: 'review: --db FILE is required' },
  { argv: ['watch', 'postgres://ops:s3cret@127.0.0.1:5432/db?schema=ops'], message: 'watch: the store is given with --db; did you mean watch --db postgres://ops:***@127.0.0.1:5432/db?schema=ops?' },
  { argv: ['report', '--db', 'x.json', 'x2.json', 'x3.json'], message: 'report: takes no argument besides its options, got "x2.json" and 1 more' },
  { argv: ['review', '--db', 'x.json'], message: 'review: expected one incident id, got 0' },
  { argv: ['run-all', 'a', 'b'], message: 'run-all: expected at most one folder, got 2' },
  { argv: ['run-all', 'no-such-folder-here'], message: 'run-all: no folder "no-such-folder-here"' },
];

for (const { argv, message } of USAGE_ERRORS) {
  Usage(`incident-flow ${argv.join(' ')}`, async () => {
    const { code, out, err } = await cli(...argv);
    assert.is(code, EXIT.invalid);
    assert.is(out, '');
    assert.match(err, `incident-flow: ${message}`);
    assert.match(err, USAGE);
  });
}

Usage('a run\'s folder given without --db is told the store file in it, not --db FOLDER (refused in turn as a folder)', async () => {
  const dir = tempDir();
  try {
    const advice = async (...argv: string[]) => {
      const { code, out, err } = await cli(...argv);
      assert.is(code, EXIT.invalid, err);
      assert.is(out, '');
      return err.split('\n')[0];
    };
    assert.is(await advice('report', dir), `incident-flow: report: the store is given with --db FILE|URL: a store file (such as the store.json run writes into its --out folder) or a PostgreSQL URL; ${dir} is a folder with no store.json`);
    writeFileSync(join(dir, 'store.json'), '');
    assert.is(await advice('report', dir), `incident-flow: report: the store is given with --db, and ${dir} is a folder; did you mean report --db ${join(dir, 'store.json')} (the store run wrote there)?`);
    assert.is(await advice('watch', dir), `incident-flow: watch: the store is given with --db, and ${dir} is a folder; did you mean watch --db ${join(dir, 'store.json')} (the store run wrote there)?`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

Usage('report and review refuse a --db that does not exist instead of reporting an empty store', async () => {
  const missing = join(tmpdir(), 'incident-flow-cli-no-such-store.json');
  for (const argv of [['report', '--db', missing], ['review', 'inc_1', '--db', missing]]) {
    const { code, out, err } = await cli(...argv);
    assert.is(code, EXIT.invalid, argv.join(' '));
    assert.is(out, '');
    assert.match(err, `--db ${missing}: no such store file`);
  }
  assert.not.ok(existsSync(missing));
});

Usage('watch refuses a --db whose folder does not exist: exit 2, one line naming the folder, nothing served or created', async () => {
  const folder = join(tmpdir(), `incident-flow-cli-no-such-folder-${process.pid}`);
  const { code, out, err } = await cli('watch', '--db', join(folder, 'run.json'));
  assert.is(code, EXIT.invalid, err);
  assert.is(out, '');
  assert.is(err.trimEnd().split('\n').length, 1, err);
  assert.match(err, `cannot watch ${join(folder, 'run.json')}: its folder ${folder} does not exist`);
  assert.not.ok(existsSync(folder));
});

Usage('help prints the usage and exits 0', async () => {
  for (const argv of [[], ['help'], ['--help']]) {
    const { code, out } = await cli(...argv);
    assert.is(code, EXIT.pass);
    assert.is(out, `${USAGE}\n`);
  }
});

Usage('--version prints the version in package.json and exits 0', async () => {
  const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  for (const argv of [['--version'], ['-v']]) {
    const { code, out } = await cli(...argv);
    assert.is(code, EXIT.pass);
    assert.is(out, `${version}\n`);
  }
});

Usage.run();

// ---------------------------------------------------------------------------------------------
const Validate = suite('incident-flow validate');

Validate('reports every problem of every file at once, in file order, and exits 2', async () => {
  const many = fixture('many-problems.yaml');
  const missing = fixture('no-such-scenario.yaml');
  const { code, out, err } = await cli('validate', fixture('pass.yaml'), many, missing);
  assert.is(code, EXIT.invalid);
  assert.is(out, `${fixture('pass.yaml')}: ok\n`);
  const lines = err.trimEnd().split('\n');
  assert.equal(lines, [
    `${many}:6:9 failures[0].at: expected a duration like "5m", got "soon"`,
    `${many}:10:12 failures[1].agent: unknown agent "nobody"`,
    `${many}:13:19 expect[0].severty: unknown key "severty"; did you mean "severity"?`,
    `${missing}: cannot read the scenario: no such file`,
  ]);
});

Validate('exits 0 when every file is valid', async () => {
  const { code, out, err } = await cli('validate', fixture('pass.yaml'), fixture('fail.yaml'), fixture('seeded.yaml'));
  assert.is(code, EXIT.pass);
  assert.is(err, '');
  assert.is(out.trimEnd().split('\n').length, 3);
});

Validate.run();

// ---------------------------------------------------------------------------------------------
const Over = suite('report and review over a run\'s store');
let runDir = '';
let incidentId = '';
Over.before(async () => {
  runDir = tempDir();
  const { code } = await cli('run', fixture('pass.yaml'), '--out', runDir);
  assert.is(code, EXIT.pass);
  incidentId = readReport(runDir).incidents[0].id;
});
Over.after(() => rmSync(runDir, { recursive: true, force: true }));

Over('report --db prints the metrics by severity', async () => {
  const { code, out } = await cli('report', '--db', join(runDir, 'store.json'));
  assert.is(code, EXIT.pass);
  assert.match(out, /^P2\s+1\s+0s\s/m);
  assert.match(out, /^All\s+1\s/m);
  assert.match(out, 'Escalation funnel: detected 1 → retried 1 (100.0%) → Cheryl 1 (100.0%) → Petra 0');
  // The incidents are named, so `review <id>` needs no grep.
  assert.match(out, new RegExp(`^Incidents \\(1\\):\\n.*\\n  ${incidentId}\\s+P2\\s+closed\\s+billing-agent / invoice-run\\s+2026-03-02 `, 'm'));
});

Over('report --db --json gives the same numbers as the run\'s report.json', async () => {
  const { code, out } = await cli('report', '--db', join(runDir, 'store.json'), '--json');
  assert.is(code, EXIT.pass);
  assert.equal(JSON.parse(out).overall, readReport(runDir).metrics.overall);
});

Over('report --html writes one page and says so, instead of printing the table', async () => {
  const html = join(runDir, 'report.html');
  const { code, out } = await cli('report', '--db', join(runDir, 'store.json'), '--html', html);
  assert.is(code, EXIT.pass);
  assert.match(readFileSync(html, 'utf8'), /^<!doctype html>/i);
  assert.is(out, `Wrote ${html} (1 incident in the store; open it in a browser)\n`);
});

Over('review <incident> prints the post-incident review as Markdown with its five sections', async () => {
  const { code, out } = await cli('review', incidentId, '--db', join(runDir, 'store.json'));
  assert.is(code, EXIT.pass);
  assert.match(out, new RegExp(`^(> Draft: .*\\n\\n)?# Post-incident review: ${incidentId} \\(P2\\)`));
  const sections = [...out.matchAll(/^## (.+)$/gm)].map((m) => m[1]);
  assert.equal(sections.map((s) => s.replace(/ \(.*\)$/, '')), ['1. Timeline', '2. Root cause analysis', '3. Impact', '4. Corrective actions', '5. Process improvements']);
  assert.match(out, '| incident.detected | engine |');
});

Over('review of an incident the store does not hold exits 2', async () => {
  const { code, out, err } = await cli('review', 'inc_nope', '--db', join(runDir, 'store.json'));
  assert.is(code, EXIT.invalid);
  assert.is(out, '');
  assert.match(err, 'no incident "inc_nope"');
});

Over('review of an unknown id names the store and the closest id it holds, or the command that lists them', async () => {
  const db = join(runDir, 'store.json');
  const typo = `${incidentId.slice(0, -1)}${incidentId.endsWith('x') ? 'y' : 'x'}`;
  const near = await cli('review', typo, '--db', db);
  assert.is(near.code, EXIT.invalid);
  assert.is(near.err, `incident-flow reports: no incident "${typo}" in ${db}; did you mean "${incidentId}"?\n`);
  const far = await cli('review', 'nothing-like-it', '--db', db);
  assert.is(far.err, `incident-flow reports: no incident "nothing-like-it" in ${db}; \`incident-flow report --db ${db}\` lists its incidents with their ids\n`);
});

Over.run();

// ---------------------------------------------------------------------------------------------
const RunAll = suite('incident-flow run-all');
let lib = '';
RunAll.before.each(() => {
  lib = tempDir();
  for (const f of ['pass.yaml', 'fail.yaml']) copyFileSync(fixture(f), join(lib, f));
});
RunAll.after.each(() => rmSync(lib, { recursive: true, force: true }));

RunAll('prints one line per scenario and exits 1 when one fails', async () => {
  const { code, out } = await cli('run-all', lib, '--out', join(lib, 'out'));
  assert.is(code, EXIT.failed);
  const [header, ...lines] = out.trimEnd().split('\n');
  assert.match(header, `each written to ${join(lib, 'out')}/<name>/`);
  assert.is(lines.length, 2);
  assert.match(lines[0], /^FAIL\s+fail\.yaml\s+CLI fixture, failing — incidents 1, .* expectations 1\/2$/);
  assert.match(lines[1], /^PASS\s+pass\.yaml\s+CLI fixture, passing — incidents 1, .* expectations 3\/3$/);
  // Each rehearsal ran on the embedded lowdb store and left its files.
  for (const name of ['pass', 'fail']) {
    for (const f of ['store.json', 'store.audit.jsonl', 'report.json', 'junit.xml']) assert.ok(existsSync(join(lib, 'out', name, f)), `${name}/${f}`);
  }
});

RunAll('exits 0 when every scenario passes, and 2 (naming the problem) when one is invalid', async () => {
  rmSync(join(lib, 'fail.yaml'));
  assert.is((await cli('run-all', lib, '--out', join(lib, 'out'))).code, EXIT.pass);
  copyFileSync(fixture('bad-duration.yaml'), join(lib, 'bad-duration.yaml'));
  const { code, out } = await cli('run-all', lib, '--out', join(lib, 'out'));
  assert.is(code, EXIT.invalid);
  assert.match(out, `INVALID bad-duration.yaml\n${join(lib, 'bad-duration.yaml')}:6:9 failures[0].at: expected a duration`);
  assert.match(out, /^PASS\s+pass\.yaml/m);
});

RunAll('ignores files that are not scenarios', async () => {
  mkdirSync(join(lib, 'notes'));
  writeFileSync(join(lib, 'README.md'), '# not a scenario\n');
  rmSync(join(lib, 'fail.yaml'));
  const { code, out } = await cli('run-all', lib, '--out', join(lib, 'out'));
  assert.is(code, EXIT.pass);
  assert.is(out.trimEnd().split('\n').length, 2, 'the header and one scenario');
});

RunAll('refuses a file or a folder with no scenario, instead of passing with nothing run', async () => {
  const notes = join(lib, 'notes');
  mkdirSync(notes);
  writeFileSync(join(notes, 'README.md'), '# not a scenario\n');
  const file = join(lib, 'pass.yaml');
  for (const [dir, message] of [[notes, `run-all: no scenario files (.yaml, .yml, .json) in "${notes}"`], [file, `run-all: "${file}" is a file, expected a folder of scenarios (run one with \`incident-flow run ${file}\`)`]]) {
    const { code, out, err } = await cli('run-all', dir, '--out', join(lib, 'out'));
    assert.is(code, EXIT.invalid, dir);
    assert.is(out, '');
    assert.match(err, `incident-flow: ${message}\n`);
  }
  assert.not.ok(existsSync(join(lib, 'out')));
});

RunAll('says a folder given with a trailing slash once, with one slash', async () => {
  const { out } = await cli('run-all', `${lib}/`, '--out', `${join(lib, 'out')}/`);
  assert.is(out.split('\n')[0], `Rehearsals in ${lib}/, each written to ${join(lib, 'out')}/<name>/ (lowdb store, report.json, junit.xml)`);
});

RunAll.run();

// ---------------------------------------------------------------------------------------------
const Process = suite('bin/incident-flow.js as a process: exit codes');

// The bin on the sources (package.json "imports" #cli); tests/package.test.ts runs it compiled.
const exec = (args: string[], cwd: string) =>
  runProcess(process.execPath, ['--conditions=incident-flow-source', '--import', import.meta.resolve('tsx'), BIN, ...args], { cwd });

Process('0 for a pass, 1 for a failed expectation, 2 for an invalid scenario and for a usage error', async () => {
  const cwd = tempDir();
  try {
    // In parallel: each process pays tsx's start-up once.
    const [pass, fail, invalid, usage] = await Promise.all([
      exec(['run', fixture('pass.yaml'), '--out', 'pass'], cwd),
      exec(['run', fixture('fail.yaml'), '--out', 'fail'], cwd),
      exec(['run', fixture('unknown-agent.yaml'), '--out', 'invalid'], cwd),
      exec(['run', fixture('pass.yaml'), '--seed', '-1'], cwd),
    ]);
    assert.is(pass.code, 0, pass.stderr);
    assert.match(pass.stdout, 'Verdict: PASS');
    assert.is(fail.code, 1, fail.stderr);
    assert.match(fail.stdout, 'Verdict: FAIL');
    assert.ok(existsSync(join(cwd, 'fail', 'junit.xml')));
    assert.is(invalid.code, 2);
    assert.match(invalid.stderr, 'failures[0].agent: unknown agent "biling-agent"');
    assert.not.ok(existsSync(join(cwd, 'invalid')));
    assert.is(usage.code, 2);
    assert.match(usage.stderr, 'Usage: incident-flow');
    assert.not.ok(existsSync(join(cwd, 'incident-flow-out')), 'a usage error wrote the default out dir');
  } finally {
    rmSync(cwd, { recursive: true, force: true });
  }
});

Process.run();
