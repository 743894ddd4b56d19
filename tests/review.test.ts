import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { buildReview, reviewCommand } from '../reports/review.js';
import type { Review } from '../reports/reviewTypes.js';
import { ReportError } from '../reports/errors.js';
import { createMemoryStore } from '../store/memoryStore.js';
import type { Store } from '../store/types.js';
import { at, audit, makeIncident, seedP0Outage, sequentialIds } from './fixtures/incidents.js';

const NOW = at(24 * 60); // the day after
const reviewOf = (store: Store, id = 'inc_p0') => {
  const out = buildReview(store, id, { now: NOW, ids: sequentialIds() });
  return { ...out, review: out.document.data as Review };
};

const Timeline = suite('buildReview: 1. timeline');

Timeline('is rebuilt only from the incident\'s audit entries, oldest first, as T+mm:ss', () => {
  const store = createMemoryStore();
  seedP0Outage(store);
  const { review } = reviewOf(store);
  const logged = store.queryAudit({ entityId: 'inc_p0' }).rows;
  assert.is(review.timeline.length, logged.length);
  for (const row of review.timeline) {
    const source = logged.find((e) => e.id === row.auditId);
    assert.ok(source, `row ${row.action} comes from an audit entry`);
    assert.is(row.message, source!.message);
    assert.is(row.actor, source!.actor);
  }
  assert.equal(review.timeline.map((r) => r.offset).slice(0, 5), ['T+00:00', 'T+00:00', 'T+00:05', 'T+00:30', 'T+00:30']);
  assert.is(review.timeline[0].action, 'incident.detected');
  assert.is(review.timeline.at(-1)!.offset, 'T+75:00');
  assert.not.ok(review.timeline.some((r) => r.message === 'another incident'));
});

Timeline('says so when no audit entry exists instead of inventing rows', () => {
  const store = createMemoryStore();
  store.put('incidents', makeIncident({ id: 'inc_bare' }));
  const { review, document } = reviewOf(store, 'inc_bare');
  assert.equal(review.timeline, []);
  assert.match(document.body, 'No audit entries were recorded');
});

Timeline('keeps the log order for entries with the same timestamp', () => {
  const store = createMemoryStore();
  store.put('incidents', makeIncident({ id: 'inc_t' }));
  for (const action of ['incident.detected', 'incident.retry', 'incident.resolved']) store.appendAudit(audit('inc_t', 0, action));
  assert.equal(reviewOf(store, 'inc_t').review.timeline.map((r) => r.action), ['incident.detected', 'incident.retry', 'incident.resolved']);
});

Timeline.run();

const Whys = suite('buildReview: 2. root cause, 5 Whys');

Whys('uses the incident\'s scripted chain when it has one', () => {
  const store = createMemoryStore();
  const whys = [{ why: 'Why did invoices fail?', because: 'the DB refused connections' }, { why: 'Why?', because: 'the pool was exhausted' }];
  store.put('incidents', makeIncident({ id: 'inc_s', whys, rootCause: 'the pool was exhausted' }));
  const { review } = reviewOf(store, 'inc_s');
  assert.is(review.whysSource, 'scripted');
  assert.equal(review.whys, whys);
  assert.is(review.rootCause, 'the pool was exhausted');
});

Whys('derives the chain from error, retries and findings, ending at the root cause', () => {
  const store = createMemoryStore();
  seedP0Outage(store);
  const { review } = reviewOf(store);
  assert.is(review.whysSource, 'derived');
  assert.ok(review.whys.length <= 5);
  assert.match(review.whys[0].because, 'ECONNREFUSED 10.0.0.5:5432');
  assert.match(review.whys[1].because, '3 retries failed');
  assert.equal(review.whys[2], { why: 'What did the diagnosis find?', because: 'the export job opened 400 connections' });
  assert.is(review.whys.at(-1)!.because, 'connection pool exhausted by the nightly export');
  assert.is(review.rootCause, 'connection pool exhausted by the nightly export');
});

Whys('leaves out a finding that only restates the error', () => {
  const store = createMemoryStore();
  store.put('incidents', makeIncident({ id: 'inc_f', rootCause: 'db-primary-down', findings: ['Error: ECONNREFUSED 10.0.0.5:5432 (Error)', 'Affected systems: agent billing-agent'] }));
  const { review } = reviewOf(store, 'inc_f');
  assert.equal(review.whys.slice(2), [
    { why: 'What did the diagnosis find in the affected systems?', because: 'agent billing-agent' },
    { why: 'What is the root cause?', because: 'db-primary-down' },
  ]);
});

