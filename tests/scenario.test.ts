import { createHash } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { DURATION_PATTERN } from '../sim/duration.js';
import { createRandom } from '../sim/random.js';
import { expandFailures, failureTimeline, loadScenario, parseScenario, ScenarioError, type ScenarioProblem } from '../sim/scenario/index.js';
import { DEFAULTS } from '../sim/scenario/normalize.js';
import schema from '../sim/scenario/scenario.schema.json' with { type: 'json' };

const EXAMPLE = `$schema: ../sim/scenario/scenario.schema.json
name: Primary database down at peak
seed: 7
start: "2026-03-02T14:00:00Z"
until: 12h
config: { AUTO_SPEND_LIMIT_USD: 500, TWO_HOUR_RULE_MS: 2h, RETRY_DELAYS_MS: [0s, 5s, 25000] }
tenants:
  - { id: acme, admin: ops@acme.example }
agents:
  - { id: billing-agent, tenant: acme, workflows: [invoice-run] }
responders:
  cheryl: { ack: 2m, capacity: 2 }
  petra:  { ack: { uniform: [5m, 15m] } }
  atlas:  { ack: { lognormal: { median: 5m, p95: 20m } } }
human: { answer: approve, after: 15m }
failures:
  - id: db-down
    at: 0s
    agent: billing-agent
    workflow: invoice-run
    error: "ECONNREFUSED 10.0.0.5:5432"
    retryable: true
    succeedsOnAttempt: never
    detectAfter: 90s
    rootCause: db-primary-down
    whys: [ { why: "invoices failed", because: "the primary refused connections" } ]
    impact:
      kind: platform-down
      customerFacing: true
      crossAgent: true
      decision: rollback
    fixedAfter: 40m
expect:
  - { failure: db-down, severity: P0, escalatedTo: atlas, autoResolved: false, resolvedWithin: 1h }
  - { audit: incident.escalated, count: 2 }
  - { metric: autoResolveRate, max: 0 }
  - { metric: mttrMs, max: 5m }
`;

/** The problems parseScenario reports for `text`; fails the test if it parses. */
function problemsOf(text: string, file = 'scenario.yaml'): ScenarioProblem[] {
  try {
    parseScenario(text, file);
  } catch (error) {
    assert.instance(error, ScenarioError);
    return (error as ScenarioError).problems;
  }
  assert.unreachable('expected a ScenarioError');
  return [];
}

/** The one problem at `path`. */
function problemAt(text: string, path: string): ScenarioProblem {
  const found = problemsOf(text).filter((p) => p.path === path);
  assert.is(found.length, 1, `one problem at ${path}, got ${JSON.stringify(problemsOf(text))}`);
  return found[0];
}

const MINIMAL = 'name: minimal\n';
const withFailures = (failures: string, extra = '') =>
  `name: t\ntenants: [{ id: acme, admin: a@acme.example }]\nagents: [{ id: billing-agent, tenant: acme, workflows: [invoice-run] }]\n${extra}failures:\n${failures}`;

const parse = suite('parseScenario');

parse('reads the example into milliseconds, epoch time and defaults', () => {
  const s = parseScenario(EXAMPLE, 'scenario.yaml');
  assert.is(s.startMs, Date.UTC(2026, 2, 2, 14));
  assert.is(s.untilMs, 12 * 3_600_000);
  assert.equal(s.config, { AUTO_SPEND_LIMIT_USD: 500, TWO_HOUR_RULE_MS: 7_200_000, RETRY_DELAYS_MS: [0, 5_000, 25_000] });
  assert.equal(s.responders.cheryl, { ack: { kind: 'fixed', ms: 120_000 }, capacity: 2 });
  assert.equal(s.responders.petra.ack, { kind: 'uniform', minMs: 300_000, maxMs: 900_000 });
  assert.equal(s.responders.atlas.ack, { kind: 'lognormal', medianMs: 300_000, p95Ms: 1_200_000 });
  const [f] = s.failures;
  assert.is(f.tenant, 'acme', "the agent's tenant");
  assert.is(f.detectAfterMs, 90_000);
  assert.is(f.succeedsOnAttempt, null);
  assert.equal(f.impact, { kind: 'platform-down', customerFacing: true, crossAgent: true, needsChange: false, financialUSD: 0, dataCompromised: false, decision: 'rollback' });
  assert.equal(f.source, { path: 'failures[0]', line: 17 });
  // Where each key's value is written: a failing expectation is reported at the field that failed.
  const at = (line: number, columns: Record<string, number>) => Object.fromEntries(Object.entries(columns).map(([key, column]) => [key, { line, column }]));
  assert.equal(s.expect[0], {
    kind: 'failure', failure: 'db-down', severity: 'P0', escalatedTo: 'atlas', autoResolved: false, resolvedWithinMs: 3_600_000,
    source: { path: 'expect[0]', line: 34, fields: at(34, { failure: 16, severity: 35, escalatedTo: 52, autoResolved: 73, resolvedWithin: 96 }) },
  });
  assert.equal(s.expect[3], { kind: 'metric', metric: 'mttrMs', max: 300_000, source: { path: 'expect[3]', line: 37, fields: at(37, { metric: 15, max: 28 }) } });
});

