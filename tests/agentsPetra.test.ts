import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { ImpactKind } from '../machines/types.js';
import { HOUR, MIN, SEC, T0, createHarness, failing, type Harness } from './helpers/engineHarness.js';

const iso = (t: number) => new Date(t).toISOString();

/** The billing incident (the one on invoice-run). */
const billingIncident = (h: Harness) => h.incidents().find((i) => i.workflow === 'invoice-run')!;

// ---------------------------------------------------------------------------
const Allocate = suite('Petra: resource allocation (spec, Step 4.1)');

const FLAGS: Array<[string, Record<string, unknown>, boolean]> = [
  ['a change to the code or configuration', { needsChange: true }, true],
  ['customer data that may be compromised', { dataCompromised: true }, true],
  ['neither', {}, false],
];
for (const [label, impact, flag] of FLAGS) {
  Allocate(`${flag ? 'flags' : 'does not flag'} a human developer for ${label}`, async () => {
    const h = createHarness();
    h.engine.submit({ agent: 'billing', workflow: 'invoice-run', run: failing(), impact: { kind: 'data-integrity', ...impact } });
    await h.run(10 * MIN);
    const { coordination } = billingIncident(h);
    assert.ok(coordination, 'Petra coordinated');
    assert.is(coordination.humanDeveloper, flag);
    assert.equal(coordination.assigned, ['billing']);
    const [entry] = h.audit({ action: 'incident.coordinated' });
    assert.is(entry.actor, 'petra');
    assert.equal(entry.meta.coordination, coordination);
    assert.is(entry.message.includes('flagged a human developer'), flag);
  });
}

// ---------------------------------------------------------------------------
const Impact = suite('Petra: impact assessment from the store (spec, Step 4.2)');

Impact('counts the workflows, tenants and agents hit in the last hour, and the other open incidents of the agent', async () => {
  const h = createHarness({ fixAfterMs: null });
  // An older incident of billing on another workflow, still open; its failure is out of the window.
  h.engine.submit({ agent: 'billing', workflow: 'refunds', run: failing('refund API 500') });
  await h.run(70 * MIN);
  // Same tenant, another agent: related. Another tenant: not.
  h.engine.submit({ agent: 'mailer', workflow: 'email-send', run: failing('SMTP 421 try later') });
  h.engine.submit({ agent: 'reporter', workflow: 'dashboards', run: failing('render timeout') });
  await h.run(MIN);
  h.engine.submit({ agent: 'billing', workflow: 'invoice-run', run: failing('ledger mismatch'), impact: { kind: 'data-integrity' } });
  await h.run(10 * MIN);
  assert.is(h.incidents().length, 4);
  assert.is.not(h.incidents().find((i) => i.workflow === 'refunds')!.status, 'closed');
  const { coordination } = billingIncident(h);
  assert.ok(coordination);
  assert.equal(coordination.affected, {
    workflows: ['email-send', 'invoice-run', 'refunds'],
    tenants: ['acme'],
    agents: ['billing', 'mailer'],
    failedJobs: 2,
  });
  assert.equal(coordination.assigned, ['billing', 'mailer']);
});

Impact('a failure alone affects only its own agent, workflow and tenant', async () => {
  const h = createHarness();
  h.engine.submit({ agent: 'billing', workflow: 'invoice-run', run: failing(), impact: { kind: 'platform-down' } });
  await h.run(10 * MIN);
  assert.equal(billingIncident(h).coordination!.affected, { workflows: ['invoice-run'], tenants: ['acme'], agents: ['billing'], failedJobs: 1 });
});

// ---------------------------------------------------------------------------
const Workaround = suite('Petra: workaround and ETA (spec, Step 4.3 and 4.4)');

const WORKAROUNDS: Array<[ImpactKind, RegExp, number]> = [
  ['platform-down', /fail over to the standby/, 1 * HOUR],
  ['data-integrity', /freeze writes/, 4 * HOUR],
  ['safety', /require human approval/, 4 * HOUR],
];
for (const [kind, workaround, resolutionMs] of WORKAROUNDS) {
  Workaround(`a ${kind} incident gets a workaround and an ETA at its resolution target`, async () => {
    const h = createHarness();
    h.engine.submit({ agent: 'billing', workflow: 'invoice-run', run: failing(), impact: { kind } });
    await h.run(10 * MIN);
    const incident = billingIncident(h);
    const { coordination } = incident;
    assert.match(coordination!.workaround!, workaround);
    // Retries end at +30 s, Cheryl acknowledges 2 min later, Petra 1 min after her.
    const coordinatedAt = T0 + 30 * SEC + 3 * MIN;
    assert.is(coordination!.eta, iso(coordinatedAt + resolutionMs));
    const [entry] = h.audit({ action: 'incident.coordinated' });
    assert.is(entry.ts, iso(coordinatedAt));
    assert.match(entry.message, new RegExp(`ETA ${coordination!.eta!.replace(/[.]/g, '\\.')}`));
  });
}

