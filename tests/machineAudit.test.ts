import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { IncidentEvent } from '../machines/incidentEvents.js';
import { impactOf } from '../machines/policies/index.js';
import type { Severity } from '../machines/types.js';
import { MIN, T0, inputOf, startIncident, type MachineHarness } from './helpers/machineHarness.js';

const coordination = { assigned: ['billing'], humanDeveloper: true, workaround: 'fail over', eta: null, affected: { workflows: [], tenants: [], agents: [], failedJobs: 1 } };

/**
 * A retryable failure walked through the whole chain: three failed retries, Cheryl,
 * Petra, Atlas (with a decision), the fix, and, when reviewed, the published review.
 */
async function fullRun(severity: Severity): Promise<MachineHarness> {
  const h = startIncident(inputOf({ severity, impact: impactOf({ crossAgent: true, decision: 'rollback' }) }));
  const send = async (t: number, event: IncidentEvent) => {
    await h.clock.advanceToAsync(T0 + t * MIN);
    h.send(event);
  };
  await h.clock.advanceToAsync(T0 + MIN);
  await send(2, { type: 'responder.ack', at: T0 + 2 * MIN, responder: 'cheryl' });
  await send(2, { type: 'triage.done', at: T0 + 2 * MIN, severity, findings: ['f'], mitigation: { kind: 'workflow', id: 'invoice-run' }, notified: ['ops@acme.test'], rootCause: null });
  await send(3, { type: 'responder.ack', at: T0 + 3 * MIN, responder: 'petra' });
  await send(3, { type: 'coordination.done', at: T0 + 3 * MIN, coordination });
  await send(4, { type: 'responder.ack', at: T0 + 4 * MIN, responder: 'atlas' });
  await send(4, { type: 'executive.assessed', at: T0 + 4 * MIN, communication: true, boardMemo: severity === 'P0', decisionId: 'dec_1' });
  await send(5, { type: 'decision.answered', at: T0 + 5 * MIN, answer: 'approve', by: 'ops' });
  await send(20, { type: 'incident.resolve', at: T0 + 20 * MIN, by: 'atlas' });
  if (h.value() === 'reviewing') h.send({ type: 'review.published', at: T0 + 21 * MIN, documentId: 'doc_1' });
  assert.is(h.value(), 'closed');
  return h;
}

const META_KEYS = ['severity', 'agent', 'workflow', 'retryAttempts', 'autoResolved', 'escalationTarget'];

// ---------------------------------------------------------------------------
const Levels = suite('incident machine: audit levels (spec, "Audit Trail Logging")');

for (const severity of ['P0', 'P1', 'P2', 'P3'] as const) {
  const serious = severity === 'P0' || severity === 'P1';
  Levels(`a ${severity} incident: error for ${serious ? 'its detection and ' : ''}each failed retry, warn for every response step`, async () => {
    const h = await fullRun(severity);
    assert.ok(h.audits.length > 15, `${h.audits.length} entries`);
    const errors = h.audits.filter((a) => a.level === 'error').map((a) => a.action);
    assert.equal(errors, [...(serious ? ['incident.detected'] : []), 'incident.retry', 'incident.retry', 'incident.retry']);
    const warned = new Set<string>(h.audits.filter((a) => a.level === 'warn').map((a) => a.action));
    for (const step of ['incident.triage', 'incident.escalated', 'incident.decision', 'incident.resolved', 'incident.closed']) assert.ok(warned.has(step), step);
    if (serious) assert.ok(warned.has('incident.review_published'));
  });
}