parse('applies the documented defaults to a scenario that names nothing else', () => {
  const s = parseScenario(MINIMAL, 'min.yaml');
  assert.is(s.seed, 1);
  assert.is(s.startMs, Date.parse('2026-01-05T09:00:00Z'));
  assert.is(s.untilMs, null);
  assert.equal(s.human, { answer: 'approve', after: { kind: 'fixed', ms: 900_000 } });
  assert.equal(s.responders.atlas, { ack: { kind: 'fixed', ms: 120_000 }, capacity: null });
  assert.equal([s.failures, s.load, s.expect, s.tenants, s.agents], [[], [], [], [], []]);
});

parse('the schema states the same defaults and duration syntax the parser applies', () => {
  const p = schema.properties;
  const d = schema.definitions;
  assert.is(p.seed.default, DEFAULTS.seed);
  assert.is(p.start.default, DEFAULTS.start);
  assert.is(d.responder.properties.ack.default, DEFAULTS.ack);
  assert.equal([p.human.properties.answer.default, p.human.properties.after.default], [DEFAULTS.human.answer, DEFAULTS.human.after]);
  assert.is(d.failure.properties.fixedAfter.default, DEFAULTS.fixedAfter);
  assert.is(d.impact.properties.kind.default, DEFAULTS.impactKind);
  assert.is(d.duration.pattern, DURATION_PATTERN.source, 'editors reject exactly what parseDuration rejects');
});

parse('reads JSON with the same result, and positions in it', () => {
  const json = JSON.stringify({ name: 'j', agents: [{ id: 'a' }], failures: [{ id: 'f', agent: 'a', error: 'e', at: '5 minutes' }] }, null, 2);
  const p = problemAt(json, 'failures[0].at');
  assert.equal([p.line, p.column], [13, 13]);
  const ok = parseScenario(JSON.stringify({ name: 'j', agents: [{ id: 'a' }], failures: [{ id: 'f', agent: 'a', error: 'e', at: '5m' }] }), 's.json');
  assert.is(ok.failures[0].atMs, 300_000);
});

parse('loadScenario reads a file', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'scenario-'));
  await writeFile(join(dir, 'db.yaml'), EXAMPLE);
  const s = await loadScenario(join(dir, 'db.yaml'));
  assert.is(s.file, join(dir, 'db.yaml'));
  assert.is(s.name, 'Primary database down at peak');
});

parse.run();

const bad = suite('parseScenario on bad input');

bad('a malformed duration: file, path, line, column and what was expected', () => {
  const text = withFailures('  - id: db-down\n    agent: billing-agent\n    error: x\n    at: 5 minutes\n');
  const [p] = problemsOf(text);
  assert.equal(p, { file: 'scenario.yaml', path: 'failures[0].at', line: 8, column: 9, message: 'expected a duration like "5m", got "5 minutes"' });
  try { parseScenario(text, 'scenario.yaml'); } catch (error) {
    assert.is((error as Error).message, 'scenario.yaml:8:9 failures[0].at: expected a duration like "5m", got "5 minutes"');
  }
});

bad('a negative duration, and a duration without a unit', () => {
  assert.match(problemAt(withFailures('  - { id: f, agent: billing-agent, error: x, at: -5m }\n'), 'failures[0].at').message, 'expected a non-negative duration like "5m", got "-5m"');
  assert.match(problemAt('name: t\nuntil: 90\n', 'until').message, 'expected a duration like "5m", got 90');
});

