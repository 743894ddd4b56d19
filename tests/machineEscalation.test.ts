import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { IncidentEvent } from '../machines/incidentEvents.js';
import type { IncidentInput } from '../machines/incidentContext.js';
import { impactOf, resolvePolicy } from '../machines/policies/index.js';
import type { ImpactAssessment, Severity } from '../machines/types.js';
import { HOUR, MIN, T0, inputOf, startIncident, type MachineHarness } from './helpers/machineHarness.js';

const NOT_RETRYABLE = { message: 'invalid invoice', retryable: false };
const coordination = { assigned: ['billing'], humanDeveloper: false, workaround: 'replay later', eta: null, affected: { workflows: ['invoice-run'], tenants: ['acme'], agents: ['billing'], failedJobs: 1 } };

/** An incident already with Cheryl (not retryable), detected at T0. */
function withCheryl(over: Partial<IncidentInput> = {}, impact: Partial<ImpactAssessment> = {}): MachineHarness {
  return startIncident(inputOf({ error: NOT_RETRYABLE, impact: impactOf(impact), ...over }));
}

/** Moves the clock to `t` (firing the deadlines due on the way), then sends the event. */
async function at(h: MachineHarness, t: number, event: IncidentEvent): Promise<void> {
  await h.clock.advanceToAsync(t);
  h.send(event);
}
const triage = (t: number, severity: Severity): IncidentEvent => ({ type: 'triage.done', at: t, severity, findings: [], mitigation: null, notified: [], rootCause: null });
const escalations = (h: MachineHarness) => h.audits.filter((a) => a.action === 'incident.escalated').map((a) => ({ from: a.meta.from, to: a.meta.to, criteria: a.meta.criteria }));

// ---------------------------------------------------------------------------
const Cheryl = suite('incident machine: Cheryl escalates to Petra (spec, Step 3)');

const CHERYL_CASES: Array<[string, Severity, Partial<ImpactAssessment>, string[] | null]> = [
  ['a P0', 'P0', {}, ['severity-p0-p1']],
  ['a P1', 'P1', {}, ['severity-p0-p1']],
  ['a P2 needing cross-agent coordination', 'P2', { crossAgent: true }, ['cross-agent']],
  ['a P3 needing a code or configuration change', 'P3', { needsChange: true }, ['needs-change']],
  ['a plain P2', 'P2', {}, null],
  ['a plain P3', 'P3', {}, null],
];
for (const [label, severity, impact, criteria] of CHERYL_CASES) {
  Cheryl(`${criteria ? 'escalates' : 'keeps'} ${label} at triage`, async () => {
    const h = withCheryl({ severity }, impact);
    await at(h, T0 + 2 * MIN, { type: 'responder.ack', at: T0 + 2 * MIN, responder: 'cheryl' });
    await at(h, T0 + 2 * MIN, triage(T0 + 2 * MIN, severity));
    if (criteria) {
      assert.is(h.value(), 'coordinated.queued');
      assert.equal(escalations(h), [{ from: 'cheryl', to: 'petra', criteria }]);
      assert.equal(h.actor.getSnapshot().context.escalations.map((e) => [e.from, e.to, e.criteria]), [['cheryl', 'petra', criteria]]);
      assert.ok(h.effects.some((e) => e.type === 'releaseResponder' && (e.params as { responder: string }).responder === 'cheryl'));
      assert.ok(h.effects.some((e) => e.type === 'assignResponder' && (e.params as { responder: string }).responder === 'petra'));
    } else {
      assert.is(h.value(), 'triaged.fixing');
      assert.equal(escalations(h), []);
      assert.ok(h.effects.some((e) => e.type === 'startFix' && (e.params as { owner: string }).owner === 'cheryl'));
    }
  });
}