Workaround('a P3 that went to Petra gets the next maintenance window as its ETA', async () => {
  const h = createHarness();
  h.engine.submit({ agent: 'billing', workflow: 'invoice-run', run: failing(), impact: { kind: 'cosmetic', needsChange: true } });
  await h.run(10 * MIN);
  assert.is(billingIncident(h).coordination!.eta, '2026-03-08T02:00:00.000Z');
});

// ---------------------------------------------------------------------------
const Status = suite('Petra: status updates on the severity cadence (spec, Step 4.5)');

// README, step 4: P0 15 min, P1 30 min, P2 4 h, P3 24 h. A P2 or P3 reaches Petra when its fix
// needs a change (spec, Step 3); each fix takes long enough for three updates or more.
const CADENCE: Array<[ImpactKind, number, number]> = [
  ['platform-down', 15 * MIN, 100 * MIN],
  ['data-integrity', 30 * MIN, 100 * MIN],
  ['feature-broken', 4 * HOUR, 14 * HOUR],
  ['cosmetic', 24 * HOUR, 80 * HOUR],
];
for (const [kind, every, fixAfterMs] of CADENCE) {
  Status(`updates Atlas every ${every / MIN} min on a ${kind} incident until it resolves`, async () => {
    const h = createHarness({ fixAfterMs });
    h.engine.submit({ agent: 'billing', workflow: 'invoice-run', run: failing(), impact: { kind, needsChange: true } });
    await h.run(fixAfterMs + 6 * HOUR);
    const incident = billingIncident(h);
    assert.is(incident.status, 'closed');
    const escalatedAt = Date.parse(incident.escalations[0].at);
    const resolvedAt = Date.parse(incident.resolvedAt!);
    const updates = h.audit({ entityId: incident.id, action: 'incident.status_update' });
    const expected: number[] = [];
    for (let t = escalatedAt + every; t < resolvedAt; t += every) expected.push(t);
    assert.ok(expected.length >= 3, `${expected.length} updates expected`);
    assert.equal(updates.map((u) => Date.parse(u.ts)), expected);
    for (const u of updates) {
      assert.is(u.actor, 'petra');
      // No customer was affected: nobody else is owed an update.
      assert.equal(u.meta.to, ['atlas']);
      assert.match(u.message, /ETA: 2026-/);
    }
    const notes = h.store.list('notifications', { to: 'atlas' }).filter((n) => n.subject === `Status: ${incident.id}`);
    assert.is(notes.length, expected.length);
    assert.equal(h.store.list('notifications', { channel: 'status' }), []);
  });
}

Status('updates the affected stakeholders too: the admin of every tenant Cheryl notified of a customer-facing incident', async () => {
  const h = createHarness({ fixAfterMs: 100 * MIN });
  const impact = { kind: 'data-integrity', customerFacing: true } as const;
  // A failure of globex's reporter with the same root cause joins acme's incident before triage.
  h.engine.submit({ agent: 'billing', workflow: 'invoice-run', run: failing('ledger mismatch'), rootCause: 'ledger-drift', impact });
  await h.run(10 * SEC);
  h.engine.submit({ agent: 'reporter', workflow: 'dashboards', run: failing('totals differ'), rootCause: 'ledger-drift', impact });
  await h.run(6 * HOUR);
  const incident = billingIncident(h);
  assert.is(incident.status, 'closed');
  const stakeholders = ['ops@acme.test', 'it@globex.test'];
  assert.equal(h.audit({ entityId: incident.id, action: 'incident.notified' })[0].meta.to, stakeholders);
  assert.equal(incident.coordination!.stakeholders, stakeholders);
  const updates = h.audit({ entityId: incident.id, action: 'incident.status_update', order: 'asc' });
  assert.ok(updates.length >= 3, `${updates.length} updates`);
  for (const u of updates) assert.equal(u.meta.to, ['atlas', ...stakeholders]);
  // Each update reaches every stakeholder at its time, with what Atlas reads.
  const statusNotes = h.store.list('notifications', { channel: 'status' });
  assert.equal(statusNotes.map((n) => [n.ts, n.from, n.to, n.incidentId]), updates.flatMap((u) => stakeholders.map((to) => [u.ts, 'petra', to, incident.id])));
  for (const n of statusNotes) {
    assert.is(n.subject, `Status: ${incident.id}`);
    assert.match(n.body, /ETA: 2026-/);
  }
});

Status('sends no status update for an incident Cheryl keeps', async () => {
  const h = createHarness({ fixAfterMs: 3 * HOUR });
  h.engine.submit({ agent: 'billing', workflow: 'invoice-run', run: failing() });
  await h.run(HOUR + 50 * MIN);
  assert.equal(h.audit({ action: 'incident.status_update' }), []);
});

Allocate.run();
Impact.run();
Workaround.run();
Status.run();