bad('JOB_TIMEOUT_MS of 0 (every job that awaits anything would fail before it could finish) is refused, as a duration or as milliseconds', () => {
  for (const zero of ['0s', '0']) {
    const text = withFailures('  - { id: f, agent: billing-agent, error: x }\n', `config: { JOB_TIMEOUT_MS: ${zero} }\n`);
    assert.is(problemAt(text, 'config.JOB_TIMEOUT_MS').message, 'expected a duration longer than 0s (a job given 0 fails before it can finish)');
  }
  assert.is(parseScenario(withFailures('  - { id: f, agent: billing-agent, error: x }\n', 'config: { JOB_TIMEOUT_MS: 1s }\n'), 's.yaml').config.JOB_TIMEOUT_MS, 1000);
});

bad('a negative JOB_TIMEOUT_MS is told what it takes (more than 0) in one message, not ">= 0" and then "longer than 0s"', () => {
  for (const [negative, got] of [['-1', '-1'], ['-1s', '"-1s"']]) {
    const text = withFailures('  - { id: f, agent: billing-agent, error: x }\n', `config: { JOB_TIMEOUT_MS: ${negative} }\n`);
    assert.is(problemAt(text, 'config.JOB_TIMEOUT_MS').message, `expected a duration longer than 0s like "10m", or a number of milliseconds > 0, got ${got}`);
  }
  // The other *_MS keys take 0 (no wait): their minimum stays 0.
  assert.is(problemAt(withFailures('  - { id: f, agent: billing-agent, error: x }\n', 'config: { ACK_TIMEOUT_MS: -1 }\n'), 'config.ACK_TIMEOUT_MS').message, 'expected a whole number >= 0, got -1');
});

bad('references to unknown agents, tenants, workflows and failures, with a did-you-mean', () => {
  const text = withFailures('  - { id: db-down, agent: billng-agent, tenant: acm, error: x }\n  - { id: other, agent: billing-agent, workflow: invoce-run, error: x }\n', '') +
    'expect:\n  - { failure: db-dwn }\nagents2: 1\n';
  const problems = problemsOf(text);
  const by = (path: string) => problems.find((p) => p.path === path)?.message;
  assert.is(by('failures[0].agent'), 'unknown agent "billng-agent"; did you mean "billing-agent"?');
  assert.is(by('failures[0].tenant'), 'unknown tenant "acm"; did you mean "acme"?');
  assert.is(by('failures[1].workflow'), 'agent "billing-agent" has no workflow "invoce-run"; did you mean "invoice-run"?');
  assert.is(by('expect[0].failure'), 'unknown failure "db-dwn"; did you mean "db-down"?');
  assert.is(by('agents2'), 'unknown key "agents2"; did you mean "agents"?');
  assert.is(problemAt('name: t\nagents: [{ id: a, tenant: nobody }]\n', 'agents[0].tenant').message, 'unknown tenant "nobody"');
});

bad('duplicate ids, including ones a fleet generates', () => {
  const text = 'name: t\ntenants:\n  - { id: acme, admin: a }\n  - { id: acme, admin: b }\nagents: [{ id: agent-001 }]\nfleet: { agents: 2 }\n';
  const problems = problemsOf(text);
  assert.equal(problems.map((p) => [p.path, p.line, p.message]), [
    ['tenants[1].id', 4, 'duplicate tenant id "acme" (first at tenants[0].id)'],
    ['fleet.agents', 6, 'duplicate agent id "agent-001" (first at agents[0].id)'],
  ]);
  assert.match(problemAt(withFailures('  - { id: f, agent: billing-agent, error: x }\nload: [{ perDay: 1, for: 1d, mix: [{ id: f, error: y }] }]\n'), 'load[0].mix[0].id').message, 'duplicate failure id "f"');
});

bad('unknown keys point at the key and suggest the closest known one', () => {
  const p = problemAt('name: t\nresponders:\n  cheryll: { ack: 2m }\n', 'responders.cheryll');
  assert.equal([p.line, p.column, p.message], [3, 3, 'unknown key "cheryll"; did you mean "cheryl"?']);
  assert.is(problemAt('name: t\nhuman: { zzzzzz: 1 }\n', 'human.zzzzzz').message, 'unknown key "zzzzzz"; expected one of: answer, after');
  assert.is(problemAt('name: t\nexpect: [{ metirc: mttrMs, max: 5 }]\n', 'expect[0]').message, 'expected one of the keys failure, audit or metric; did you mean "metric"?');
});