Cheryl('escalates to Petra when the incident outlives two hours, whatever its severity (a P3 in the fix)', async () => {
  const h = withCheryl({ severity: 'P3' }, { kind: 'cosmetic' });
  await at(h, T0 + 10 * MIN, { type: 'responder.ack', at: T0 + 10 * MIN, responder: 'cheryl' });
  h.send(triage(T0 + 10 * MIN, 'P3'));
  assert.is(h.value(), 'triaged.fixing');
  // The rule counts from detection, not from triage; "more than 2 hours": exactly two is not.
  assert.is(h.armed.get('two-hours')?.dueAt, T0 + 2 * HOUR + 1);
  await h.clock.advanceToAsync(T0 + 2 * HOUR);
  assert.is(h.value(), 'triaged.fixing');
  await h.clock.advanceToAsync(T0 + 2 * HOUR + 1);
  assert.is(h.value(), 'coordinated.queued');
  assert.equal(escalations(h), [{ from: 'cheryl', to: 'petra', criteria: ['open-over-2h'] }]);
  assert.is(h.audits.find((a) => a.action === 'incident.escalated')!.at, T0 + 2 * HOUR + 1);
  assert.not.ok(h.armed.has('two-hours'));
});

Cheryl('keeps an incident she resolves at exactly two hours: not "more than 2 hours"', async () => {
  const h = withCheryl({ severity: 'P3' }, { kind: 'cosmetic' });
  await at(h, T0, { type: 'responder.ack', at: T0, responder: 'cheryl' });
  h.send(triage(T0, 'P3'));
  await at(h, T0 + 2 * HOUR, { type: 'incident.resolve', at: T0 + 2 * HOUR, by: 'cheryl' });
  assert.is(h.value(), 'closed');
  assert.equal(escalations(h), []);
});

Cheryl('escalates a P2 Cheryl is still waiting to acknowledge after two hours', async () => {
  const h = withCheryl({ policy: resolvePolicy({ ACK_TIMEOUT_MS: 3 * HOUR }) });
  await h.clock.advanceToAsync(T0 + 2 * HOUR + 1);
  assert.is(h.value(), 'coordinated.queued');
  assert.equal(escalations(h), [{ from: 'cheryl', to: 'petra', criteria: ['open-over-2h'] }]);
});

Cheryl('does not escalate an incident resolved within two hours, and disarms the rule', async () => {
  const h = withCheryl({ severity: 'P3' });
  await at(h, T0 + 5 * MIN, { type: 'responder.ack', at: T0 + 5 * MIN, responder: 'cheryl' });
  h.send(triage(T0 + 5 * MIN, 'P3'));
  await at(h, T0 + HOUR, { type: 'incident.resolve', at: T0 + HOUR, by: 'cheryl' });
  await h.clock.advanceToAsync(T0 + 3 * HOUR);
  assert.is(h.value(), 'closed');
  assert.equal(escalations(h), []);
  assert.is(h.armed.size, 0);
});

Cheryl('re-escalates to Petra when Cheryl does not acknowledge within the configured timeout', async () => {
  const h = withCheryl({ policy: resolvePolicy({ ACK_TIMEOUT_MS: 15 * MIN }) });
  assert.is(h.armed.get('ack')?.dueAt, T0 + 15 * MIN);
  await h.clock.advanceToAsync(T0 + 15 * MIN);
  assert.is(h.value(), 'coordinated.queued');
  assert.equal(escalations(h), [{ from: 'cheryl', to: 'petra', criteria: ['ack-timeout'] }]);
  // Petra's acknowledgement clock starts at the escalation.
  assert.is(h.armed.get('ack')?.dueAt, T0 + 30 * MIN);
});

Cheryl("by default an acknowledgement stalls at the severity's response target, never under 15 min", async () => {
  // (P3's 24 h target comes after the two-hour rule, which moves the incident first.)
  for (const [severity, minutes] of [['P0', 15], ['P1', 15], ['P2', 60]] as const) {
    const h = withCheryl({ severity });
    assert.is(h.armed.get('ack')?.dueAt, T0 + minutes * MIN, severity);
    await h.clock.advanceToAsync(T0 + minutes * MIN - 1);
    assert.is(h.value(), 'triaged.queued', `${severity}: still Cheryl's just before the target`);
    await h.clock.advanceToAsync(T0 + minutes * MIN);
    assert.is(h.value(), 'coordinated.queued', `${severity}: Petra's at the target`);
  }
});

