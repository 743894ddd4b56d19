import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { HOUR, MIN, createHarness, failing } from './helpers/engineHarness.js';

// ---------------------------------------------------------------------------
const Dedup = suite('engine: one incident per root cause while it is open');

Dedup('a failure with the same fingerprint joins the open incident (incident.attached)', async () => {
  const h = createHarness({ fixAfterMs: HOUR });
  const first = h.engine.submit({ agent: 'billing', workflow: 'invoice-run', run: failing('ECONNREFUSED 10.0.0.5:5432') });
  await h.run(5 * MIN);
  // Another host, another port: the same failure.
  const second = h.engine.submit({ agent: 'billing', workflow: 'invoice-run', run: failing('ECONNREFUSED 10.0.0.7:6432') });
  const third = h.engine.submit({ agent: 'billing', workflow: 'invoice-run', run: failing('ECONNREFUSED 10.0.0.5:5432') });
  await h.run(MIN);
  const incident = h.incident();
  assert.is(incident.attached, 2);
  for (const job of [first, second, third]) assert.is(h.store.get('jobs', job.jobId)!.incidentId, incident.id);
  const attached = h.audit({ entityId: incident.id, action: 'incident.attached' });
  assert.equal(attached.map((a) => [a.meta.jobId, a.meta.attached]), [[second.jobId, 1], [third.jobId, 2]]);
  assert.is(h.audit({ action: 'incident.detected' }).length, 1);
  // The attached failures are not retried: only the first job's retries ran.
  assert.is(h.audit({ action: 'job.failed' }).length, 4 + 2);
});

Dedup('a different failure, or the same one on another workflow, opens its own incident', async () => {
  const h = createHarness();
  h.engine.submit({ agent: 'billing', workflow: 'invoice-run', run: failing('ECONNREFUSED 10.0.0.5:5432') });
  h.engine.submit({ agent: 'billing', workflow: 'invoice-run', run: failing('ETIMEDOUT 10.0.0.5:5432') });
  h.engine.submit({ agent: 'billing', workflow: 'refunds', run: failing('ECONNREFUSED 10.0.0.5:5432') });
  await h.run(MIN);
  assert.equal(h.incidents().map((i) => i.fingerprint), [
    'invoice-run:ECONNREFUSED <ip>:<n>',
    'invoice-run:ETIMEDOUT <ip>:<n>',
    'refunds:ECONNREFUSED <ip>:<n>',
  ]);
  assert.equal(h.audit({ action: 'incident.attached' }), []);
});

Dedup('a known root cause groups failures whatever their messages', async () => {
  const h = createHarness();
  h.engine.submit({ agent: 'billing', workflow: 'invoice-run', run: failing('certificate has expired'), rootCause: 'expired-tls-cert' });
  await h.run(MIN);
  h.engine.submit({ agent: 'mailer', workflow: 'email-send', run: failing('unable to verify the first certificate'), rootCause: 'expired-tls-cert' });
  await h.run(MIN);
  const incident = h.incident();
  assert.is(incident.fingerprint, 'root:expired-tls-cert');
  assert.is(incident.attached, 1);
});

// ---------------------------------------------------------------------------
const Repeat = suite('engine: repeat incidents');

Repeat('the same failure after the incident closed opens a new incident marked as a repeat', async () => {
  const h = createHarness({ fixAfterMs: 20 * MIN });
  h.engine.submit({ agent: 'billing', workflow: 'invoice-run', run: failing('ECONNREFUSED 10.0.0.5:5432') });
  await h.run(HOUR);
  const [first] = h.incidents();
  assert.is(first.status, 'closed');
  h.engine.submit({ agent: 'billing', workflow: 'invoice-run', run: failing('ECONNREFUSED 10.0.0.9:5432') });
  await h.run(10 * MIN);
  const [, second] = h.incidents();
  assert.ok(second, 'a second incident');
  assert.is(second.repeatOf, first.id);
  assert.is(second.fingerprint, first.fingerprint);
  assert.is(h.audit({ entityId: second.id, action: 'incident.detected' })[0].meta.repeatOf, first.id);
  assert.ok(second.findings.includes(`Same root cause as ${first.id}: a repeat`), second.findings.join('\n'));
  assert.is(first.repeatOf, null);
});

Repeat('an auto-resolved incident counts for repeats too', async () => {
  const h = createHarness();
  let calls = 0;
  h.engine.submit({ agent: 'billing', workflow: 'invoice-run', run: () => { if (++calls === 1) throw new Error('ECONNRESET'); } });
  await h.run(MIN);
  h.engine.submit({ agent: 'billing', workflow: 'invoice-run', run: failing('ECONNRESET') });
  await h.run(MIN);
  const [first, second] = h.incidents();
  assert.is(first.autoResolved, true);
  assert.is(second.repeatOf, first.id);
});

Dedup.run();
Repeat.run();