bad('wrong types and values out of range say what was expected', () => {
  const by = (text: string, path: string) => problemAt(text, path).message;
  assert.is(by('name: t\nseed: seven\n', 'seed'), 'expected a whole number, got "seven"');
  assert.is(by('name: t\nresponders: { atlas: { ack: 5 } }\n', 'responders.atlas.ack'), 'expected a duration like "2m", { uniform: [low, high] } or { lognormal: { median, p95 } }, got 5');
  assert.is(by('name: t\nresponders: { petra: { capacity: 0 } }\n', 'responders.petra.capacity'), 'expected a whole number >= 1, got 0');
  assert.is(by('name: t\nhuman: { answer: maybe }\n', 'human.answer'), 'expected one of approve, deny, none, got "maybe"');
  assert.is(by('name: t\nstart: tomorrow\n', 'start'), 'expected an ISO 8601 time with a zone like "2026-03-02T14:00:00Z", got "tomorrow"');
  assert.is(by('name: t\nstart: "2026-02-30T09:00:00Z"\n', 'start'), 'expected a real date and time, got "2026-02-30T09:00:00Z"');
  assert.is(by('name: t\nconfig: { ACK_TIMEOUT_MS: true }\n', 'config.ACK_TIMEOUT_MS'), 'expected a duration like "2h" or a number of milliseconds, got true');
  assert.is(by('name: t\nfailures: [{ id: f, error: x }]\n', 'failures[0]'), 'missing required key "agent"');
  assert.is(by('name: t\nresponders: { petra: { ack: { uniform: [10m, 5m] } } }\n', 'responders.petra.ack'), 'expected uniform bounds in order [low, high], got [10m, 5m]');
  assert.is(by('name: t\nfleet: { agents: 1 }\nload: [{ rate: 3/day, for: 1d, mix: [] }]\n', 'load[0].mix'), 'expected at least 1 item, got 0');
  assert.is(by('name: t\nresponders: { petra: { ack: { uniform: [5m] } } }\n', 'responders.petra.ack.uniform'), 'expected at least 2 items, got 1');
});