// ---------------------------------------------------------------------------
const Petra = suite('incident machine: Petra escalates to Atlas (spec, Step 4)');

const PETRA_CASES: Array<[string, Severity, Partial<ImpactAssessment>, string[] | null]> = [
  ['a P0', 'P0', {}, ['severity-p0']],
  ['a P1 costing more than the spend limit', 'P1', { financialUSD: 2_500 }, ['financial-over-limit']],
  ['a P1 where customer data may be compromised', 'P1', { dataCompromised: true }, ['data-compromised']],
  ['a P1 needing a rollback decision', 'P1', { decision: 'rollback' }, ['executive-decision']],
  ['a plain P1', 'P1', {}, null],
];
for (const [label, severity, impact, criteria] of PETRA_CASES) {
  Petra(`${criteria ? 'escalates' : 'keeps'} ${label}`, async () => {
    const h = withCheryl({ severity }, impact);
    await at(h, T0 + MIN, { type: 'responder.ack', at: T0 + MIN, responder: 'cheryl' });
    h.send(triage(T0 + MIN, severity));
    await at(h, T0 + 3 * MIN, { type: 'responder.ack', at: T0 + 3 * MIN, responder: 'petra' });
    h.send({ type: 'coordination.done', at: T0 + 3 * MIN, coordination });
    if (criteria) {
      assert.is(h.value(), 'executive.queued');
      assert.equal(escalations(h).at(-1), { from: 'petra', to: 'atlas', criteria });
      const entry = h.audits.filter((a) => a.action === 'incident.escalated').at(-1)!;
      assert.is(entry.meta.escalationTarget, 'atlas');
    } else {
      assert.is(h.value(), 'coordinated.fixing');
      assert.is(escalations(h).length, 1);
    }
  });
}

Petra('a stalled acknowledgement goes up to Atlas, and from Atlas to the chairman', async () => {
  const h = withCheryl({ severity: 'P1' });
  await h.clock.advanceToAsync(T0 + 30 * MIN);
  assert.is(h.value(), 'executive.queued');
  assert.equal(escalations(h).map((e) => e.criteria), [['ack-timeout'], ['ack-timeout']]);
  await h.clock.advanceToAsync(T0 + 45 * MIN);
  assert.ok(h.actions().includes('incident.ack_timeout'));
  assert.ok(h.effects.some((e) => e.type === 'notify' && (e.params as { to: string }).to === 'chairman'));
  assert.is(h.value(), 'executive.queued');
});

Petra('sends status updates on the severity cadence while open (P1: every 30 min)', async () => {
  const h = withCheryl({ severity: 'P1' });
  await at(h, T0 + MIN, { type: 'responder.ack', at: T0 + MIN, responder: 'cheryl' });
  h.send(triage(T0 + MIN, 'P1'));
  await at(h, T0 + 2 * MIN, { type: 'responder.ack', at: T0 + 2 * MIN, responder: 'petra' });
  h.send({ type: 'coordination.done', at: T0 + 2 * MIN, coordination });
  await h.clock.advanceToAsync(T0 + 95 * MIN);
  const updates = h.audits.filter((a) => a.action === 'incident.status_update').map((a) => (a.at - T0) / MIN);
  assert.equal(updates, [31, 61, 91]);
  h.send({ type: 'incident.resolve', at: h.clock.now(), by: 'petra' });
  await h.clock.advanceToAsync(T0 + 5 * HOUR);
  assert.is(h.audits.filter((a) => a.action === 'incident.status_update').length, 3);
});

// ---------------------------------------------------------------------------
const Join = suite('incident machine: a failure joining an open incident brings its impact (spec, Steps 3–4)');

const joined = (t: number, impact: Partial<ImpactAssessment>): IncidentEvent => ({ type: 'failure.attached', at: t, jobId: 'job_2', impact: impactOf(impact) });

