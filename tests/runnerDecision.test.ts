import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { runScenario } from '../sim/runner.js';
import { parseScenario } from '../sim/scenario/index.js';

/**
 * The simulated person answers a go/no-go once, after one latency drawn when it is asked.
 * Under the `escalate` timeout policy the decision's timeoutAt moves (a second `pending`
 * decision event): the same question, waiting longer, not a second person with a second
 * draw from the shared random source, which would shift every later draw and change the
 * rehearsal's results for the same scenario and seed.
 */
const Person = suite('the person in a rehearsal');

const scenario = (policy: string, timeout: string) => `name: twelve go/no-go decisions
start: "2026-03-02T09:00:00Z"
seed: 7
config: { DECISION_TIMEOUT_MS: ${timeout}, DECISION_TIMEOUT_POLICY: ${policy} }
agents:
${Array.from({ length: 12 }, (_, i) => `  - { id: agent-${i}, workflows: [wf] }`).join('\n')}
responders: { cheryl: { ack: 2m }, petra: { ack: 6m }, atlas: { ack: 5m } }
human: { answer: approve, after: { uniform: [5m, 40m] } }
failures:
${Array.from({ length: 12 }, (_, i) => `  - { id: f${i}, at: ${i * 4}h, agent: agent-${i}, workflow: wf, error: "totals wrong ${i}", retryable: false, impact: { kind: data-integrity, customerFacing: true, needsChange: true, financialUSD: 1800, decision: "roll back ${i}" }, fixedAfter: 30m }`).join('\n')}
`;

const outcomes = async (policy: string, timeout: string) => {
  const result = await runScenario(parseScenario(scenario(policy, timeout), 'decisions.yaml'));
  return result.store.list('decisions')
    .sort((a, b) => a.requestedAt.localeCompare(b.requestedAt))
    .map((d) => [d.status, d.answeredAt === null ? null : Date.parse(d.answeredAt) - Date.parse(d.requestedAt)]);
};

Person('escalate\'s second wait of 10m is one 20m wait for the person: each decision is answered (or not) at the time a deny-at-20m run answers it', async () => {
  // Responders' acks and fixes are fixed durations: the person's latencies are the only
  // draws from the random source, one per decision in both runs.
  const escalated = await outcomes('escalate', '10m');
  const waited = await outcomes('deny', '20m');
  assert.is(escalated.length, 12);
  assert.ok(escalated.some(([status]) => status === 'approved') && escalated.some(([status]) => status === 'timed_out'), 'some answered, some not');
  assert.ok(escalated.some(([status, after]) => status === 'approved' && (after as number) > 10 * 60_000), 'some answered in the second wait');
  assert.equal(escalated, waited);
});

Person.run();