bad('escalatedTo: cheryl, which no run can observe (she gets every incident the retries leave), is refused saying what none means', () => {
  const text = withFailures('  - { id: f, agent: billing-agent, error: x }\n', 'expect:\n  - { failure: f, escalatedTo: cheryl }\n  - { failure: f, escalatedTo: Cheryl }\n');
  for (const path of ['expect[0].escalatedTo', 'expect[1].escalatedTo']) {
    const { message } = problemAt(text, path);
    assert.match(message, /^expected one of petra, atlas, none, got "[Cc]heryl" \(every incident the retries do not settle goes to Cheryl first/);
    assert.match(message, 'none when Cheryl kept it');
  }
  assert.equal(schema.definitions.failureExpectation.properties.escalatedTo.enum, ['petra', 'atlas', 'none'], 'an editor refuses it too');
});

bad('checks that need more than one field', () => {
  const by = (text: string, path: string) => problemAt(text, path).message;
  assert.is(by(withFailures('  - { id: f, agent: billing-agent, error: x, at: 13h }\n', 'until: 12h\n'), 'failures[0].at'), 'expected at most 12h (until: the run ends then), got "13h"');
  assert.is(by('name: t\nuntil: 2h\nfleet: { agents: 1 }\nload: [{ rate: 3/hour, from: 3h, for: 1h, mix: [{ id: m, error: x }] }]\n', 'load[0].from'), 'expected at most 2h (until: the run ends then), got "3h"');
  assert.is(by(withFailures('  - { id: f, agent: billing-agent, error: x, succeedsOnAttempt: 3 }\n', 'config: { RETRY_DELAYS_MS: [0s, 5s] }\n'), 'failures[0].succeedsOnAttempt'), 'expected at most 2 (the retries RETRY_DELAYS_MS allows), got 3');
  assert.match(by(withFailures('  - { id: f, agent: billing-agent, error: x, retryable: false, succeedsOnAttempt: 1 }\n'), 'failures[0].succeedsOnAttempt'), 'not retryable');
  assert.is(by('name: t\nfleet: { agents: 1 }\nload: [{ rate: 3/day, perDay: 3, for: 1d, mix: [{ id: m, error: x }] }]\n', 'load[0]'), 'expected exactly one of rate (like "30/day") or perDay');
  assert.match(by('name: t\nload: [{ perDay: 3, for: 1d, mix: [{ id: m, error: x }] }]\n', 'load[0].mix[0]'), 'no agent to fail');
  // A rate of nothing is refused as perDay: 0 is: the load would never fail anything.
  for (const rate of ['0/day', '0.0/hour', '00/week']) {
    assert.is(by(`name: t\nfleet: { agents: 1 }\nload: [{ rate: "${rate}", for: 1d, mix: [{ id: m, error: x }] }]\n`, 'load[0].rate'), `expected a rate above 0 like "30/day", "2/hour" or "5/week", got "${rate}"`);
  }
  assert.is(by('name: t\nfleet: { agents: 1 }\nload: [{ perDay: 0, for: 1d, mix: [{ id: m, error: x }] }]\n', 'load[0].perDay'), 'expected a number > 0, got 0');
  for (const rate of ['0.5/day', '10/hour', '100/week']) parseScenario(`name: t\nfleet: { agents: 1 }\nload: [{ rate: "${rate}", for: 1d, mix: [{ id: m, error: x }] }]\n`, 'scenario.yaml');
  assert.match(by('name: t\nfleet: { agents: 1 }\nload: [{ perDay: 100000, for: 30d, mix: [{ id: m, error: x }] }]\n', ''), 'expected at most 200,000 failures in a run (MAX_EVENTS), got about 3,000,000');
  assert.is(by('name: t\nexpect: [{ audit: incident.escalated, count: 2, min: 1 }]\n', 'expect[0]'), 'expected count, or min and/or max, not both');
  // An audit expectation without a bound would pass whatever the run wrote; a metric's is refused too.
  const unbounded = problemAt('name: t\nexpect:\n  - { audit: incident.escalated, count: 0 }\n  - { audit: incident.escalated }\n', 'expect[1]');
  assert.equal([unbounded.line, unbounded.column], [4, 5]);
  assert.is(unbounded.message, 'expected count, min or max (min: 1 for at least one entry, count: 0 for none); without one it passes whatever the run writes');
  assert.is(by('name: t\nexpect: [{ metric: incidents }]\n', 'expect[0]'), 'expected at least one of min, max or equals');
  assert.is(by('name: t\nexpect: [{ audit: incident.escalate, min: 1 }]\n', 'expect[0].audit'), 'unknown audit action "incident.escalate"; did you mean "incident.escalated"?');
  assert.match(by('name: t\nexpect: [{ audit: decision.approved, count: 0 }]\n', 'expect[0].audit'), 'unknown audit action "decision.approved"; expected one the engine writes: job.failed, incident.detected,');
  assert.is(by('name: t\nexpect: [{ metric: mttrMs, min: 10m, max: 5m }]\n', 'expect[0]'), 'expected min <= max, got min 10m and max 5m');
  assert.match(by('name: t\nexpect: [{ metric: autoResolveRate, max: 50 }]\n', 'expect[0].max'), 'expected a fraction between 0 and 1');
  assert.match(by('name: t\nexpect: [{ metric: incidents, max: 5m }]\n', 'expect[0].max'), 'expected a number for incidents');
  // A misspelt metric is one problem, its name: not also a duration bound "for mttr", which mttrMs takes.
  assert.equal(problemsOf('name: t\nexpect: [{ metric: mttr, max: 5m }]\n').map((p) => `${p.path}: ${p.message}`), [
    'expect[0].metric: expected one of mttdMs, mttrMs, mttResolveMs, autoResolveRate, repeatRate, slaAttainment, incidents, escalations, slaBreaches, got "mttr"; did you mean "mttrMs"?',
  ]);
  // A percentage for a rate is one problem: a number, not "expected a duration" as well.
  assert.equal(problemsOf('name: t\nexpect: [{ metric: slaAttainment, min: 95% }]\n').map((p) => `${p.path}: ${p.message}`), [
    'expect[0].min: expected a number for slaAttainment (durations are for mttdMs, mttrMs, mttResolveMs), got "95%"',
  ]);
  assert.match(problemAt('name: t\nexpect: [{ metric: mttrMs, max: 5 min }]\n', 'expect[0].max').message, 'expected a duration like "5m"');
  // Each metric the schema takes is known to the bound check: a duration bound only for the *Ms ones.
  for (const metric of schema.definitions.metricExpectation.properties.metric.enum) {
    const text = `name: t\nexpect: [{ metric: ${metric}, max: 5m }]\n`;
    if (metric.endsWith('Ms')) parseScenario(text, 'scenario.yaml');
    else assert.is(problemAt(text, 'expect[0].max').message, `expected a number for ${metric} (durations are for mttdMs, mttrMs, mttResolveMs), got "5m"`, metric);
  }
});

bad('malformed YAML reports the line', () => {
  const [p] = problemsOf('name: t\nfailures:\n  - id: f\n   agent: a\n');
  assert.is(p.line, 4);
  assert.match(p.message, /^invalid YAML: /);
  assert.match(problemsOf('name: t\nname: u\n')[0].message, /invalid YAML: .*unique/i);
  assert.match(problemsOf('{ "name": "t", ')[0].message, /^invalid YAML/);
  assert.match(problemsOf('{ "name": "t", "agents": [} \n', 'scenario.json')[0].message, /^invalid JSON: /);
});

bad('a .json scenario that YAML reads but JSON.parse refuses (trailing comma, single quotes, a comment) is invalid JSON, where it is', () => {
  const cases: Array<[string, number, number]> = [
    ['{\n  "name": "t",\n  "seed": 1,\n}\n', 4, 1],
    ["{\n  'name': 't'\n}\n", 2, 3],
    ['{\n  "name": "t" # the name\n}\n', 2, 15],
  ];
  for (const [text, line, column] of cases) {
    assert.is(parseScenario(text, 'scenario.yaml').name, 't', 'valid YAML');
    const problems = problemsOf(text, 'scenario.json');
    assert.is(problems.length, 1, text);
    assert.equal([problems[0].line, problems[0].column], [line, column], text);
    assert.match(problems[0].message, /^invalid JSON: .+ \(a \.json scenario is JSON: no comments, trailing commas or single quotes; those belong in a \.yaml file\)$/);
    assert.not.match(problems[0].message, 'at position');
  }
  // Refusals whose message gives no position (Node 20 quotes the text instead) and one that
  // says "after JSON at position N": each placed at the character that is wrong.
  const placed: Array<[string, number, number]> = [
    ['{\n  "name": "t",\n  "failures": ["a",]\n}\n', 3, 20],
    ["{\n  \"name\": 't'\n}\n", 2, 11],
    ['{ "name": "t" } # the end\n', 1, 17],
  ];
  for (const [text, line, column] of placed) {
    const problems = problemsOf(text, 'scenario.json');
    assert.equal(problems.map((p) => [p.line, p.column]), [[line, column]], text);
    assert.match(problems[0].message, /^invalid JSON: /);
    assert.not.match(problems[0].message, 'at position');
  }
  // A byte-order mark, which editors write, is no error.
  assert.is(parseScenario('\uFEFF{ "name": "t" }', 'scenario.json').name, 't');
});

bad('a file that is not a mapping', () => {
  assert.is(problemsOf('')[0].message, 'expected a mapping of scenario keys (name, failures, …), got an empty file');
  assert.is(problemsOf('# only a comment\n')[0].message, 'expected a mapping of scenario keys (name, failures, …), got an empty file');
  assert.is(problemsOf('~\n')[0].message, 'expected a mapping of scenario keys (name, failures, …), got null');
  assert.is(problemsOf('- name: t\n')[0].message, 'expected a mapping of scenario keys (name, failures, …), got a list');
  assert.is(problemsOf('just words')[0].message, 'expected a mapping of scenario keys (name, failures, …), got "just words"');
});

bad('an alias bomb is refused, not expanded', () => {
  const rows = ['a: &a ["x","x","x","x","x","x","x","x","x"]'];
  for (let i = 1; i < 9; i++) rows.push(`${'abcdefghi'[i]}: &${'abcdefghi'[i]} [${Array(9).fill(`*${'abcdefghi'[i - 1]}`).join(',')}]`);
  assert.match(problemsOf(`name: t\n${rows.join('\n')}\n`)[0].message, /invalid YAML: .*alias/i);
});

bad('unreadable files name the file and say why', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'scenario-'));
  for (const [file, reason] of [[join(dir, 'missing.yaml'), 'no such file'], [dir, 'is a directory']]) {
    try {
      await loadScenario(file);
      assert.unreachable();
    } catch (error) {
      assert.instance(error, ScenarioError);
      assert.is((error as ScenarioError).problems[0].file, file);
      assert.match((error as Error).message, `${file}: cannot read the scenario: ${reason}`);
    }
  }
});