Join('a worse failure joining before triage raises the severity and its targets, counted from detection', async () => {
  const h = withCheryl({ severity: 'P2' }, { kind: 'feature-broken' });
  assert.is(h.armed.get('sla.response')?.dueAt, T0 + HOUR);
  await at(h, T0 + MIN, joined(T0 + MIN, { kind: 'platform-down', customerFacing: true }));
  const ctx = h.actor.getSnapshot().context;
  assert.equal([ctx.severity, ctx.impact?.kind, ctx.impact?.customerFacing, ctx.attached], ['P0', 'platform-down', true, 1]);
  const entry = h.audits.find((a) => a.action === 'incident.attached')!;
  assert.equal([entry.meta.severity, entry.meta.raisedFrom], ['P0', 'P2']);
  assert.is(h.armed.get('sla.response')?.dueAt, T0 + 5 * MIN);
  assert.is(h.armed.get('sla.resolution')?.dueAt, T0 + HOUR);
});

Join('a milder failure, or one with no impact, changes neither impact nor severity', async () => {
  const h = withCheryl({ severity: 'P1' }, { kind: 'data-integrity', financialUSD: 300 });
  await at(h, T0 + MIN, joined(T0 + MIN, { kind: 'cosmetic', financialUSD: 100 }));
  h.send({ type: 'failure.attached', at: T0 + MIN, jobId: 'job_3' });
  const ctx = h.actor.getSnapshot().context;
  assert.equal([ctx.severity, ctx.impact?.kind, ctx.impact?.financialUSD, ctx.attached], ['P1', 'data-integrity', 300, 2]);
  assert.ok(h.audits.filter((a) => a.action === 'incident.attached').every((a) => a.meta.raisedFrom === undefined));
});

Join('a P1 failure joining a P2 Cheryl kept and is fixing: she escalates it to Petra', async () => {
  const h = withCheryl({ severity: 'P2' }, { kind: 'feature-broken' });
  await at(h, T0 + MIN, { type: 'responder.ack', at: T0 + MIN, responder: 'cheryl' });
  h.send(triage(T0 + MIN, 'P2'));
  assert.is(h.value(), 'triaged.fixing');
  await at(h, T0 + 20 * MIN, joined(T0 + 20 * MIN, { kind: 'data-integrity' }));
  assert.is(h.value(), 'coordinated.queued');
  assert.equal(escalations(h), [{ from: 'cheryl', to: 'petra', criteria: ['severity-p0-p1'] }]);
  assert.is(h.actor.getSnapshot().context.severity, 'P1');
});

Join('a failure over the spend limit joining a P1 Petra kept: she escalates it to Atlas', async () => {
  const h = withCheryl({ severity: 'P1' }, { kind: 'data-integrity', financialUSD: 200 });
  await at(h, T0 + MIN, { type: 'responder.ack', at: T0 + MIN, responder: 'cheryl' });
  h.send(triage(T0 + MIN, 'P1'));
  await at(h, T0 + 3 * MIN, { type: 'responder.ack', at: T0 + 3 * MIN, responder: 'petra' });
  h.send({ type: 'coordination.done', at: T0 + 3 * MIN, coordination });
  assert.is(h.value(), 'coordinated.fixing');
  await at(h, T0 + 30 * MIN, joined(T0 + 30 * MIN, { kind: 'data-integrity', financialUSD: 5_000 }));
  assert.is(h.value(), 'executive.queued');
  assert.equal(escalations(h).at(-1), { from: 'petra', to: 'atlas', criteria: ['financial-over-limit'] });
});

Join('a P3 waiting for Cheryl, made a P0 by a join: her acknowledgement is due by the P0\'s 15 minutes from her stage\'s start, not the P3\'s 24 hours', async () => {
  const h = withCheryl({ severity: 'P3' }, { kind: 'cosmetic' });
  assert.is(h.armed.get('ack')?.dueAt, T0 + 24 * HOUR);
  await at(h, T0 + MIN, joined(T0 + MIN, { kind: 'platform-down' }));
  assert.is(h.armed.get('ack')?.dueAt, T0 + 15 * MIN);
  await h.clock.advanceToAsync(T0 + 15 * MIN);
  assert.is(h.value(), 'coordinated.queued');
  assert.equal(escalations(h), [{ from: 'cheryl', to: 'petra', criteria: ['ack-timeout'] }]);
});

