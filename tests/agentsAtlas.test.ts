import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { IncidentEffects } from '../agents/incidents.js';
import { EngineError } from '../agents/types.js';
import type { ImpactKind } from '../machines/types.js';
import { HOUR, MIN, createHarness, failing, flaky, type HarnessOptions } from './helpers/engineHarness.js';

/** A P0 needing a rollback decision, customer-facing, on billing/invoice-run. */
function p0(options: HarnessOptions = {}) {
  const h = createHarness(options);
  h.engine.submit({ agent: 'billing', workflow: 'invoice-run', run: failing('database down'), impact: { kind: 'platform-down', customerFacing: true, decision: 'rollback' } });
  return h;
}

// ---------------------------------------------------------------------------
const Decide = suite('Atlas: go/no-go decisions (spec, Step 5.1)');

for (const answer of ['approve', 'deny'] as const) {
  Decide(`a person who answers "${answer}" settles the decision; the incident goes on to the fix and closes`, async () => {
    const h = p0({ answer: { answer, by: 'cto@platform.test', afterMs: 5 * MIN } });
    await h.run(6 * HOUR);
    const [decision] = h.decisions();
    const incident = h.incident();
    assert.equal([decision.incidentId, decision.action, decision.status, decision.by], [incident.id, 'rollback', answer === 'approve' ? 'approved' : 'denied', 'cto@platform.test']);
    assert.is(Date.parse(decision.answeredAt!) - Date.parse(decision.requestedAt), 5 * MIN);
    assert.is(incident.decisionId, decision.id);
    assert.is(incident.status, 'closed');
    const [entry] = h.audit({ entityId: incident.id, action: 'incident.decision' });
    assert.equal([entry.meta.answer, entry.meta.by, entry.meta.decisionId], [answer, 'cto@platform.test', decision.id]);
    assert.equal(h.audit({ action: 'incident.decision_timeout' }), []);
    // Subscribers saw the request and the answer.
    const seen = h.events.filter((e) => e.type === 'decision').map((e) => (e.type === 'decision' ? e.decision.status : ''));
    assert.equal(seen, ['pending', decision.status]);
  });
}

Decide('a listener may answer as soon as the decision is announced', async () => {
  const h = p0({ answer: { answer: 'approve' } });
  await h.run(6 * HOUR);
  assert.is(h.decisions()[0].status, 'approved');
  assert.equal(h.audit({ action: 'incident.decision_timeout' }), []);
  assert.is(h.incident().status, 'closed');
});

const TIMEOUTS: Array<['approve' | 'deny' | 'escalate', string[]]> = [
  ['approve', ['approve']],
  ['deny', ['deny']],
  ['escalate', ['escalate', 'deny']],
];
for (const [policy, outcomes] of TIMEOUTS) {
  Decide(`when nobody answers, the "${policy}" timeout policy applies and is audited`, async () => {
    const h = p0({ answer: null, config: { DECISION_TIMEOUT_POLICY: policy, DECISION_TIMEOUT_MS: 20 * MIN } });
    await h.run(8 * HOUR);
    const [decision] = h.decisions();
    assert.is(decision.status, 'timed_out');
    assert.is(decision.by, null);
    const timeouts = h.audit({ action: 'incident.decision_timeout' });
    assert.equal(timeouts.map((t) => [t.meta.policy, t.meta.outcome]), outcomes.map((o) => [policy, o]));
    assert.equal(timeouts.map((t) => Date.parse(t.ts) - Date.parse(decision.requestedAt)), outcomes.map((_, i) => (i + 1) * 20 * MIN));
    if (policy === 'escalate') assert.ok(h.store.list('notifications', { to: 'chairman' }).some((n) => n.subject.startsWith('Decision waiting')));
    assert.is(h.incident().status, 'closed');
  });
}

Decide('the "escalate" policy\'s second wait is the decision\'s timeout: pendingDecisions() and subscribers see the new time, not the one gone by', async () => {
  const h = p0({ answer: null, config: { DECISION_TIMEOUT_POLICY: 'escalate', DECISION_TIMEOUT_MS: 20 * MIN } });
  await h.run(30 * MIN);
  const [decision] = h.engine.pendingDecisions();
  assert.is(decision.status, 'pending');
  assert.is(h.audit({ action: 'incident.decision_timeout' }).length, 1, 'the chairman was asked');
  assert.is(Date.parse(decision.timeoutAt) - Date.parse(decision.requestedAt), 40 * MIN);
  const told = h.events.flatMap((e) => (e.type === 'decision' ? [[e.decision.status, Date.parse(e.decision.timeoutAt) - Date.parse(decision.requestedAt)]] : []));
  assert.equal(told, [['pending', 20 * MIN], ['pending', 40 * MIN]]);
  await h.run(8 * HOUR);
  assert.equal(h.decisions().map((d) => [d.status, Date.parse(d.timeoutAt) - Date.parse(d.requestedAt)]), [['timed_out', 40 * MIN]]);
});