bad('a value reached through an alias is reported at the alias, where the path\'s entry is written, as well as at its anchor', () => {
  const found = problemsOf(withFailures('  - { id: f1, agent: billing-agent, error: x, at: &when 5 minutes }\n  - { id: f2, agent: billing-agent, error: x, at: *when }\n'));
  assert.equal(found.map((p) => `${p.line}:${p.column} ${p.path}`).filter((p) => p.endsWith('.at')), ['5:57 failures[0].at', '6:51 failures[1].at']);
});

bad('reports every problem at once, in file order', () => {
  const text = 'name: t\nseed: -1\nuntil: soon\nresponders: { chery: {} }\nfailures: [{ id: f, agent: ghost, error: x, at: 1 hour }]\nexpect: [{ failure: nope }]\n';
  assert.equal(problemsOf(text).map((p) => `${p.line}:${p.path}`), ['2:seed', '3:until', '4:responders.chery', '5:failures[0].agent', '5:failures[0].at', '6:expect[0].failure']);
});

bad.run();

const expand = suite('expandFailures');

expand('repeats and storms become unique keys in time order; the horizon drops later ones', () => {
  const s = parseScenario(withFailures('  - { id: db, agent: billing-agent, error: x, at: 1h, repeat: { every: 1d, count: 5 }, storm: 2 }\n  - { id: blip, agent: billing-agent, error: y, at: 1h }\n', 'until: 3d\n'), 's.yaml');
  const events = expandFailures(s, createRandom(1));
  assert.equal(events.map((e) => `${e.key}@${e.atMs / 3_600_000}h`), ['db#1@1h', 'db#2@1h', 'blip#1@1h', 'db#3@25h', 'db#4@25h', 'db#5@49h', 'db#6@49h']);
  assert.equal(Object.keys(events[0]).sort(), ['agent', 'atMs', 'detectAfterMs', 'error', 'failureId', 'fixedAfterMs', 'impact', 'key', 'retryable', 'rootCause', 'succeedsOnAttempt', 'tenant', 'whys', 'workflow']);
  assert.is(events[0].tenant, 'acme');
});