Join('a P2 waiting for Petra, made a P0 by a join: her acknowledgement timeout and status cadence become the P0\'s', async () => {
  const h = withCheryl({ severity: 'P2' }, { kind: 'feature-broken', needsChange: true });
  await at(h, T0 + MIN, { type: 'responder.ack', at: T0 + MIN, responder: 'cheryl' });
  h.send(triage(T0 + MIN, 'P2'));
  assert.is(h.value(), 'coordinated.queued');
  assert.equal([h.armed.get('ack')?.dueAt, h.armed.get('status')?.dueAt], [T0 + MIN + HOUR, T0 + MIN + 4 * HOUR]);
  await at(h, T0 + 2 * MIN, joined(T0 + 2 * MIN, { kind: 'platform-down' }));
  assert.equal([h.armed.get('ack')?.dueAt, h.armed.get('status')?.dueAt], [T0 + MIN + 15 * MIN, T0 + 2 * MIN + 15 * MIN]);
});

Join('a P2 Petra keeps, made a P1 by a join: her status updates come every 30 minutes from the raise, not every 4 hours', async () => {
  const h = withCheryl({ severity: 'P2' }, { kind: 'feature-broken', needsChange: true });
  await at(h, T0 + MIN, { type: 'responder.ack', at: T0 + MIN, responder: 'cheryl' });
  h.send(triage(T0 + MIN, 'P2'));
  await at(h, T0 + 3 * MIN, { type: 'responder.ack', at: T0 + 3 * MIN, responder: 'petra' });
  h.send({ type: 'coordination.done', at: T0 + 3 * MIN, coordination });
  assert.is(h.value(), 'coordinated.fixing');
  await at(h, T0 + 10 * MIN, joined(T0 + 10 * MIN, { kind: 'data-integrity' }));
  assert.equal([h.value(), h.actor.getSnapshot().context.severity], ['coordinated.fixing', 'P1']);
  await h.clock.advanceToAsync(T0 + 10 * MIN + HOUR);
  assert.equal(h.audits.filter((a) => a.action === 'incident.status_update').map((a) => a.at), [T0 + 40 * MIN, T0 + 70 * MIN]);
});

Join('a P2 acknowledged after 8 minutes, made a P0 by a join: the P0\'s 5-minute response target was missed, recorded at the raise', async () => {
  const h = withCheryl({ severity: 'P2' }, { kind: 'feature-broken' });
  await at(h, T0 + 8 * MIN, { type: 'responder.ack', at: T0 + 8 * MIN, responder: 'cheryl' });
  h.send(triage(T0 + 8 * MIN, 'P2'));
  await at(h, T0 + 10 * MIN, joined(T0 + 10 * MIN, { kind: 'platform-down' }));
  assert.equal(h.actor.getSnapshot().context.slaBreaches, [{ at: new Date(T0 + 10 * MIN).toISOString(), kind: 'response' }]);
  const breached = h.audits.filter((a) => a.action === 'incident.sla_breached');
  assert.equal(breached.map((a) => [a.at, a.meta.kind, a.meta.severity]), [[T0 + 10 * MIN, 'response', 'P0']]);
});

Join('a P2 acknowledged within the P0\'s 5 minutes, made a P0 by a join: no response breach', async () => {
  const h = withCheryl({ severity: 'P2' }, { kind: 'feature-broken' });
  await at(h, T0 + 2 * MIN, { type: 'responder.ack', at: T0 + 2 * MIN, responder: 'cheryl' });
  h.send(triage(T0 + 2 * MIN, 'P2'));
  await at(h, T0 + 10 * MIN, joined(T0 + 10 * MIN, { kind: 'platform-down' }));
  assert.equal(h.actor.getSnapshot().context.slaBreaches, []);
});

