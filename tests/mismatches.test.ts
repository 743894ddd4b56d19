import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { runScenario } from '../sim/runner.js';
import { parseScenario } from '../sim/scenario/index.js';
import { junitXml, renderSummary, reportJson } from '../sim/summary.js';
import { boundMismatches, showMetric } from '../sim/mismatches.js';

/**
 * A failing expectation names each field that failed as the scenario wrote it
 * (`expect[0].resolvedWithin`), at its line and column, with what was expected and what was
 * observed: the summary, report.json and junit.xml say the same.
 */
const HEAD = `name: Mismatches
start: "2026-11-02T10:00:00Z"
tenants: [ { id: acme, admin: ops@acme.example } ]
agents: [ { id: a1, tenant: acme, workflows: [w1] } ]
responders: { cheryl: { ack: 1m }, petra: { ack: 1m }, atlas: { ack: 1m } }
failures:
  # A P0: Cheryl at 1m, Petra at 2m, fixed 58m after the last escalation: resolved at 1h.
  - { id: down, agent: a1, workflow: w1, error: down, retryable: false, impact: { kind: platform-down }, fixedAfter: 58m }
  - { id: flaky, agent: a1, workflow: w1, error: flaky, succeedsOnAttempt: 2, repeat: { every: 1h, count: 3 } }
expect:
`;
const run = async (expect: string) => runScenario(parseScenario(`${HEAD}${expect}`, 'mismatch.yaml'));
interface Reported {
  expectations: Array<{ status: string; mismatches?: Array<Record<string, unknown>> }>;
}

const Mismatch = suite('a failing expectation says which field, where, what was expected and observed');

Mismatch('a block-style entry: the failing field on its own line, not the entry\'s, and the passing field not named', async () => {
  const r = await run(`  - failure: down
    severity: P0
    resolvedWithin: 30m
`);
  const lines = renderSummary(r).split('\n');
  const at = lines.findIndex((l) => l.startsWith('  FAIL failure down (expect[0], line 11)'));
  assert.ok(at > 0, renderSummary(r));
  assert.is(lines[at + 1], '    mismatch.yaml:13:21 expect[0].resolvedWithin: expected at most 30m, observed 1h (' + String((r.expectations[0]?.observed.each as { at(k: number): { incident: string } }).at(0).incident) + ')');
  assert.ok(lines[at + 2].startsWith('Verdict: FAIL'), 'severity passed: no line for it');
});

Mismatch('several fields on one flow-style line: each named with its column', async () => {
  const r = await run('  - { failure: down, severity: P1, escalatedTo: petra, autoResolved: true }\n');
  const text = renderSummary(r);
  assert.match(text, /\n {4}mismatch\.yaml:11:32 expect\[0\].severity: expected P1, observed P0 \(inc_\w+\)\n/);
  assert.match(text, /\n {4}mismatch\.yaml:11:49 expect\[0\]\.escalatedTo: expected petra, observed atlas \(inc_\w+\)\n/);
  assert.match(text, /\n {4}mismatch\.yaml:11:70 expect\[0\]\.autoResolved: expected true, observed false \(inc_\w+\)\n/);
});

Mismatch('the failing fields are listed in the order the scenario writes them, not the order they are checked in', async () => {
  const r = await run(`  - failure: down
    resolvedWithin: 30m
    escalatedTo: petra
    severity: P1
`);
  const paths = (r.expectations[0]?.mismatches ?? []).map((m) => `${m.line}:${m.column} ${m.path}`);
  assert.equal(paths, ['12:21 expect[0].resolvedWithin', '13:18 expect[0].escalatedTo', '14:15 expect[0].severity']);
  const text = renderSummary(r);
  assert.ok(text.indexOf('expect[0].resolvedWithin') < text.indexOf('expect[0].severity'), text);
  // The FAIL line above them lists the fields in the same order, not the order they are checked in.
  assert.match(text, /FAIL failure down \(expect\[0\], line 11\): expected resolvedWithinMs=1800000 \(30m 00s\) escalatedTo=petra severity=P1; observed resolvedWithinMs=\d+ \(\S+ \S+\) escalatedTo=atlas severity=P0\n/);
  // Nothing to measure breaks every bound: max, written first, comes first.
  const silent = await runScenario(parseScenario('name: Silent\nuntil: 1h\nagents: [ { id: a1 } ]\nexpect:\n  - { metric: mttrMs, max: 5m, min: 1m }\n', 'silent.yaml'));
  assert.equal(silent.expectations[0]?.mismatches?.map((m) => m.path), ['expect[0].max', 'expect[0].min']);
  assert.match(renderSummary(silent), 'FAIL metric mttrMs (expect[0], line 5): expected max=300000 (5m 00s) min=60000 (1m 00s);');
});