const MONTH = `name: A month of a 200-agent fleet
seed: 11
fleet: { agents: 200, tenants: 20, workflowsPerAgent: 2 }
load:
  - perDay: 660
    for: 30d
    mix:
      - { id: blip, weight: 8, error: "ETIMEDOUT", succeedsOnAttempt: 1 }
      - { id: token, weight: 1.5, error: "OAuth token expired", retryable: false, impact: { kind: feature-broken } }
      - { id: db, weight: 0.5, agent: agent-007, workflow: agent-007-wf2, error: "ECONNREFUSED", impact: { kind: platform-down } }
`;

expand('a month of a 200-agent fleet in a few lines: about 20,000 failures, by seed', () => {
  const s = parseScenario(MONTH, 'month.yaml');
  assert.is(s.agents.length, 200);
  assert.is(s.tenants.length, 20);
  assert.equal(s.agents[21], { id: 'agent-022', tenant: 'tenant-02', workflows: ['agent-022-wf1', 'agent-022-wf2'] });
  const events = expandFailures(s, createRandom(s.seed));
  // Poisson with mean 19,800: 4 standard deviations is ±563.
  assert.ok(Math.abs(events.length - 19_800) < 563, `${events.length} events`);
  const share = (id: string) => events.filter((e) => e.failureId === id).length / events.length;
  assert.ok(Math.abs(share('blip') - 0.8) < 0.02 && Math.abs(share('db') - 0.05) < 0.01);
  assert.ok(events.filter((e) => e.failureId === 'db').every((e) => e.agent === 'agent-007' && e.workflow === 'agent-007-wf2' && e.tenant === 'tenant-07'));
  assert.ok(events.every((e, i) => i === 0 || e.atMs >= events[i - 1].atMs));
  assert.ok(events.every((e) => e.atMs >= 0 && e.atMs < 30 * 86_400_000));
  assert.is(new Set(events.map((e) => e.key)).size, events.length);
  assert.equal(expandFailures(s, createRandom(s.seed)), events, 'same seed, same timeline');
  assert.not.equal(expandFailures(s, createRandom(12)).slice(0, 5), events.slice(0, 5));
});

// Scripted failures on whole minutes beside two loads whose windows overlap, the second with
// storms; the horizon cuts the second load short.
const MIXED = `name: mixed
seed: 5
until: 20h
fleet: { agents: 4, tenants: 2, workflowsPerAgent: 2 }
failures:
  - { id: db, agent: agent-001, error: x, at: 1h, repeat: { every: 30m, count: 9 }, storm: 3 }
  - { id: blip, agent: agent-002, error: y, at: 2h, detectAfter: 5m }
load:
  - { rate: 40/hour, for: 10h, mix: [{ id: a, weight: 3, error: e }, { id: b, weight: 1, error: f, detectAfter: 2m }] }
  - { rate: 20/hour, from: 4h, for: 1d, mix: [{ id: d, weight: 1, error: g, storm: 2 }, { id: c, weight: 1, agent: agent-003, error: h }] }
`;

