import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { resolvePolicy } from '../machines/policies/index.js';
import { MIN, SEC, T0, inputOf, startIncident } from './helpers/machineHarness.js';

const NOT_RETRYABLE = { message: 'invalid invoice: amount missing', name: 'TypeError', retryable: false };

// ---------------------------------------------------------------------------
const Ladder = suite('incident machine: auto-retry (spec, Step 2)');

Ladder('retries at +0 s, +5 s and +30 s after detection when each attempt fails at once, then goes to Cheryl', async () => {
  const h = startIncident(inputOf());
  await h.clock.runUntilIdleAsync({ until: T0 + 10 * MIN });
  assert.equal(h.attempts, [
    { attempt: 1, at: T0 },
    { attempt: 2, at: T0 + 5 * SEC },
    { attempt: 3, at: T0 + 30 * SEC },
  ]);
  const { retries } = h.actor.getSnapshot().context;
  assert.equal(retries.map((r) => [r.attempt, r.delayMs, r.outcome, r.at]), [
    [1, 0, 'failed', new Date(T0).toISOString()],
    [2, 5_000, 'failed', new Date(T0 + 5 * SEC).toISOString()],
    [3, 25_000, 'failed', new Date(T0 + 30 * SEC).toISOString()],
  ]);
  assert.is(h.value(), 'triaged.queued');
  assert.equal(h.actions(), ['incident.detected', 'incident.retry', 'incident.retry', 'incident.retry', 'incident.assigned']);
  assert.equal(h.audits.at(-1)!.meta.reason, 'retries-exhausted');
  assert.is(h.audits.at(-1)!.at, T0 + 30 * SEC);
});

Ladder('counts each delay from the end of the failed attempt before it', async () => {
  // Each attempt takes 2 s to fail.
  const h = startIncident(inputOf(), {
    attempt: (_n, _at) => new Promise((resolve) => h.clock.setTimeout(() => resolve({ ok: false, at: h.clock.now(), error: 'slow boom' }), 2 * SEC)),
  });
  await h.clock.runUntilIdleAsync({ until: T0 + 10 * MIN });
  assert.equal(h.attempts.map((a) => a.at - T0), [0, 2_000 + 5_000, 2_000 + 5_000 + 2_000 + 25_000]);
});

Ladder('logs every attempt to the audit trail with its number, delay and outcome', async () => {
  const h = startIncident(inputOf());
  await h.clock.runUntilIdleAsync({ until: T0 + MIN });
  const retries = h.audits.filter((a) => a.action === 'incident.retry');
  assert.equal(retries.map((a) => [a.meta.attempt, a.meta.delayMs, a.meta.outcome, a.meta.retryAttempts, a.meta.error]), [
    [1, 0, 'failed', 1, 'boom'],
    [2, 5_000, 'failed', 2, 'boom'],
    [3, 25_000, 'failed', 3, 'boom'],
  ]);
});

for (const n of [1, 2, 3]) {
  Ladder(`auto-resolves when attempt ${n} succeeds: resolved with meta.autoResolved, closed, no escalation`, async () => {
    const h = startIncident(inputOf(), { attempt: (attempt, at) => (attempt === n ? { ok: true, at } : { ok: false, at, error: 'boom' }) });
    await h.clock.runUntilIdleAsync({ until: T0 + 10 * MIN });
    const snap = h.actor.getSnapshot();
    assert.is(snap.status, 'done');
    assert.is(h.value(), 'closed');
    assert.is(snap.context.autoResolved, true);
    assert.is(snap.context.retries.length, n);
    assert.is(snap.context.retries.at(-1)!.outcome, 'succeeded');
    const resolved = h.audits.find((a) => a.action === 'incident.resolved');
    assert.ok(resolved);
    assert.is(resolved.meta.autoResolved, true);
    assert.is(resolved.meta.attempt, n);
    assert.is(resolved.meta.escalationTarget, null);
    assert.is(resolved.level, 'warn');
    assert.equal(h.actions().slice(-3), ['incident.retry', 'incident.resolved', 'incident.closed']);
    // Still recorded for pattern analysis, but nobody is involved.
    assert.not.ok(h.actions().includes('incident.escalated'));
    assert.not.ok(h.actions().includes('incident.assigned'));
    assert.not.ok(h.effects.some((e) => e.type === 'assignResponder' || e.type === 'notify'));
    assert.is(h.armed.size, 0, `deadlines left armed: ${[...h.armed.keys()]}`);
    assert.is(h.attempts.length, n);
  });
}

Ladder('a failure that is not retryable skips the ladder and goes straight to triage', async () => {
  const h = startIncident(inputOf({ error: NOT_RETRYABLE }));
  assert.is(h.value(), 'triaged.queued');
  await h.clock.runUntilIdleAsync({ until: T0 + MIN });
  assert.equal(h.attempts, []);
  assert.equal(h.actions().slice(0, 3), ['incident.detected', 'incident.retry_skipped', 'incident.assigned']);
  assert.is(h.audits[2].meta.reason, 'not-retryable');
  assert.is(h.audits[2].at, T0);
  assert.not.ok(h.effects.some((e) => e.type === 'arm' && (e.params as { kind: string }).kind === 'retry'));
  assert.ok(h.effects.some((e) => e.type === 'assignResponder' && (e.params as { responder: string }).responder === 'cheryl'));
});

Ladder('an attempt actor that breaks counts as a failed attempt; the incident never errors', async () => {
  const h = startIncident(inputOf(), { attempt: () => Promise.reject(new Error('runner crashed')) });
  await h.clock.runUntilIdleAsync({ until: T0 + MIN });
  assert.is(h.actor.getSnapshot().status, 'active');
  assert.is(h.value(), 'triaged.queued');
  const { retries } = h.actor.getSnapshot().context;
  assert.equal(retries.map((r) => r.outcome), ['failed', 'failed', 'failed']);
  assert.match(retries[0].error!, /runner crashed/);
  assert.equal(h.attempts.map((a) => a.at - T0), [0, 5_000, 30_000]);
});

Ladder("follows the incident's own ladder (a shorter one from the config)", async () => {
  const h = startIncident(inputOf({ policy: resolvePolicy({ RETRY_DELAYS_MS: [0, 1_500] }) }));
  await h.clock.runUntilIdleAsync({ until: T0 + MIN });
  assert.equal(h.attempts.map((a) => a.at - T0), [0, 1_500]);
  assert.is(h.value(), 'triaged.queued');
});

Ladder.run();
