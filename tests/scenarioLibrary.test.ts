import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { parse } from 'yaml';
import { SPEC_EXAMPLES } from '../machines/policies/classification.js';
import { createRandom } from '../sim/random.js';
import { runScenario, type RunResult } from '../sim/runner.js';
import { expandFailures, loadScenario, type Scenario } from '../sim/scenario/index.js';
import { renderSummary } from '../sim/summary.js';

const DIR = fileURLToPath(new URL('../scenarios/', import.meta.url));
/** A month of 20,000 incidents: the benchmark runs it, unit tests only validate it. */
const SLOW = new Set(['fleet-month.yaml']);
const FILES = readdirSync(DIR).filter((f) => /\.(ya?ml|json)$/.test(f)).sort();
const FAST = FILES.filter((f) => !SLOW.has(f));

/** Each scenario runs once per test process; later tests read the same result. */
const runs = new Map<string, Promise<{ scenario: Scenario; result: RunResult }>>();
function run(file: string): Promise<{ scenario: Scenario; result: RunResult }> {
  let pending = runs.get(file);
  if (!pending) {
    pending = loadScenario(join(DIR, file)).then(async (scenario) => ({ scenario, result: await runScenario(scenario) }));
    runs.set(file, pending);
  }
  return pending;
}

// ---------------------------------------------------------------------------------------------
const Library = suite('scenarios/: every rehearsal validates and meets its expectations');

Library('holds the rehearsals the README promises', () => {
  for (const file of ['auto-resolved-attempt-2.yaml', 'retry-storm.yaml', 'repeat-incident.yaml', 'two-hour-rule.yaml', 'busy-week.yaml', 'decision-denied.yaml', 'fleet-month.yaml']) {
    assert.ok(FILES.includes(file), `scenarios/${file} is missing`);
  }
});

for (const file of FAST) {
  Library(file, async () => {
    const { result } = await run(file);
    assert.ok(result.expectations.length > 0, `${file} expects nothing`);
    assert.is(result.verdict, 'pass', `\n${renderSummary(result)}`);
    assert.ok([...result.incidents()].every((i) => i.status === 'closed'), `${file} left incidents open`);
  });
}

Library('every file names the schema, and has a name, a description and a seed', () => {
  for (const file of FILES) {
    const raw = parse(readFileSync(join(DIR, file), 'utf8')) as Record<string, unknown>;
    assert.is(raw.$schema, '../sim/scenario/scenario.schema.json', file);
    for (const key of ['name', 'description']) assert.ok(typeof raw[key] === 'string' && (raw[key] as string).length > 0, `${file}: ${key}`);
    assert.type(raw.seed, 'number', `${file}: seed`);
  }
});

Library('the fleet month validates and stands for about 20,000 failures in 30 days', async () => {
  const scenario = await loadScenario(join(DIR, 'fleet-month.yaml'));
  assert.is(scenario.agents.length, 200);
  const timeline = expandFailures(scenario, createRandom(scenario.seed));
  assert.ok(timeline.length > 18_000 && timeline.length < 23_000, `${timeline.length} failures`);
  assert.ok(timeline.at(-1)!.atMs <= 30 * 86_400_000);
});

Library.run();

// ---------------------------------------------------------------------------------------------
const Examples = suite('scenarios/: one rehearsal per example incident of the spec');

for (const { example, severity } of SPEC_EXAMPLES) {
  const file = `${severity.toLowerCase()}-${example.toLowerCase().replace(/\s+/g, '-')}.yaml`;
  Examples(`${example} → ${file}, classified ${severity}`, async () => {
    assert.ok(FILES.includes(file), `scenarios/${file} is missing`);
    const { result } = await run(file);
    assert.ok(result.metrics.overall.incidents > 0);
    for (const incident of result.incidents()) assert.is(incident.severity, severity, `${file}: ${incident.id}`);
  });
}