Whys('never asks the same question twice', () => {
  const store = createMemoryStore();
  const asked = (findings: string[]) => {
    store.put('incidents', makeIncident({ id: 'inc_q', rootCause: 'pool exhausted', findings }));
    return reviewOf(store, 'inc_q').review.whys.map((w) => w.why);
  };
  for (const findings of [
    ['the export job opened 400 connections', 'the pool has 100 slots'],
    ['Job history: 3 of the last 20 jobs of billing-agent failed', 'Error log: 9 error-level audit entries for billing-agent in the last hour'],
    ['Affected systems: agent billing-agent', 'the pool has 100 slots'],
  ]) {
    const whys = asked(findings);
    assert.is(whys.length, 5, findings.join(' / '));
    assert.is(new Set(whys).size, whys.length, `repeated question in ${JSON.stringify(whys)}`);
  }
  assert.equal(asked(['Job history: 3 of the last 20 jobs failed', 'the pool has 100 slots']).slice(2, 4),
    ['What did the diagnosis find in the job history?', 'What else did the diagnosis find?']);
});

Whys('says the root cause was not established rather than guessing', () => {
  const store = createMemoryStore();
  store.put('incidents', makeIncident({ id: 'inc_u', rootCause: null, fingerprint: 'invoice-run:ECONNREFUSED <ip>:<n>' }));
  const { review } = reviewOf(store, 'inc_u');
  assert.is(review.rootCause, 'not established (error signature invoice-run:ECONNREFUSED <ip>:<n>)');
});

Whys.run();

const Impact = suite('buildReview: 3. impact');

Impact('quantifies tenants, jobs, outage minutes, money and missed SLA targets', () => {
  const store = createMemoryStore();
  seedP0Outage(store);
  const { impact } = reviewOf(store).review;
  assert.equal(impact.tenants, ['acme', 'globex']);
  assert.is(impact.customerFacing, true);
  assert.is(impact.customerTenants, 2);
  assert.equal(impact.workflows, ['invoice-run', 'payouts']);
  assert.is(impact.jobsLinked, 2);
  assert.is(impact.jobsFailed, 4, 'three job.failed for job_1, one for job_2; the unlinked job is not counted');
  assert.is(impact.jobsFailedAssessed, 5);
  assert.equal(impact.outageMs, { fromDetection: 75 * 60_000, fromFailure: 83 * 60_000, ongoing: false });
  assert.is(impact.financialUSD, 12500);
  assert.equal(impact.slaMissed, [{ kind: 'resolution', dueAt: at(60), stoppedAt: at(75) }]);
});

Impact('measures an ongoing incident up to now', () => {
  const store = createMemoryStore();
  store.put('incidents', makeIncident({ id: 'inc_o', resolvedAt: null, status: 'coordinated', failureStartedAt: at(-1) }));
  const { impact } = buildReview(store, 'inc_o', { now: at(90), ids: sequentialIds() }).document.data as Review;
  assert.equal(impact.outageMs, { fromDetection: 90 * 60_000, fromFailure: 91 * 60_000, ongoing: true });
});

Impact.run();

const Actions = suite('buildReview: 4. corrective actions and 5. process improvements');

Actions('gives each corrective action an owner and a due date from severity, linked to the review', () => {
  const store = createMemoryStore();
  seedP0Outage(store);
  const { followups, document } = reviewOf(store);
  assert.equal(followups.map((f) => f.owner), ['engineering', 'petra', 'petra']);
  assert.match(followups[0].action, 'Fix the root cause: connection pool exhausted');
  assert.match(followups[1].action, 'export paused');
  assert.match(followups[2].action, 'inc_old');
  for (const f of followups) {
    assert.is(f.dueAt, at(24 * 60 + 7 * 24 * 60), 'P0: due 7 days after the review');
    assert.is(f.reviewId, document.id);
    assert.is(f.incidentId, 'inc_p0');
    assert.is(f.status, 'open');
  }
  assert.equal(followups.map((f) => f.id), ['fu_1', 'fu_2', 'fu_3']);
});

Actions('gives a P3 two months and Petra the fix when no code change is needed', () => {
  const store = createMemoryStore();
  store.put('incidents', makeIncident({ id: 'inc_p3', severity: 'P3' }));
  const [fix] = reviewOf(store, 'inc_p3').followups;
  assert.is(fix.owner, 'petra');
  assert.is(fix.dueAt, at(24 * 60 + 60 * 24 * 60));
});

