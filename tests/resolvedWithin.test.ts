import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Observations } from '../sim/observations.js';
import { runScenario } from '../sim/runner.js';
import { parseScenario } from '../sim/scenario/index.js';

/**
 * README, Scenarios: a failure expectation's `resolvedWithin` includes its bound, while an SLA
 * target is met only strictly before it falls due: a P0 resolved at 1 h exactly passes
 * `resolvedWithin: 1h` and misses its resolution target.
 */
const scenario = (bound: string) => parseScenario(`name: P0 resolved at one hour
start: "2026-11-02T10:00:00Z"
tenants: [ { id: acme, admin: ops@acme.example } ]
agents: [ { id: a1, tenant: acme, workflows: [w1] } ]
responders: { cheryl: { ack: 1m }, petra: { ack: 1m }, atlas: { ack: 1m } }
failures:
  # Cheryl at 1m, Petra at 2m: fixed 58m after the last escalation, resolved at 1h.
  - { id: down, agent: a1, workflow: w1, error: down, retryable: false, impact: { kind: platform-down }, fixedAfter: 58m }
expect:
  - { failure: down, resolvedWithin: ${bound} }
  - { metric: slaBreaches, equals: 0 }
`, 'p0-at-one-hour.yaml');

const Bound = suite('resolvedWithin: the bound included, unlike an SLA target');

Bound('a P0 resolved at 1h passes resolvedWithin: 1h, and its resolution target is missed', async () => {
  const result = await runScenario(scenario('1h'));
  const [within, breaches] = result.expectations;
  assert.equal((within?.observed.each as Observations).at(0)?.resolvedWithinMs, 3_600_000);
  assert.is(within?.status, 'pass');
  assert.is(breaches?.status, 'fail', 'the engine records the missed target');
  assert.equal(breaches?.observed, { slaBreaches: 1 });
});

Bound('a bound a millisecond shorter fails', async () => {
  const [within] = (await runScenario(scenario('59m59s999ms'))).expectations;
  assert.is(within?.status, 'fail');
});

Bound.run();
