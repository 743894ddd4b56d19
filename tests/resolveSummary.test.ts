import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { runScenario } from '../sim/runner.js';
import { parseScenario } from '../sim/scenario/index.js';
import { renderSummary, reportJson } from '../sim/summary.js';

/**
 * Forty flaky runs a retry settles in 5 s and one P0 resolved at 1 h: a mean of 1m 33s above a
 * p95 of 5s, which the summary once printed as "Time to resolve 1m 33s (p95 5s)".
 */
const skewed = parseScenario(`name: Skewed
start: "2026-11-02T10:00:00Z"
tenants: [ { id: acme, admin: ops@acme.example } ]
agents: [ { id: a1, tenant: acme, workflows: [w1] } ]
responders: { cheryl: { ack: 1m }, petra: { ack: 1m }, atlas: { ack: 1m } }
failures:
  - { id: down, agent: a1, workflow: w1, error: down, retryable: false, impact: { kind: platform-down }, fixedAfter: 58m }
  - { id: flaky, agent: a1, workflow: w1, error: flaky, succeedsOnAttempt: 2, repeat: { every: 1h, count: 40 } }
`, 'skewed.yaml');

const Resolve = suite('the run summary\'s time to resolve');

Resolve('a mean above the p95 is labelled the mean, beside the median, the p95 and the max that explains it', async () => {
  const r = await runScenario(skewed);
  const o = r.metrics.overall;
  assert.ok((o.mttResolveMs ?? 0) > (o.resolveP95Ms ?? 0), 'the case the summary must not misread');
  const line = renderSummary(r).split('\n').find((l) => l.startsWith('Time to resolve'));
  assert.is(line, 'Time to resolve (41 resolved): mean 1m 33s, median 5s, p95 5s, max 1h 00m');
});

Resolve('report.json keeps the mean, p50 and p95 by their names and adds the max', async () => {
  const overall = (JSON.parse(reportJson(await runScenario(skewed))) as { metrics: { overall: Record<string, unknown> } }).metrics.overall;
  assert.is(overall.resolveMaxMs, 3_600_000);
  assert.is(overall.resolveP95Ms, 5_000);
  assert.is(overall.resolveP50Ms, 5_000);
  assert.is(Math.round(overall.mttResolveMs as number), 92_683);
});

Resolve.run();