Join('a failure joining a resolved P1 awaiting its review changes neither its severity nor its impact, and arms nothing', async () => {
  const h = withCheryl({ severity: 'P1' }, { kind: 'data-integrity' });
  await at(h, T0 + MIN, { type: 'responder.ack', at: T0 + MIN, responder: 'cheryl' });
  h.send(triage(T0 + MIN, 'P1'));
  h.send({ type: 'incident.resolve', at: T0 + 2 * MIN, by: 'petra' });
  assert.is(h.value(), 'reviewing');
  assert.equal([...h.armed.keys()], []);
  await at(h, T0 + 3 * MIN, joined(T0 + 3 * MIN, { kind: 'platform-down' }));
  const ctx = h.actor.getSnapshot().context;
  assert.equal([ctx.severity, ctx.impact?.kind, ctx.attached], ['P1', 'data-integrity', 1]);
  assert.equal([...h.armed.keys()], []);
  assert.is(h.audits.find((a) => a.action === 'incident.attached')!.meta.raisedFrom, undefined);
});

Join('a join that brings nothing new leaves the incident with whoever keeps it', async () => {
  const h = withCheryl({ severity: 'P2' }, { kind: 'feature-broken' });
  await at(h, T0 + MIN, { type: 'responder.ack', at: T0 + MIN, responder: 'cheryl' });
  h.send(triage(T0 + MIN, 'P2'));
  await at(h, T0 + 20 * MIN, joined(T0 + 20 * MIN, { kind: 'feature-broken' }));
  assert.is(h.value(), 'triaged.fixing');
  assert.equal(escalations(h), []);
});

// ---------------------------------------------------------------------------
const Atlas = suite('incident machine: Atlas decides (spec, Step 5)');

/** A P0 waiting on Atlas's go/no-go decision since T0 + 5 min. */
async function awaitingDecision(policy: 'approve' | 'deny' | 'escalate'): Promise<MachineHarness> {
  const h = withCheryl({ severity: 'P0', policy: resolvePolicy({ DECISION_TIMEOUT_POLICY: policy }) }, { kind: 'platform-down', decision: 'rollback' });
  await at(h, T0 + MIN, { type: 'responder.ack', at: T0 + MIN, responder: 'cheryl' });
  h.send(triage(T0 + MIN, 'P0'));
  h.send({ type: 'responder.ack', at: T0 + MIN, responder: 'petra' });
  h.send({ type: 'coordination.done', at: T0 + MIN, coordination });
  await at(h, T0 + 5 * MIN, { type: 'responder.ack', at: T0 + 5 * MIN, responder: 'atlas' });
  h.send({ type: 'executive.assessed', at: T0 + 5 * MIN, communication: true, boardMemo: true, decisionId: 'dec_1' });
  assert.is(h.value(), 'executive.awaitingDecision');
  return h;
}
const settled = (h: MachineHarness) => h.effects.filter((e) => e.type === 'settleDecision').map((e) => (e.params as { status: string }).status);

for (const answer of ['approve', 'deny'] as const) {
  Atlas(`a person's "${answer}" settles the decision and Atlas proceeds to the fix`, async () => {
    const h = await awaitingDecision('escalate');
    await at(h, T0 + 10 * MIN, { type: 'decision.answered', at: T0 + 10 * MIN, answer, by: 'ops' });
    assert.is(h.value(), 'executive.fixing');
    assert.equal(settled(h), [answer === 'approve' ? 'approved' : 'denied']);
    const entry = h.audits.find((a) => a.action === 'incident.decision')!;
    assert.equal([entry.actor, entry.meta.answer, entry.meta.by, entry.meta.decisionId], ['human', answer, 'ops', 'dec_1']);
    assert.not.ok(h.armed.has('decision'));
  });
}