expand('a run takes the timeline one failure at a time, as expandFailures lists it', () => {
  // What expandFailures gave before the timeline was drawn lazily (9abb897~1), as SHA-256 of its JSON:
  // both now share the merge, so the two agreeing alone would not show the order and keys unchanged.
  const before = {
    5: '00bb47a48d1442a7564c14dbcc087d1485e81b507a32a9c49ac9e3824c5ab39a',
    6: '4b8b73db5a509cd083907e6cb3c5fa6903bd6b0931115694dc17f56e706761e1',
    11: '118d2f58df905b1b9cba8cdc60a6dea579da3b13c844d74cb055c8e49c6553b0',
  };
  for (const [yaml, seed] of [[MIXED, 5], [MIXED, 6], [MONTH, 11]] as const) {
    const s = parseScenario(yaml, 's.yaml');
    const listed = expandFailures(s, createRandom(seed));
    const timeline = failureTimeline(s, () => createRandom(seed));
    assert.is(createHash('sha256').update(JSON.stringify([...timeline.events()])).digest('hex'), before[seed], `seed ${seed}`);
    assert.equal([...timeline.events()], listed);
    assert.is(timeline.count, listed.length);
    assert.is(timeline.lastDetectMs, Math.max(...listed.map((e) => e.atMs + e.detectAfterMs)));
  }
  const listed = expandFailures(parseScenario(MIXED, 's.yaml'), createRandom(5));
  // Both loads, a storm and the scripted repeats are in it, and the second load's ids come
  // after the same instant's scripted ones: the case the merge has to order as written.
  assert.ok(['a', 'b', 'c', 'd', 'db', 'blip'].every((id) => listed.some((e) => e.failureId === id)));
  assert.ok(listed.every((e) => e.atMs <= 20 * 3_600_000) && listed.some((e) => e.atMs > 10 * 3_600_000));
  assert.equal(listed.filter((e) => e.atMs === 3_600_000).map((e) => e.key).slice(0, 3), ['db#1', 'db#2', 'db#3']);
  assert.equal(failureTimeline(parseScenario('name: t\nfleet: { agents: 1 }\n', 's.yaml'), () => createRandom(1)).count, 0);
});

expand('a failure timeline given one Random for every call is refused, not drawn wrong', () => {
  const random = createRandom(5);
  assert.throws(() => failureTimeline(parseScenario(MIXED, 's.yaml'), () => random), (e: unknown) => e instanceof TypeError && /a new Random at each call/.test(e.message));
});

expand('failures at the same instant keep the order written: scripted ones, then each load in turn', () => {
  // About one arrival a millisecond from each load: many instants hold failures of two or three sources.
  const s = parseScenario(`name: dense
fleet: { agents: 2 }
failures: [{ id: s, agent: agent-001, error: x, at: 1s, repeat: { every: 1ms, count: 500 } }]
load:
  - { perDay: 86400000, for: 3s, mix: [{ id: l1, error: y }] }
  - { perDay: 86400000, for: 3s, mix: [{ id: l2, error: z }] }
`, 's.yaml');
  const events = [...failureTimeline(s, () => createRandom(2)).events()];
  const rank = (e: { failureId: string }) => ['s', 'l1', 'l2'].indexOf(e.failureId);
  let ties = 0;
  for (let i = 1; i < events.length; i++) {
    const [a, b] = [events[i - 1], events[i]];
    assert.ok(a.atMs < b.atMs || (a.atMs === b.atMs && rank(a) <= rank(b)), `${a.key} then ${b.key} at ${b.atMs} ms`);
    if (a.atMs === b.atMs && rank(a) < rank(b)) ties++;
  }
  assert.ok(ties > 100, `${ties} instants shared by two sources`);
});

expand('a load rate string reads as failures per day', () => {
  const s = parseScenario('name: t\nfleet: { agents: 3 }\nload: [{ rate: 2/hour, from: 1d, for: 1d, mix: [{ id: m, error: x }] }]\n', 's.yaml');
  assert.is(s.load[0].perDay, 48);
  const events = expandFailures(s, createRandom(3));
  assert.ok(events.every((e) => e.atMs >= 86_400_000 && e.atMs < 2 * 86_400_000));
  assert.ok(events.length > 20 && events.length < 80, `${events.length} events`);
});

expand.run();
