import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { SEVERITIES } from '../machines/types.js';
import { Observations, type Observation } from '../sim/observations.js';
import { reportJsonParts } from '../sim/summary.js';
import type { RunResult } from '../sim/runner.js';

const RESPONDERS = ['none', 'cheryl', 'petra', 'atlas'] as const;

/** `n` observations whose fields all vary: ids of different lengths, null severities and times. */
function sample(n: number): Observation[] {
  return Array.from({ length: n }, (_, k) => ({
    incident: `inc_${k.toString(36)}${'x'.repeat(k % 7)}`,
    severity: k % 11 === 0 ? null : SEVERITIES[k % 4],
    escalatedTo: RESPONDERS[k % 4],
    autoResolved: k % 3 === 0,
    resolvedWithinMs: k % 5 === 0 ? null : k * 1_000 + 0.5,
  }));
}

const Kept = suite('the observations a failure expectation keeps');

Kept('each observation comes back as it was pushed, across the chunks its ids are joined in', () => {
  const plain = sample(1_300);
  const kept = new Observations();
  for (const o of plain) kept.push(o);
  assert.is(kept.length, 1_300);
  assert.equal([...kept], plain);
  assert.equal(kept.at(511), plain[511]);
  assert.equal(kept.at(512), plain[512]);
  assert.equal(kept.at(1_299), plain[1_299]);
  assert.is(JSON.stringify(kept), JSON.stringify(plain));
  assert.equal(kept.at(-1), plain[1_299], 'from the end, as an array');
  assert.equal(kept.at(-1_300), plain[0]);
  assert.is(kept.at(1_300), undefined);
  assert.is(kept.at(-1_301), undefined);
});

Kept('one pushed after another was read is read too (the last chunk is joined again)', () => {
  const [a, b] = sample(2);
  const kept = new Observations();
  kept.push(a);
  assert.equal(kept.at(0), a);
  kept.push(b);
  assert.equal(kept.at(1), b);
  assert.equal(kept.toJSON(), [a, b]);
});

Kept('every: true for none, false once one fails', () => {
  const kept = new Observations();
  assert.ok(kept.every(() => false));
  for (const o of sample(600)) kept.push(o);
  assert.ok(kept.every((o) => o.incident.startsWith('inc_')));
  assert.not.ok(kept.every((o) => o.incident !== 'inc_7'));
});

Kept('report.json streams a failure\'s observations as the bytes JSON.stringify of the whole report gives', () => {
  const verdict = (each: Observations) => ({ status: 'pass' as const, kind: 'failure' as const, path: 'expect[0]', line: 3, name: 'failure f', expected: { severity: 'P2' }, observed: { incidents: each.length, each } });
  const [many, none] = [new Observations(), new Observations()];
  for (const o of sample(700)) many.push(o);
  const audit = { status: 'fail' as const, kind: 'audit' as const, path: 'expect[2]', line: null, name: 'audit x', expected: { count: 1 }, observed: { count: 0 } };
  const r = {
    scenario: 's', file: 's.yaml', seed: 1, start: 'a', end: 'b', verdict: 'fail', expectations: [verdict(many), verdict(none), audit],
    *incidents() { yield { id: 'inc_1', tags: [] }; },
    metrics: { overall: {} }, failures: [], auditEntries: 3,
  } as unknown as RunResult;
  const { scenario, file, seed, start, end, verdict: v, metrics, failures, auditEntries } = r;
  const expectations = r.expectations.map(({ status, kind, name, path, line, expected, observed }) => ({ status, kind, name, path, line, expected, observed }));
  const whole = `${JSON.stringify({ scenario, file, seed, start, end, verdict: v, expectations, incidents: [...r.incidents()], metrics, failures, auditEntries }, null, 2)}\n`;
  const parts = [...reportJsonParts(r)];
  assert.ok(parts.length > 700, 'a part per observation at least');
  assert.is(parts.join(''), whole);
  assert.is((JSON.parse(whole).expectations[0].observed.each as unknown[]).length, 700);
});

Kept.run();