Mismatch('several incidents: the first failing one and how many of them fail the field', async () => {
  const r = await run('  - { failure: flaky, autoResolved: false }\n');
  assert.match(renderSummary(r), /mismatch\.yaml:11:37 expect\[0\]\.autoResolved: expected false, observed true \(inc_\w+; 3 of 3 incidents fail it\)/);
});

Mismatch('audit and metric bounds: the bound that failed, a duration as a duration, nothing to measure said so', async () => {
  const r = await run(`  - { audit: incident.escalated, min: 1, max: 1 }
  - { metric: mttResolveMs, min: 1m, max: 2m }
  - { metric: incidents, equals: 9 }
`);
  const text = renderSummary(r);
  assert.match(text, '    mismatch.yaml:11:47 expect[0].max: expected at most 1, observed 2\n');
  assert.not.match(text, 'expect[0].min');
  assert.match(text, /    mismatch\.yaml:12:43 expect\[1\]\.max: expected at most 2m, observed \d+m(\d+s)?(\d+ms)?\n/);
  assert.match(text, '    mismatch.yaml:13:34 expect[2].equals: expected 9, observed 4\n');
  const nothing = await run('  - { metric: mttdMs, max: 5m }\n  - { failure: down, resolvedWithin: 2h }\n');
  assert.not.match(renderSummary(nothing), 'nothing to measure', 'a measured metric passes');
});

Mismatch('report.json lists the mismatches of a failing expectation only, and junit.xml\'s failure message says what the summary says', async () => {
  const r = await run(`  - { failure: down, severity: P1 }
  - { audit: incident.escalated, count: 2 }
`);
  const report = JSON.parse(reportJson(r)) as Reported;
  assert.is(report.expectations[1]?.status, 'pass');
  assert.not.ok('mismatches' in (report.expectations[1] ?? {}), 'a pass writes what it wrote before');
  const [m] = report.expectations[0]?.mismatches ?? [];
  assert.equal({ ...m, incident: typeof m?.incident }, { path: 'expect[0].severity', line: 11, column: 32, expected: 'P1', observed: 'P0', incident: 'string', failing: 1, incidents: 1, message: `expected P1, observed P0 (${String(m?.incident)})` });
  const line = `mismatch.yaml:11:32 expect[0].severity: expected P1, observed P0 (${String(m?.incident)})`;
  assert.match(renderSummary(r), `\n    ${line}\n`);
  assert.match(junitXml(r), `<failure message="${line}">expected {&quot;severity&quot;:&quot;P1&quot;}; observed {`);
});

Mismatch('a duration is written exactly, as the scenario writes one: a bound broken by seconds or milliseconds does not read as met', async () => {
  // Resolved 5 s after the hour: the reports' "1h 00m" would show bound and value alike.
  const r = await runScenario(parseScenario(`${HEAD.replace('fixedAfter: 58m }', 'fixedAfter: 58m5s }')}  - { failure: down, resolvedWithin: 1h }
  - { failure: flaky, resolvedWithin: 4500ms }
  - { metric: mttrMs, max: 59s999ms }
`, 'mismatch.yaml'));
  const text = renderSummary(r);
  assert.match(text, /mismatch\.yaml:11:38 expect\[0\]\.resolvedWithin: expected at most 1h, observed 1h5s \(inc_\w+\)\n/);
  assert.match(text, /mismatch\.yaml:12:39 expect\[1\]\.resolvedWithin: expected at most 4s500ms, observed 5s \(inc_\w+; 3 of 3 incidents fail it\)\n/);
  assert.match(text, 'mismatch.yaml:13:28 expect[2].max: expected at most 59s999ms, observed 1m\n');
});

Mismatch('a mean a fraction of a millisecond past its bound says its milliseconds, not the bound twice', () => {
  // Three detections of 1000, 1000 and 1001 ms: a mean of 1000.33 ms breaks max: 1s.
  const e = { kind: 'metric' as const, metric: 'mttdMs' as const, max: 1000, source: { path: 'expect[0]', line: 3 } };
  const [m] = boundMismatches(e, 3001 / 3, showMetric('mttdMs'));
  assert.is(m?.message, `expected at most 1s, observed 1s (${String(3001 / 3)} ms)`);
  assert.is(boundMismatches({ ...e, max: 900 }, 3001 / 3, showMetric('mttdMs'))[0]?.message, 'expected at most 900ms, observed 1s');
});

