import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { PolicyConfig } from '../machines/types.js';
import { VirtualClock } from '../sim/virtualClock.js';
import { createMemoryStore } from '../store/memoryStore.js';
import { HOUR, MIN, SEC, T0, createHarness, failing } from './helpers/engineHarness.js';

const retryTimes = (h: ReturnType<typeof createHarness>, incidentId: string) =>
  h.store.get('incidents', incidentId)!.retries.map((r) => Date.parse(r.at) - Date.parse(h.store.get('incidents', incidentId)!.detectedAt));

// ---------------------------------------------------------------------------
const Copied = suite('engine: the policy is copied into each incident when it opens');

Copied('editing the config object after the engine started changes no incident', async () => {
  const config: Partial<PolicyConfig> = { RETRY_DELAYS_MS: [0, 1 * SEC, 2 * SEC], TWO_HOUR_RULE_MS: 2 * HOUR };
  const h = createHarness({ config });
  h.engine.submit({ agent: 'billing', workflow: 'invoice-run', run: failing('first') });
  await h.run(100);
  config.RETRY_DELAYS_MS!.splice(0, 3, 0, 60 * SEC, 60 * SEC);
  config.TWO_HOUR_RULE_MS = MIN;
  h.engine.submit({ agent: 'billing', workflow: 'invoice-run', run: failing('second') });
  await h.run(10 * MIN);
  for (const incident of h.incidents()) {
    assert.equal(incident.policy.RETRY_DELAYS_MS, [0, 1 * SEC, 2 * SEC]);
    assert.is(incident.policy.TWO_HOUR_RULE_MS, 2 * HOUR);
    assert.equal(retryTimes(h, incident.id), [0, 1 * SEC, 3 * SEC]);
    assert.equal(incident.escalations, []);
  }
});

Copied('an open incident keeps its policy when an engine with another config takes over the store', async () => {
  const store = createMemoryStore();
  const clock = new VirtualClock({ start: T0 });
  const jobs = { invoices: failing('invoice API 503') };
  const before = createHarness({ store, clock, jobs, fixAfterMs: null });
  before.engine.submit({ agent: 'billing', workflow: 'invoice-run', kind: 'invoices', impact: { kind: 'cosmetic' } });
  await before.run(10 * SEC);
  const [old] = before.incidents();
  assert.equal(retryTimes(before, old.id), [0, 5 * SEC]);
  await before.engine.stop();

  const after = createHarness({ store, clock, jobs: { invoices: failing('invoice API 503'), reports: failing('report timeout') }, seed: 2, fixAfterMs: null, config: { RETRY_DELAYS_MS: [0, MIN, MIN], TWO_HOUR_RULE_MS: HOUR } });
  after.engine.submit({ agent: 'reporter', workflow: 'dashboards', kind: 'reports', impact: { kind: 'cosmetic' } });
  await after.run(3 * HOUR);
  const resumed = after.store.get('incidents', old.id)!;
  const fresh = after.incidents().find((i) => i.id !== old.id)!;
  // The old incident goes on with the ladder and the two-hour rule it opened with...
  assert.equal(retryTimes(after, old.id), [0, 5 * SEC, 30 * SEC]);
  assert.is(resumed.escalations[0].at, new Date(T0 + 2 * HOUR + 1).toISOString());
  assert.equal(resumed.policy.RETRY_DELAYS_MS, [0, 5 * SEC, 25 * SEC]);
  // ...the new one with the new config.
  assert.equal(retryTimes(after, fresh.id), [0, MIN, 2 * MIN]);
  assert.is(Date.parse(fresh.escalations[0].at) - Date.parse(fresh.detectedAt), HOUR + 1);
});

Copied.run();