Decide('an answer to a decision that timed out is refused in words ("already timed out"), as the watcher over a database passes it on', async () => {
  const h = p0({ answer: null, config: { DECISION_TIMEOUT_POLICY: 'deny', DECISION_TIMEOUT_MS: 20 * MIN } });
  await h.run(30 * MIN);
  const [decision] = h.decisions();
  assert.is(decision.status, 'timed_out');
  assert.throws(() => h.engine.decide(decision.id, 'approve', 'ops'), (e: unknown) => e instanceof EngineError && (e as Error).message === `incident-flow: decision "${decision.id}" is already timed out`);
});

// Checked by the type-checker (`npm run typecheck` takes tests/): true only when a host of the
// incident actors must say what becomes of the moved deadline, not leave it out and keep the old time.
type IsRequired<T, K extends keyof T> = {} extends Pick<T, K> ? false : true;
const extendDecisionRequired: IsRequired<IncidentEffects, 'extendDecision'> = true;

Decide('a host of the incident actors cannot leave extendDecision out (a type error)', () => {
  assert.ok(extendDecisionRequired);
});

Decide('decide() refuses an unknown decision, one already answered, and a missing name', async () => {
  const h = p0({ answer: null });
  await h.run(10 * MIN);
  const [decision] = h.engine.pendingDecisions();
  assert.ok(decision);
  assert.throws(() => h.engine.decide('dec_nope', 'approve', 'ops'), (e: unknown) => e instanceof EngineError && /no decision "dec_nope"/.test((e as Error).message));
  assert.throws(() => h.engine.decide(decision.id, 'approve', ''), /needs the name/);
  // A name the decision's row cannot hold (the store file then refused to open as corrupt).
  assert.throws(() => h.engine.decide(decision.id, 'approve', 7 as never), (e: unknown) => e instanceof EngineError && (e as Error).message === 'incident-flow: a decision needs the name of the person answering (by, a string), got 7');
  h.engine.decide(decision.id, 'deny', 'ops');
  assert.throws(() => h.engine.decide(decision.id, 'approve', 'ops'), /already denied/);
  assert.equal(h.engine.pendingDecisions(), []);
});

Decide('an incident resolved while its decision waits withdraws the decision: no longer pending, and an answer after is refused', async () => {
  const h = p0({ answer: null });
  await h.run(10 * MIN);
  const [decision] = h.engine.pendingDecisions();
  h.engine.resolve(decision.incidentId, { by: 'atlas', note: 'the primary came back by itself' });
  await h.run(HOUR);
  assert.is(h.incident().status, 'closed');
  const withdrawn = h.decisions()[0];
  assert.equal([withdrawn.status, withdrawn.by], ['withdrawn', 'atlas']);
  assert.is(withdrawn.answeredAt, h.incident().resolvedAt);
  assert.equal(h.engine.pendingDecisions(), []);
  const [resolved] = h.audit({ entityId: decision.incidentId, action: 'incident.resolved' });
  assert.is(resolved.meta.withdrawnDecision, decision.id);
  assert.match(resolved.message, /the go\/no-go on "rollback" is withdrawn unanswered/);
  assert.throws(() => h.engine.decide(decision.id, 'approve', 'ops'), /already withdrawn/);
  assert.equal(h.audit({ action: 'incident.decision' }), []);
  const seen = h.events.filter((e) => e.type === 'decision').map((e) => (e.type === 'decision' ? e.decision.status : ''));
  assert.equal(seen, ['pending', 'withdrawn']);
});

Decide('decide() refuses a decision still pending in a store whose incident is no longer open (written before withdrawals): nothing is answered', async () => {
  const h = p0({ answer: null });
  await h.run(10 * MIN);
  const [decision] = h.engine.pendingDecisions();
  h.engine.resolve(decision.incidentId, { by: 'atlas' });
  await h.run(HOUR);
  // A store written before a resolve withdrew the decision keeps it pending.
  h.store.put('decisions', { ...h.decisions()[0], status: 'pending', by: null, answeredAt: null });
  assert.throws(() => h.engine.decide(decision.id, 'approve', 'ops'), (e: unknown) => e instanceof EngineError && /incident "inc_[^"]+" is no longer open/.test((e as Error).message));
  assert.equal(h.audit({ action: 'incident.decision' }), []);
});

// ---------------------------------------------------------------------------
const Communicate = suite('Atlas: external communication and the board (spec, Step 5.2 and 5.3)');

Communicate('drafts the customer communication for a customer-facing incident', async () => {
  const h = p0();
  await h.run(10 * MIN);
  const incident = h.incident();
  const drafts = h.store.list('kb_documents').filter((d) => d.tags.includes('customer-communication'));
  assert.is(drafts.length, 1);
  assert.equal([drafts[0].incidentId, drafts[0].tags], [incident.id, ['customer-communication', 'draft']]);
  assert.match(drafts[0].body, /invoice-run/);
  assert.match(drafts[0].body, /workaround is in place: fail over/);
  assert.is(h.audit({ entityId: incident.id, action: 'incident.communication_drafted' }).length, 1);
});