Examples('P0s reach Atlas, who memos the board; P1s get a review too; P2/P3 get none', async () => {
  for (const { severity } of SPEC_EXAMPLES) {
    const file = SPEC_EXAMPLES.filter((e) => e.severity === severity).map((e) => `${severity.toLowerCase()}-${e.example.toLowerCase().replace(/\s+/g, '-')}.yaml`);
    for (const f of file) {
      const { result } = await run(f);
      const actions = new Set(result.store.queryAudit({ limit: result.store.auditCount() }).rows.map((e) => e.action));
      if (severity === 'P0') {
        assert.ok([...result.incidents()].every((i) => i.escalatedTo === 'atlas'), `${f}: a P0 stopped short of Atlas`);
        assert.ok(actions.has('incident.board_memo'), `${f}: no board memo`);
      }
      assert.is(actions.has('incident.review_published'), severity === 'P0' || severity === 'P1', `${f}: review`);
      assert.is(actions.has('incident.mitigated'), severity === 'P0' || severity === 'P1', `${f}: mitigation`);
    }
  }
});

Examples.run();

// ---------------------------------------------------------------------------------------------
const Behaviour = suite('scenarios/: what each behaviour rehearsal shows');

Behaviour('auto-resolved-attempt-2: attempt 1 fails, attempt 2 succeeds five seconds later, nobody is paged', async () => {
  const { result } = await run('auto-resolved-attempt-2.yaml');
  const [incident] = result.store.list('incidents');
  assert.equal(incident.retries.map((r) => r.outcome), ['failed', 'succeeded']);
  assert.is(incident.autoResolved, true);
  assert.is(incident.respondedAt, null);
  assert.is(Date.parse(incident.resolvedAt!) - Date.parse(incident.detectedAt), 5_000);
});

Behaviour('retry-storm: N simultaneous copies make one incident with N-1 attached', async () => {
  const { scenario, result } = await run('retry-storm.yaml');
  const storm = scenario.failures[0].storm;
  assert.ok(storm > 1);
  const incidents = [...result.incidents()];
  assert.is(incidents.length, 1);
  assert.is(incidents[0].attached, storm - 1);
  assert.is(result.failures, storm);
});

Behaviour('repeat-incident: each later incident points back to the one before it', async () => {
  const { result } = await run('repeat-incident.yaml');
  const incidents = result.store.list('incidents').sort((a, b) => a.detectedAt.localeCompare(b.detectedAt));
  assert.is(incidents.length, 4);
  assert.is(incidents[0].repeatOf, null);
  for (let i = 1; i < incidents.length; i++) assert.is(incidents[i].repeatOf, incidents[i - 1].id);
});

Behaviour('two-hour-rule: only the long fix is escalated, by Cheryl to Petra, once open more than two hours, for open-over-2h', async () => {
  const { result } = await run('two-hour-rule.yaml');
  const long = result.store.list('incidents').find((i) => i.failure === 'template-broken')!;
  const short = result.store.list('incidents').find((i) => i.failure === 'chart-legend')!;
  assert.equal(short.escalations, []);
  assert.is(long.escalations.length, 1);
  const [e] = long.escalations;
  assert.equal([e.from, e.to, e.criteria], ['cheryl', 'petra', ['open-over-2h']]);
  assert.is(Date.parse(e.at) - Date.parse(long.detectedAt), 2 * 3_600_000 + 1);
  // The fix lands fixedAfter (4h) after that escalation, not after Cheryl's triage.
  assert.is(Date.parse(long.resolvedAt!) - Date.parse(e.at), 4 * 3_600_000);
});

Behaviour('decision-denied: the person\'s "no" is recorded on the decision and in the audit trail', async () => {
  const { result } = await run('decision-denied.yaml');
  const decisions = result.store.list('decisions');
  assert.is(decisions.length, 1);
  assert.is(decisions[0].status, 'denied');
  assert.is(decisions[0].by, 'human');
  const entry = result.store.queryAudit({ limit: result.store.auditCount() }).rows.find((e) => e.action === 'incident.decision')!;
  assert.is(entry.meta.answer, 'deny');
});

Behaviour('busy-week: with one Cheryl the mean time to respond is several times what it is without a limit', async () => {
  const { scenario, result } = await run('busy-week.yaml');
  assert.is(scenario.responders.cheryl.capacity, 1);
  const unlimited = await runScenario({ ...scenario, responders: { ...scenario.responders, cheryl: { ...scenario.responders.cheryl, capacity: null } } });
  const busy = result.metrics.overall.mttrMs!;
  const free = unlimited.metrics.overall.mttrMs!;
  assert.ok(busy > 2 * free, `MTTR ${busy} ms with capacity 1 vs ${free} ms without a limit`);
  assert.is(unlimited.metrics.overall.incidents, result.metrics.overall.incidents);
});

Behaviour.run();