Actions('derives process improvements from slow detection, the missed target, the repeat and the decision', () => {
  const store = createMemoryStore();
  seedP0Outage(store);
  const { review } = reviewOf(store);
  assert.equal(review.processImprovements.map((p) => p.area), ['monitoring', 'escalation', 'runbook', 'runbook']);
  assert.match(review.processImprovements[0].reason, '8m 00s before it was detected');
  assert.match(review.processImprovements[1].reason, 'P0 resolution target was missed');
  assert.match(review.processImprovements[2].reason, 'inc_old');
  assert.match(review.processImprovements[3].change, 'rollback');
});

Actions('proposes no process change when detection was prompt, targets met and the cause new', () => {
  const store = createMemoryStore();
  store.put('incidents', makeIncident({ id: 'inc_ok' }));
  const { review, document } = reviewOf(store, 'inc_ok');
  assert.equal(review.processImprovements, []);
  assert.match(document.body, 'No runbook, monitoring or escalation change');
});

Actions.run();

const Document = suite('buildReview: the document');

Document('is a tagged kb document with the five sections, and the store is left untouched', () => {
  const store = createMemoryStore();
  seedP0Outage(store);
  const before = { audit: store.auditCount(), docs: store.list('kb_documents').length, fus: store.list('followups').length };
  const { document } = reviewOf(store);
  assert.equal(before, { audit: store.auditCount(), docs: store.list('kb_documents').length, fus: store.list('followups').length });
  assert.equal(document.tags, ['post-incident-review', 'P0']);
  assert.is(document.incidentId, 'inc_p0');
  assert.is(document.createdAt, NOW);
  assert.is(document.id, 'doc_1');
  for (const heading of ['## 1. Timeline', '## 2. Root cause analysis', '## 3. Impact', '## 4. Corrective actions', '## 5. Process improvements']) {
    assert.match(document.body, heading);
  }
  assert.match(document.body, '| T+03:00 | 09:03:00 | incident.triage | cheryl | classified P0 \\| platform down |');
  assert.match(document.body, 'Financial impact: $12,500.00');
});

Document('is byte-identical for the same store and options', () => {
  const a = createMemoryStore();
  const b = createMemoryStore();
  seedP0Outage(a);
  seedP0Outage(b);
  const strip = (s: string) => s.replace(/aud_\d+/g, 'aud');
  assert.is(strip(JSON.stringify(reviewOf(a))), strip(JSON.stringify(reviewOf(b))));
});

Document('refuses an unknown incident by name', () => {
  const store = createMemoryStore();
  assert.throws(() => reviewOf(store, 'inc_nope'), (e: unknown) => e instanceof ReportError && /inc_nope/.test(e.message));
});

Document.run();

const Command = suite('reviewCommand');

Command('prints the published review when Atlas stored one', () => {
  const store = createMemoryStore();
  const incident = seedP0Outage(store);
  const { document } = reviewOf(store);
  store.put('kb_documents', { ...document, body: 'published body' });
  store.put('incidents', { ...incident, reviewId: document.id });
  assert.is(reviewCommand(store, 'inc_p0'), 'published body');
});

Command('builds a draft dated at resolution when none was published', () => {
  const store = createMemoryStore();
  seedP0Outage(store);
  const out = reviewCommand(store, 'inc_p0');
  assert.match(out, '> Draft: no review has been published for inc_p0 yet.');
  assert.match(out, `review written 2026-03-02 10:15:00 UTC`);
  assert.is(out, reviewCommand(store, 'inc_p0'));
});

Command('says a severity REVIEW_SEVERITIES leaves out gets no review, not that none is published yet', () => {
  const store = createMemoryStore();
  const incident = makeIncident({ id: 'inc_p2', status: 'closed', state: 'closed', closedAt: at(60) });
  store.put('incidents', incident);
  store.appendAudit(audit('inc_p2', 60, 'incident.resolved'));
  assert.match(reviewCommand(store, 'inc_p2'), /^> Draft: inc_p2 is P2, and its REVIEW_SEVERITIES \(P0, P1\) commission no review for it: this one is built from its audit log and never published\.\n\n# Post-incident review: inc_p2 \(P2\)/);
  store.put('incidents', { ...incident, policy: { ...incident.policy, REVIEW_SEVERITIES: ['P0', 'P1', 'P2'] }, status: 'resolved', state: 'resolved', closedAt: null });
  assert.match(reviewCommand(store, 'inc_p2'), /^> Draft: no review has been published for inc_p2 yet\.\n/);
  store.put('incidents', { ...incident, severity: null });
  assert.match(reviewCommand(store, 'inc_p2'), '> Draft: inc_p2 is unclassified, and its REVIEW_SEVERITIES (P0, P1) commission no review for it');
});

Command.run();