Levels('a missed SLA target, an unanswered decision and an unacknowledged escalation are error; a retry that succeeds is warn', async () => {
  const h = startIncident(inputOf({ severity: 'P0', impact: impactOf({ kind: 'platform-down', decision: 'rollback' }) }));
  await h.clock.advanceToAsync(T0 + MIN);
  h.send({ type: 'responder.ack', at: T0 + MIN, responder: 'cheryl' });
  h.send({ type: 'triage.done', at: T0 + MIN, severity: 'P0', findings: [], mitigation: null, notified: [], rootCause: null });
  h.send({ type: 'ack.timeout', at: T0 + 2 * MIN, responder: 'petra' });
  h.send({ type: 'responder.ack', at: T0 + 3 * MIN, responder: 'atlas' });
  h.send({ type: 'executive.assessed', at: T0 + 3 * MIN, communication: false, boardMemo: false, decisionId: 'dec_1' });
  await h.clock.advanceToAsync(T0 + 24 * 60 * MIN);
  const level = (action: string) => [...new Set(h.audits.filter((a) => a.action === action).map((a) => a.level))];
  assert.equal(level('incident.sla_breached'), ['error']);
  assert.equal(level('incident.decision_timeout'), ['error']);
  assert.ok(h.audits.some((a) => a.action === 'incident.escalated' && a.level === 'error' && (a.meta.criteria as string[]).includes('ack-timeout')));
  assert.equal(level('incident.assigned'), ['warn']);

  const auto = startIncident(inputOf({ severity: 'P2' }), { attempt: (n, at) => ({ ok: n >= 2, at }) });
  await auto.clock.advanceToAsync(T0 + MIN);
  assert.equal(auto.audits.map((a) => `${a.action}:${a.level}`).filter((x) => x.startsWith('incident.retry') || x.startsWith('incident.detected')),
    ['incident.detected:warn', 'incident.retry:error', 'incident.retry:warn']);
});

// ---------------------------------------------------------------------------
const Meta = suite('incident machine: audit meta of every step');

Meta('every entry carries severity, workflow, agent, retry attempts, auto-resolve status and escalation target', async () => {
  const h = await fullRun('P1');
  for (const entry of h.audits) {
    for (const key of META_KEYS) assert.ok(key in entry.meta, `${entry.action} lacks meta.${key}`);
    assert.is(entry.meta.severity, 'P1');
    assert.is(entry.meta.agent, 'billing');
    assert.is(entry.meta.workflow, 'invoice-run');
    assert.is(entry.meta.autoResolved, false);
  }
});

Meta('entries off the main path carry the same meta: a joined failure, a skipped ladder, missed targets, timeouts, status updates', async () => {
  // A P0 nobody acknowledges in time, up to Atlas, whose decision nobody answers.
  const h = startIncident(inputOf({ severity: 'P0', error: { message: 'invalid schema', retryable: false }, impact: impactOf({ kind: 'platform-down', decision: 'rollback' }) }));
  h.send({ type: 'failure.attached', at: T0 + MIN, jobId: 'job_2' });
  await h.clock.advanceToAsync(T0 + 50 * MIN);
  h.send({ type: 'responder.ack', at: T0 + 50 * MIN, responder: 'atlas' });
  h.send({ type: 'executive.assessed', at: T0 + 50 * MIN, communication: false, boardMemo: true, decisionId: 'dec_1' });
  await h.clock.advanceToAsync(T0 + 3 * 60 * MIN);
  h.send({ type: 'incident.resolve', at: T0 + 3 * 60 * MIN, by: 'atlas' });
  h.send({ type: 'review.published', at: T0 + 3 * 60 * MIN, documentId: 'doc_1' });
  assert.is(h.value(), 'closed');
  const actions = new Set(h.actions());
  for (const action of ['incident.attached', 'incident.retry_skipped', 'incident.sla_breached', 'incident.ack_timeout', 'incident.decision_timeout', 'incident.status_update', 'incident.escalated']) {
    assert.ok(actions.has(action), `${action} in ${[...actions].join(', ')}`);
  }
  for (const entry of h.audits) {
    for (const key of META_KEYS) assert.ok(key in entry.meta, `${entry.action} lacks meta.${key}`);
    assert.equal([entry.meta.severity, entry.meta.agent, entry.meta.workflow, entry.meta.retryAttempts, entry.meta.autoResolved], ['P0', 'billing', 'invoice-run', 0, false], entry.action);
  }
  // The target follows the incident up the chain as the acknowledgements stall.
  assert.equal(h.audits.filter((a) => a.action === 'incident.escalated').map((a) => [a.meta.criteria, a.meta.escalationTarget]), [[['ack-timeout'], 'petra'], [['ack-timeout'], 'atlas']]);
});