Communicate('sends the board an immediate memo for a P0', async () => {
  const h = p0();
  await h.run(10 * MIN);
  const incident = h.incident();
  const memos = h.store.list('notifications', { channel: 'memo' });
  assert.equal(memos.map((m) => [m.from, m.to, m.incidentId]), [['atlas', 'chairman', incident.id]]);
  assert.match(memos[0].subject, /^P0 incident/);
  assert.match(memos[0].body, /cheryl→petra, petra→atlas/);
  assert.is(h.audit({ entityId: incident.id, action: 'incident.board_memo' })[0].meta.to, 'chairman');
});

Communicate('a P1 that reaches Atlas gets no memo, and no customer draft when customers are not affected', async () => {
  const h = createHarness();
  h.engine.submit({ agent: 'billing', workflow: 'invoice-run', run: failing('wrong amount'), impact: { kind: 'data-integrity', financialUSD: 50_000 } });
  await h.run(10 * MIN);
  const incident = h.incident();
  assert.is(incident.assignee, 'atlas');
  assert.equal(incident.escalations.map((e) => e.criteria), [['severity-p0-p1'], ['financial-over-limit']]);
  assert.equal(h.store.list('notifications', { channel: 'memo' }), []);
  assert.equal(h.store.list('kb_documents'), []);
  assert.equal(h.decisions(), []);
  assert.match(incident.state, /^executive\.fixing$/);
});

// ---------------------------------------------------------------------------
const Review = suite('Atlas: the post-incident review (spec, "Post-Incident Review")');

for (const kind of ['platform-down', 'data-integrity'] as const) {
  Review(`commissions the review of a ${kind} incident, stored in kb_documents and linked in the audit log`, async () => {
    const h = createHarness({ fixAfterMs: 30 * MIN });
    h.engine.submit({ agent: 'billing', workflow: 'invoice-run', run: failing(), impact: { kind } });
    await h.run(6 * HOUR);
    const incident = h.incident();
    assert.is(incident.status, 'closed');
    const reviews = h.store.list('kb_documents').filter((d) => d.tags.includes('post-incident-review'));
    assert.is(reviews.length, 1);
    assert.is(reviews[0].incidentId, incident.id);
    assert.is(incident.reviewId, reviews[0].id);
    const [published] = h.audit({ entityId: incident.id, action: 'incident.review_published' });
    assert.is(published.meta.documentId, reviews[0].id);
    assert.is(published.actor, 'atlas');
    assert.equal(h.actions(incident.id).slice(-4), ['incident.resolved', 'incident.review_commissioned', 'incident.review_published', 'incident.closed']);
    assert.match(reviews[0].body, /Timeline/i);
  });
}

const AUTO: Array<[ImpactKind, number]> = [['platform-down', 1], ['data-integrity', 1], ['feature-broken', 0]];
for (const [kind, expected] of AUTO) {
  Review(`a ${kind} incident a retry resolved gets ${expected ? 'its review too: every P0 and P1 is reviewed' : 'no review, as any P2'}`, async () => {
    const h = createHarness();
    // Attempt 1 fails, attempt 2 (5 s later) succeeds: nobody is paged.
    h.engine.submit({ agent: 'billing', workflow: 'invoice-run', run: flaky(2, 'database down'), impact: { kind } });
    await h.run(HOUR);
    const incident = h.incident();
    assert.equal([incident.status, incident.autoResolved, incident.escalations, incident.respondedAt], ['closed', true, [], null]);
    const reviews = h.store.list('kb_documents').filter((d) => d.tags.includes('post-incident-review'));
    assert.is(reviews.length, expected);
    assert.is(incident.reviewId, reviews[0]?.id ?? null);
    // The review, written while the incident is under review, gives it as auto-resolved, not as resolved by someone.
    if (expected) assert.is((reviews[0].data as { status: string }).status, 'auto_resolved');
    const after = expected ? ['incident.review_commissioned', 'incident.review_published', 'incident.closed'] : ['incident.closed'];
    assert.equal(h.actions(incident.id).slice(-1 - after.length), ['incident.resolved', ...after]);
    assert.not.ok(h.actions(incident.id).includes('incident.assigned'));
  });
}

Review('a P2 closes without a review by default, with one when the policy includes P2', async () => {
  for (const [severities, expected] of [[['P0', 'P1'], 0], [['P0', 'P1', 'P2'], 1]] as const) {
    const h = createHarness({ fixAfterMs: 30 * MIN, config: { REVIEW_SEVERITIES: [...severities] } });
    h.engine.submit({ agent: 'billing', workflow: 'invoice-run', run: failing() });
    await h.run(3 * HOUR);
    assert.is(h.incident().status, 'closed');
    assert.is(h.store.list('kb_documents').filter((d) => d.tags.includes('post-incident-review')).length, expected);
  }
});

Decide.run();
Communicate.run();
Review.run();