for (const policy of ['approve', 'deny'] as const) {
  Atlas(`with no answer in 30 min the "${policy}" policy ${policy}s it, audited`, async () => {
    const h = await awaitingDecision(policy);
    await h.clock.advanceToAsync(T0 + 35 * MIN);
    assert.is(h.value(), 'executive.fixing');
    assert.equal(settled(h), ['timed_out']);
    const entry = h.audits.find((a) => a.action === 'incident.decision_timeout')!;
    assert.equal([entry.at, entry.meta.policy, entry.meta.outcome], [T0 + 35 * MIN, policy, policy]);
  });
}

Atlas('with no answer the "escalate" policy asks the chairman and waits once more, then denies', async () => {
  const h = await awaitingDecision('escalate');
  await h.clock.advanceToAsync(T0 + 35 * MIN);
  assert.is(h.value(), 'executive.awaitingDecision');
  assert.ok(h.effects.some((e) => e.type === 'notify' && (e.params as { to: string }).to === 'chairman'));
  assert.is(h.armed.get('decision')?.dueAt, T0 + 65 * MIN);
  assert.equal(h.effects.filter((e) => e.type === 'extendDecision').map((e) => e.params), [{ timeoutAt: T0 + 65 * MIN }], 'the decision record is told its new timeout');
  // The moved deadline is audited: decision_requested keeps the first one.
  const escalated = h.audits.find((a) => a.action === 'incident.decision_timeout')!;
  const movedTo = new Date(T0 + 65 * MIN).toISOString();
  assert.is(escalated.meta.timeoutAt, movedTo);
  assert.ok(escalated.message.endsWith(`until ${movedTo}`), escalated.message);
  await h.clock.advanceToAsync(T0 + 65 * MIN);
  assert.is(h.value(), 'executive.fixing');
  const timeouts = h.audits.filter((a) => a.action === 'incident.decision_timeout').map((a) => [a.at - T0, a.meta.outcome]);
  assert.equal(timeouts, [[35 * MIN, 'escalate'], [65 * MIN, 'deny']]);
  assert.equal(settled(h), ['timed_out']);
});

Atlas('an answer after an escalated timeout still counts', async () => {
  const h = await awaitingDecision('escalate');
  await h.clock.advanceToAsync(T0 + 40 * MIN);
  h.send({ type: 'decision.answered', at: T0 + 40 * MIN, answer: 'approve', by: 'cto' });
  assert.is(h.value(), 'executive.fixing');
  assert.equal(settled(h), ['approved']);
});

Atlas('the review is commissioned when a P0 resolves, and the incident closes once it is published', async () => {
  const h = await awaitingDecision('escalate');
  h.send({ type: 'decision.answered', at: T0 + 6 * MIN, answer: 'approve', by: 'ops' });
  await at(h, T0 + 50 * MIN, { type: 'incident.resolve', at: T0 + 50 * MIN, by: 'atlas' });
  assert.is(h.value(), 'reviewing');
  assert.ok(h.effects.some((e) => e.type === 'commissionReview'));
  assert.ok(h.effects.some((e) => e.type === 'liftMitigation'));
  h.send({ type: 'review.published', at: T0 + 51 * MIN, documentId: 'doc_9' });
  assert.is(h.value(), 'closed');
  const published = h.audits.find((a) => a.action === 'incident.review_published')!;
  assert.equal([published.meta.documentId, published.meta.tag], ['doc_9', 'post-incident-review']);
  assert.is(h.actor.getSnapshot().context.reviewId, 'doc_9');
});

Atlas('a P2 closes without a review unless the policy asks for P2 reviews', async () => {
  for (const [severities, expected] of [[['P0', 'P1'], 'closed'], [['P0', 'P1', 'P2'], 'reviewing']] as const) {
    const h = withCheryl({ severity: 'P2', policy: resolvePolicy({ REVIEW_SEVERITIES: [...severities] }) });
    h.send({ type: 'incident.resolve', at: T0 + MIN, by: 'cheryl' });
    assert.is(h.value(), expected);
  }
});

Cheryl.run();
Petra.run();
Join.run();
Atlas.run();