Meta('the actions of a full run follow the pattern incident.detected … incident.escalated … incident.resolved', async () => {
  const h = await fullRun('P0');
  assert.equal(h.actions(), [
    'incident.detected',
    'incident.retry', 'incident.retry', 'incident.retry',
    'incident.assigned',
    'incident.acknowledged', 'incident.triage', 'incident.mitigated', 'incident.notified', 'incident.escalated',
    'incident.acknowledged', 'incident.coordinated', 'incident.escalated',
    'incident.acknowledged', 'incident.communication_drafted', 'incident.board_memo', 'incident.decision_requested',
    'incident.decision',
    'incident.status_update',
    'incident.resolved', 'incident.review_commissioned', 'incident.review_published', 'incident.closed',
  ]);
});

Meta('retry attempts and the escalation target follow the incident as it moves', async () => {
  const h = await fullRun('P1');
  const track = h.audits.map((a) => [a.action, a.meta.retryAttempts, a.meta.escalationTarget]);
  assert.equal(track.slice(0, 6), [
    ['incident.detected', 0, null],
    ['incident.retry', 1, null],
    ['incident.retry', 2, null],
    ['incident.retry', 3, null],
    ['incident.assigned', 3, 'cheryl'],
    ['incident.acknowledged', 3, 'cheryl'],
  ]);
  const escalated = h.audits.filter((a) => a.action === 'incident.escalated');
  assert.equal(escalated.map((a) => a.meta.escalationTarget), ['petra', 'atlas']);
  assert.is(h.audits.find((a) => a.action === 'incident.resolved')!.meta.escalationTarget, 'atlas');
});

Meta('incident.escalated names who escalated to whom and why', async () => {
  const h = await fullRun('P0');
  const escalated = h.audits.filter((a) => a.action === 'incident.escalated');
  assert.equal(escalated.map((a) => [a.actor, a.meta.from, a.meta.to, a.meta.criteria]), [
    ['cheryl', 'cheryl', 'petra', ['severity-p0-p1', 'cross-agent']],
    ['petra', 'petra', 'atlas', ['severity-p0', 'executive-decision']],
  ]);
  assert.equal(escalated.map((a) => a.at - T0), [2 * MIN, 3 * MIN]);
  assert.match(escalated[0].message, /Cheryl escalated inc_test to Petra: severity-p0-p1, cross-agent/);
});

Meta('the triage entry holds the findings and impact; mitigation and notice have their own entries', async () => {
  const h = await fullRun('P1');
  const triage = h.audits.find((a) => a.action === 'incident.triage')!;
  assert.equal(triage.meta.findings, ['f']);
  assert.equal((triage.meta.impact as { crossAgent: boolean }).crossAgent, true);
  assert.equal(h.audits.find((a) => a.action === 'incident.mitigated')!.meta.paused, { kind: 'workflow', id: 'invoice-run' });
  assert.equal(h.audits.find((a) => a.action === 'incident.notified')!.meta.to, ['ops@acme.test']);
});

Meta('each entry is stamped with the time of its step, not of the clock', async () => {
  const h = await fullRun('P2');
  const times = h.audits.map((a) => a.at);
  assert.equal(times, [...times].sort((a, b) => a - b), 'entries in time order');
  assert.is(h.audits.find((a) => a.action === 'incident.resolved')!.at, T0 + 20 * MIN);
  assert.is(h.audits.find((a) => a.action === 'incident.closed')!.at, T0 + 20 * MIN);
});

Levels.run();
Meta.run();
