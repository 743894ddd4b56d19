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

const LEVELS: Array<[Severity, 'error' | 'warn']> = [
  ['P0', 'error'],
  ['P1', 'error'],
  ['P2', 'warn'],
  ['P3', 'warn'],
];
for (const [severity, level] of LEVELS) {
  Levels(`a ${severity} incident logs detection as error and every other step as ${level}`, async () => {
    const h = await fullRun(severity);
    assert.is(h.audits[0].action, 'incident.detected');
    assert.is(h.audits[0].level, 'error');
    const others = h.audits.slice(1);
    assert.ok(others.length > 15, `${others.length} entries`);
    const wrong = others.filter((a) => a.level !== level).map((a) => `${a.action}:${a.level}`);
    assert.equal(wrong, []);
  });
}

Levels('a P2 reclassified P1 at triage logs error from the triage on', async () => {
  const h = startIncident(inputOf({ severity: 'P2', error: { message: 'x', retryable: false } }));
  h.send({ type: 'responder.ack', at: T0 + MIN, responder: 'cheryl' });
  h.send({ type: 'triage.done', at: T0 + MIN, severity: 'P1', findings: [], mitigation: null, notified: [], rootCause: null });
  const levels = h.audits.map((a) => `${a.action}:${a.level}`);
  assert.equal(levels, [
    'incident.detected:error',
    'incident.retry_skipped:warn',
    'incident.assigned:warn',
    'incident.acknowledged:warn',
    'incident.triage:error',
    'incident.escalated:error',
  ]);
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