Mismatch('a field reached through a YAML alias is at the alias, in the entry its path names, not at the anchored value in another', async () => {
  const r = await run(`  - { failure: down, severity: &sev P1 }
  - { failure: down, severity: *sev }
  - &same { failure: down, autoResolved: true }
  - *same
`);
  const places = r.expectations.flatMap((v) => v.mismatches ?? []).map((m) => `${m.line}:${m.column} ${m.path}`);
  assert.equal(places, ['11:37 expect[0].severity', '12:32 expect[1].severity', '13:42 expect[2].autoResolved', '14:5 expect[3].autoResolved']);
  assert.equal(r.expectations.map((v) => v.line), [11, 12, 13, 14]);
});

Mismatch('an expectation built in code has no place in the file: its mismatches name no line or column of it', async () => {
  const scenario = parseScenario(HEAD.replace(/expect:\n$/, ''), 'mismatch.yaml');
  scenario.expect.push(
    { kind: 'audit', action: 'incident.escalated', max: 0, source: { path: 'expect[0]', line: 3 } },
    { kind: 'failure', failure: 'down', severity: 'P3', source: { path: 'added in code', line: null } },
  );
  const r = await runScenario(scenario);
  assert.equal(r.expectations.flatMap((v) => v.mismatches ?? []).map((m) => [m.path, m.line, m.column]), [['expect[0].max', null, null], ['added in code.severity', null, null]]);
  const text = renderSummary(r);
  assert.match(text, '\n    expect[0].max: expected at most 0, observed 2\n');
  assert.match(text, /\n {4}added in code\.severity: expected P3, observed P0 \(inc_\w+\)\n/);
  assert.not.match(text, 'mismatch.yaml:3:1', 'line 3 of the file holds tenants, not this expectation');
  assert.match(junitXml(r), '<failure message="expect[0].max: expected at most 0, observed 2">');
});

Mismatch('an audit expectation built in code with no bound means at least one entry, not whatever the run wrote', async () => {
  const scenario = parseScenario(HEAD.replace(/expect:\n$/, ''), 'mismatch.yaml');
  const bare = (action: string, path: string) => ({ kind: 'audit' as const, action, source: { path, line: null } });
  scenario.expect.push(bare('incident.escalated', 'escalated'), bare('incident.decision_timeout', 'timeout'));
  const [escalated, timeout] = (await runScenario(scenario)).expectations;
  assert.equal([escalated?.status, escalated?.expected], ['pass', { min: 1 }]);
  assert.equal([timeout?.status, timeout?.observed, timeout?.mismatches?.map((m) => m.message)], ['fail', { count: 0 }, ['expected at least 1, observed 0']]);
});

Mismatch('an expectation with no field to check says what it asks and how many it observed: an incident, a value', async () => {
  const scenario = parseScenario(`${HEAD}  - { failure: down }\n  - { failure: flaky }\n`, 'mismatch.yaml');
  scenario.expect.push({ kind: 'metric', metric: 'mttdMs', source: { path: 'mttd', line: null } });
  const text = renderSummary(await runScenario(scenario));
  assert.match(text, '  PASS failure down (expect[0], line 11): expected an incident; observed 1 incident\n');
  assert.match(text, '  PASS failure flaky (expect[1], line 12): expected an incident; observed 3 incidents\n');
  assert.match(text, '  PASS metric mttdMs (mttd): expected a value; observed mttdMs=0');
});

Mismatch('a failure that opened no incident fails at its failure key', async () => {
  const r = await runScenario(parseScenario(`name: Silent
until: 1h
agents: [ { id: a1 } ]
failures: [ { id: silent, agent: a1, error: e, detectAfter: 2h } ]
expect:
  - { failure: silent, severity: P3 }
  - { metric: mttrMs, max: 5m }
`, 'silent.yaml'));
  const text = renderSummary(r);
  assert.match(text, '    silent.yaml:6:16 expect[0].failure: expected failure silent to open an incident, observed none\n');
  assert.match(text, '    silent.yaml:7:28 expect[1].max: expected at most 5m, observed — (nothing to measure)\n');
});

Mismatch.run();
