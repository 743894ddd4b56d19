import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { HOUR, MIN, SEC, T0, createHarness, failing } from './helpers/engineHarness.js';

const iso = (t: number) => new Date(t).toISOString();

// ---------------------------------------------------------------------------
const Capacity = suite('responders: capacity and queue');

Capacity('work beyond capacity queues, and the responders table shows the queue', async () => {
  const h = createHarness({
    responders: { cheryl: { ack: 10 * MIN, capacity: 1 }, petra: { ack: MIN }, atlas: { ack: MIN } },
    config: { ACK_TIMEOUT_MS: 4 * HOUR },
    fixAfterMs: 5 * MIN,
  });
  // Three different failures: three incidents (not retryable: straight to Cheryl).
  for (const message of ['alpha broke', 'beta broke', 'gamma broke']) {
    h.engine.submit({ agent: 'billing', workflow: 'invoice-run', run: failing(message), retryable: () => false });
    await h.run(SEC);
  }
  const [a, b, c] = h.incidents().map((i) => i.id);
  const row = h.store.get('responders', 'cheryl')!;
  assert.equal([row.capacity, row.active, row.queue], [1, [a], [b, c]]);
  for (const id of [b, c]) assert.is(h.engine.stateOf(id), 'triaged.queued');
  // Cheryl acknowledges the first after 10 min, fixes it in 5 and takes the next.
  await h.run(15 * MIN);
  assert.is(h.store.get('incidents', a)!.status, 'closed');
  const next = h.store.get('responders', 'cheryl')!;
  assert.equal([next.active, next.queue], [[b], [c]]);
  await h.run(HOUR);
  assert.equal(h.incidents().map((i) => i.status), ['closed', 'closed', 'closed']);
  // Each waited for the one before: acknowledged 15 min apart.
  assert.equal(h.incidents().map((i) => Date.parse(i.respondedAt!) - T0), [10 * MIN, 25 * MIN, 40 * MIN]);
  assert.equal(h.store.get('responders', 'cheryl')!.active, []);
});

// ---------------------------------------------------------------------------
const Sla = suite('responders: SLA breaches');

Sla('a P0 not acknowledged within 5 min breaches its response target and the next in the chain hears of it', async () => {
  const h = createHarness({ responders: { cheryl: { ack: 10 * MIN } } });
  h.engine.submit({ agent: 'billing', workflow: 'invoice-run', run: failing('database down'), impact: { kind: 'platform-down' } });
  await h.run(6 * MIN);
  const incident = h.incident();
  assert.equal(incident.slaBreaches, [{ kind: 'response', at: iso(T0 + 5 * MIN) }]);
  const [breach] = h.audit({ entityId: incident.id, action: 'incident.sla_breached' });
  assert.equal([breach.ts, breach.level, breach.meta.kind, breach.meta.notified], [iso(T0 + 5 * MIN), 'error', 'response', 'petra']);
  const notes = h.store.list('notifications', { to: 'petra' }).filter((n) => n.subject.startsWith('SLA breached'));
  assert.is(notes.length, 1);
  assert.is(notes[0].incidentId, incident.id);
});

Sla('an acknowledgement in time breaches nothing', async () => {
  const h = createHarness({ responders: { cheryl: { ack: 2 * MIN } }, fixAfterMs: 20 * MIN });
  h.engine.submit({ agent: 'billing', workflow: 'invoice-run', run: failing('database down'), impact: { kind: 'platform-down' } });
  await h.run(2 * HOUR);
  assert.equal(h.incident().slaBreaches, []);
  assert.equal(h.audit({ action: 'incident.sla_breached' }), []);
});

Sla('a P1 still open after 4 hours breaches its resolution target; Atlas is told when Petra owns it', async () => {
  const h = createHarness({ fixAfterMs: 5 * HOUR });
  h.engine.submit({ agent: 'billing', workflow: 'invoice-run', run: failing('ledger mismatch'), impact: { kind: 'data-integrity' } });
  await h.run(4 * HOUR + MIN);
  const incident = h.incident();
  assert.equal(incident.slaBreaches, [{ kind: 'resolution', at: iso(T0 + 4 * HOUR) }]);
  assert.is(incident.assignee, 'petra');
  const [breach] = h.audit({ entityId: incident.id, action: 'incident.sla_breached' });
  assert.is(breach.meta.notified, 'atlas');
  assert.ok(h.store.list('notifications', { to: 'atlas' }).some((n) => n.subject === `SLA breached: ${incident.id}`));
});

Sla("a P3's resolution target is the next maintenance window", async () => {
  const h = createHarness({ fixAfterMs: null, config: { TWO_HOUR_RULE_MS: 30 * 86_400_000 } });
  h.engine.submit({ agent: 'reporter', workflow: 'dashboards', run: failing('UI glitch'), impact: { kind: 'cosmetic' } });
  await h.runTo(Date.parse('2026-03-08T02:00:00Z') - MIN);
  assert.equal(h.incident().slaBreaches, []);
  await h.runTo(Date.parse('2026-03-08T02:00:00Z'));
  assert.equal(h.incident().slaBreaches, [{ kind: 'resolution', at: '2026-03-08T02:00:00.000Z' }]);
});

// ---------------------------------------------------------------------------
const Ack = suite('responders: acknowledgement timeouts');

Ack('an acknowledgement not given within the timeout re-escalates to the next responder', async () => {
  const h = createHarness({ responders: { cheryl: { ack: 20 * MIN }, petra: { ack: MIN } }, config: { ACK_TIMEOUT_MS: 15 * MIN }, fixAfterMs: null });
  h.engine.submit({ agent: 'billing', workflow: 'invoice-run', run: failing() });
  await h.run(16 * MIN);
  const incident = h.incident();
  // Cheryl got it when the retries ended (+30 s).
  assert.equal(incident.escalations, [{ from: 'cheryl', to: 'petra', criteria: ['ack-timeout'], at: iso(T0 + 30 * SEC + 15 * MIN) }]);
  assert.equal(h.store.get('responders', 'cheryl')!.active, []);
  await h.run(5 * MIN);
  // Cheryl's late acknowledgement never arrives; Petra took it.
  const after = h.incident();
  assert.is(after.respondedAt, iso(T0 + 30 * SEC + 16 * MIN));
  assert.equal(h.audit({ entityId: after.id, action: 'incident.acknowledged' }).map((e) => e.actor), ['petra']);
  assert.match(after.state, /^coordinated\.(working|fixing)$/);
});

Ack('the configured acknowledgement timeout is honoured', async () => {
  const h = createHarness({ responders: { cheryl: { ack: 20 * MIN } }, config: { ACK_TIMEOUT_MS: 30 * MIN } });
  h.engine.submit({ agent: 'billing', workflow: 'invoice-run', run: failing() });
  await h.run(25 * MIN);
  assert.equal(h.incident().escalations, []);
  assert.is(h.audit({ action: 'incident.acknowledged' })[0].actor, 'cheryl');
});

Capacity.run();
Sla.run();
Ack.run();
