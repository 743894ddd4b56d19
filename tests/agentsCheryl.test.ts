import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { EngineError } from '../agents/types.js';
import type { ImpactKind, Severity } from '../machines/types.js';
import { HOUR, MIN, SEC, T0, createHarness, failing } from './helpers/engineHarness.js';

const iso = (t: number) => new Date(t).toISOString();

// ---------------------------------------------------------------------------
const Receive = suite('Cheryl: the incident reaches her by internal notification (spec, Step 3)');

Receive('once the third retry fails, an internal notice to Cheryl names the incident and its error, and she is assigned it', async () => {
  const h = createHarness();
  h.engine.submit({ agent: 'billing', workflow: 'invoice-run', run: failing('ECONNREFUSED 10.0.0.5:5432') });
  await h.run(29 * SEC);
  assert.equal(h.store.list('notifications', { to: 'cheryl' }), [], 'not while the retries run');
  await h.run(MIN);
  const incident = h.incident();
  const notices = h.store.list('notifications', { to: 'cheryl' });
  assert.equal(notices.map((n) => [n.ts, n.from, n.channel, n.subject, n.body, n.incidentId]), [
    [iso(T0 + 30 * SEC), 'engine', 'internal', `Incident ${incident.id}`, 'ECONNREFUSED 10.0.0.5:5432', incident.id],
  ]);
  const [assigned] = h.audit({ entityId: incident.id, action: 'incident.assigned' });
  assert.equal([assigned.ts, assigned.meta.to, assigned.meta.reason], [iso(T0 + 30 * SEC), 'cheryl', 'retries-exhausted']);
});

// ---------------------------------------------------------------------------
const Classify = suite('Cheryl: classification (spec, Step 3.1)');

const KINDS: Array<[ImpactKind, Severity]> = [
  ['platform-down', 'P0'],
  ['subsystem-failed', 'P0'],
  ['data-integrity', 'P1'],
  ['safety', 'P1'],
  ['feature-broken', 'P2'],
  ['cosmetic', 'P3'],
];
for (const [kind, severity] of KINDS) {
  Classify(`classifies a ${kind} failure as ${severity}`, async () => {
    const h = createHarness();
    h.engine.submit({ agent: 'billing', workflow: 'invoice-run', run: failing(), impact: { kind } });
    await h.run(5 * MIN);
    const incident = h.incident();
    assert.is(incident.severity, severity);
    const [triage] = h.audit({ entityId: incident.id, action: 'incident.triage' });
    assert.is(triage.actor, 'cheryl');
    assert.is(triage.meta.severity, severity);
    assert.match(triage.message, new RegExp(`classified ${incident.id} as ${severity}`));
  });
}

Classify("uses the engine's assess hook when the job gives no impact", async () => {
  const h = createHarness({ assess: (error) => ({ kind: String(error).includes('auth') ? 'subsystem-failed' : 'cosmetic' }) });
  h.engine.submit({ agent: 'billing', workflow: 'invoice-run', run: failing('auth failure: token rejected') });
  await h.run(5 * MIN);
  assert.is(h.incident().severity, 'P0');
});

Classify("an assess hook's field of the wrong type gets its default, the rest kept: a string 'yes' or '2000' passes no escalation rule by coercion", async () => {
  const h = createHarness({ assess: () => ({ kind: 'feature-broken', customerFacing: 'yes', financialUSD: '2000', crossAgent: true, decision: 7 }) as never });
  h.engine.submit({ agent: 'billing', workflow: 'invoice-run', run: failing('quota exceeded') });
  await h.run(5 * MIN);
  assert.equal(h.incident().impact, { crossAgent: true, customerFacing: false, dataCompromised: false, decision: null, financialUSD: 0, kind: 'feature-broken', needsChange: false });
});

/** What the hook answers, and whether the incident is customer-facing (the rest of an answer with an unknown kind is kept). */
const ODD_HOOKS: Array<[string, () => unknown, boolean]> = [
  ['an impact kind the severity table lacks', () => ({ kind: 'bogus', customerFacing: true }), true],
  ['null', () => null, false],
  ['a string', () => 'platform-down', false],
];
for (const [what, answer, customerFacing] of ODD_HOOKS) {
  Classify(`every incident gets one of the four severities: an assess hook that answers ${what} gives the default, P2`, async () => {
    const h = createHarness({ assess: answer as never });
    h.engine.submit({ agent: 'billing', workflow: 'invoice-run', run: failing('quota exceeded') });
    await h.run(5 * MIN);
    const incident = h.incident();
    assert.is(incident.severity, 'P2');
    assert.is(incident.impact!.kind, 'feature-broken');
    assert.is(incident.impact!.customerFacing, customerFacing);
    assert.is(h.audit({ entityId: incident.id, action: 'incident.triage' })[0].meta.severity, 'P2');
  });
}

Classify('a job whose impact names a kind the severity table lacks is refused at submit, naming the kinds', () => {
  const h = createHarness();
  assert.throws(
    () => h.engine.submit({ agent: 'billing', workflow: 'invoice-run', run: failing(), impact: { kind: 'bogus' as never } }),
    (e: unknown) => e instanceof EngineError && /impact\.kind "bogus"; expected one of platform-down, subsystem-failed, data-integrity, safety, feature-broken, cosmetic/.test(e.message),
  );
  assert.equal(h.store.list('jobs'), []);
});

Classify('a platform-down failure joining an open P2 with the same root cause makes it a P0: triaged, paused and escalated as one', async () => {
  const h = createHarness({ fixAfterMs: null });
  h.engine.submit({ agent: 'billing', workflow: 'invoice-run', run: failing('ECONNREFUSED db:5432'), rootCause: 'db-primary-down', impact: { kind: 'feature-broken' } });
  await h.run(10 * SEC);
  h.engine.submit({ agent: 'reporter', workflow: 'dashboards', run: failing('ECONNREFUSED db:5432 (reports)'), rootCause: 'db-primary-down', impact: { kind: 'platform-down' } });
  await h.run(5 * MIN);
  assert.is(h.incidents().length, 1);
  const incident = h.incident();
  assert.equal([incident.attached, incident.severity, incident.impact?.kind], [1, 'P0', 'platform-down']);
  const [triaged] = h.audit({ entityId: incident.id, action: 'incident.triage' });
  assert.is(triaged.meta.severity, 'P0');
  assert.ok(h.actions(incident.id).includes('incident.mitigated'));
  assert.equal(incident.escalations[0].criteria, ['severity-p0-p1']);
});

// ---------------------------------------------------------------------------
const Diagnose = suite('Cheryl: initial diagnosis from the store (spec, Step 3.2)');

Diagnose('reviews the error log, recent audit entries and job history of the agent', async () => {
  const h = createHarness();
  // History already in the store: four earlier jobs of billing, two of them failed.
  for (const [i, status] of (['succeeded', 'failed', 'succeeded', 'failed'] as const).entries()) {
    h.store.put('jobs', { id: `job_old${i}`, kind: null, agent: 'billing', workflow: 'invoice-run', tenant: 'acme', status, attempts: 1, createdAt: iso(T0 - HOUR), updatedAt: iso(T0 - HOUR), error: null, incidentId: null });
  }
  h.store.appendAudit({ id: 'aud_old', ts: iso(T0 - 30 * MIN), actor: 'billing', entityType: 'job', entityId: 'job_old3', action: 'job.failed', level: 'error', message: 'earlier', meta: { agent: 'billing' } });
  h.engine.submit({ agent: 'billing', workflow: 'invoice-run', run: failing('ECONNREFUSED 10.0.0.5:5432') });
  await h.run(5 * MIN);
  const { findings } = h.incident();
  assert.ok(findings.includes('Error: ECONNREFUSED 10.0.0.5:5432 (Error)'), findings.join('\n'));
  assert.ok(findings.includes('Affected systems: agent billing, workflow invoice-run, tenant acme'));
  // 2 earlier failures + this job.
  assert.ok(findings.includes('Job history: 3 of the last 5 jobs of billing failed'), findings.join('\n'));
  // The earlier entry, the four job.failed of this job and its three failed retries, in the hour
  // before triage (a P2's detection is warn: auditLevel).
  assert.ok(findings.includes('Error log: 8 error-level audit entries for billing in the last hour'), findings.join('\n'));
  assert.ok(findings.includes('Retries: 3 attempt(s), 3 failed'));
  assert.ok(findings.some((f) => f.startsWith('Latest audit entry: incident.acknowledged at ')), findings.join('\n'));
});

Diagnose('the findings land in the incident record and the triage audit entry', async () => {
  const h = createHarness();
  h.engine.submit({ agent: 'billing', workflow: 'invoice-run', run: failing() });
  await h.run(5 * MIN);
  const incident = h.incident();
  assert.ok(incident.findings.length >= 5);
  const [triage] = h.audit({ entityId: incident.id, action: 'incident.triage' });
  assert.equal(triage.meta.findings, incident.findings);
});

// ---------------------------------------------------------------------------
const Mitigate = suite('Cheryl: immediate mitigation for P0/P1 (spec, Step 3.3)');

for (const kind of ['platform-down', 'data-integrity'] as const) {
  Mitigate(`pauses the workflow of a ${kind} failure, and resumes it when the incident resolves`, async () => {
    const h = createHarness({ fixAfterMs: 30 * MIN });
    h.engine.submit({ agent: 'billing', workflow: 'invoice-run', run: failing(), impact: { kind } });
    await h.run(5 * MIN);
    const incident = h.incident();
    const paused = h.store.get('workflows', 'invoice-run')!;
    assert.equal([paused.status, paused.pausedBy], ['paused', incident.id]);
    const [mitigated] = h.audit({ entityId: incident.id, action: 'incident.mitigated' });
    assert.equal(mitigated.meta.paused, { kind: 'workflow', id: 'invoice-run' });
    // A response step: warn even in a P0/P1, so red stays for what went wrong.
    assert.is(mitigated.level, 'warn');
    // The agent itself keeps running its other workflows.
    assert.is(h.store.get('agents', 'billing')!.status, 'active');
    await h.run(6 * HOUR);
    assert.is(h.incident().status, 'closed');
    const resumed = h.store.get('workflows', 'invoice-run')!;
    assert.equal([resumed.status, resumed.pausedBy], ['active', null]);
  });
}

Mitigate('pauses the agent when the failure names no workflow', async () => {
  const h = createHarness();
  h.engine.submit({ agent: 'mailer', run: failing(), impact: { kind: 'safety' } });
  await h.run(5 * MIN);
  const agent = h.store.get('agents', 'mailer')!;
  assert.equal([agent.status, agent.pausedBy], ['paused', h.incident().id]);
  await h.run(6 * HOUR);
  assert.is(h.store.get('agents', 'mailer')!.status, 'active');
});

/** Resolves incident `id` (Petra's fix), a minute on: the invoice-run workflow's [status, pausedBy]. */
async function resolved(h: ReturnType<typeof createHarness>, id: string): Promise<[string, string | null]> {
  h.engine.resolve(id, { by: 'petra' });
  await h.run(MIN);
  const row = h.store.get('workflows', 'invoice-run')!;
  return [row.status, row.pausedBy];
}

Mitigate('a workflow two open incidents paused stays paused until both are resolved, whichever is fixed first', async () => {
  const h = createHarness({ fixAfterMs: null });
  const ran: string[] = [];
  // Two P1s on one workflow, with different causes: both are detected before Cheryl's triage,
  // and each triage pauses the workflow (the second names itself on the row).
  h.engine.submit({ agent: 'billing', workflow: 'invoice-run', run: failing('wrong amount posted'), impact: { kind: 'data-integrity' } });
  h.engine.submit({ agent: 'billing', workflow: 'invoice-run', run: failing('duplicate rows written'), impact: { kind: 'data-integrity' } });
  await h.run(5 * MIN);
  const [first, second] = h.store.list('incidents');
  assert.equal(h.audit({ action: 'incident.mitigated' }).map((e) => e.entityId), [first.id, second.id]);
  assert.is(h.store.get('workflows', 'invoice-run')!.pausedBy, second.id);
  // The second is fixed first: the first is still open, so its mitigation holds.
  assert.equal(await resolved(h, second.id), ['paused', first.id]);
  const waiting = h.engine.submit({ agent: 'billing', workflow: 'invoice-run', run: () => void ran.push('queued while paused') });
  await h.run(10 * MIN);
  assert.equal(ran, []);
  assert.is(h.store.get('jobs', waiting.jobId)!.status, 'queued');
  // Once the first is fixed too, nothing holds it: it resumes and the job runs.
  assert.equal(await resolved(h, first.id), ['active', null]);
  assert.equal(ran, ['queued while paused']);
});

Mitigate('a pause is not handed to an open incident that did not pause it (a P2 on the same workflow)', async () => {
  const h = createHarness({ fixAfterMs: null });
  h.engine.submit({ agent: 'billing', workflow: 'invoice-run', run: failing('wrong amount posted'), impact: { kind: 'data-integrity' } });
  h.engine.submit({ agent: 'billing', workflow: 'invoice-run', run: failing('template missing'), impact: { kind: 'feature-broken' } });
  await h.run(5 * MIN);
  const [serious, minor] = h.store.list('incidents');
  assert.is(h.store.get('workflows', 'invoice-run')!.pausedBy, serious.id);
  h.engine.resolve(serious.id, { by: 'petra' });
  await h.run(MIN);
  assert.is(h.engine.stateOf(minor.id)?.startsWith('triaged'), true);
  const resumed = h.store.get('workflows', 'invoice-run')!;
  assert.equal([resumed.status, resumed.pausedBy], ['active', null]);
});

Mitigate('a P2 she triaged, made a P0 by a platform-down failure joining it: its workflow paused (incident.mitigated), resumed on resolution', async () => {
  const h = createHarness({ fixAfterMs: null });
  h.engine.submit({ agent: 'billing', workflow: 'invoice-run', run: failing('ECONNREFUSED db:5432'), rootCause: 'db-primary-down', impact: { kind: 'feature-broken' } });
  await h.run(10 * MIN);
  const incident = h.incident();
  assert.equal([incident.severity, h.engine.stateOf(incident.id)], ['P2', 'triaged.fixing']);
  assert.equal(h.store.list('workflows', { status: 'paused' }), []);
  h.engine.submit({ agent: 'reporter', workflow: 'dashboards', run: failing('ECONNREFUSED db:5432 (reports)'), rootCause: 'db-primary-down', impact: { kind: 'platform-down' } });
  await h.run(MIN);
  assert.is(h.incident().severity, 'P0');
  const paused = h.store.get('workflows', 'invoice-run')!;
  assert.equal([paused.status, paused.pausedBy], ['paused', incident.id]);
  const [mitigated] = h.audit({ entityId: incident.id, action: 'incident.mitigated' });
  assert.equal([mitigated.actor, mitigated.meta.paused, mitigated.meta.raisedFrom], ['cheryl', { kind: 'workflow', id: 'invoice-run' }, 'P2']);
  assert.equal(await resolved(h, incident.id), ['active', null]);
});

Mitigate('a P2 made a P0 after triage pauses its workflow itself: resolving another P1 that paused it leaves it paused, held by the P0', async () => {
  const h = createHarness({ fixAfterMs: null });
  h.engine.submit({ agent: 'billing', workflow: 'invoice-run', run: failing('wrong amount posted'), impact: { kind: 'data-integrity' } });
  h.engine.submit({ agent: 'billing', workflow: 'invoice-run', run: failing('template missing'), rootCause: 'tpl', impact: { kind: 'feature-broken' } });
  await h.run(5 * MIN);
  const [serious, minor] = h.store.list('incidents');
  h.engine.submit({ agent: 'reporter', workflow: 'dashboards', run: failing('template missing'), rootCause: 'tpl', impact: { kind: 'platform-down' } });
  await h.run(MIN);
  assert.equal(h.audit({ action: 'incident.mitigated' }).map((e) => e.entityId), [serious.id, minor.id]);
  assert.is(h.store.get('workflows', 'invoice-run')!.pausedBy, minor.id);
  assert.equal(await resolved(h, serious.id), ['paused', minor.id]);
  h.engine.resolve(minor.id, { by: 'petra' });
  await h.run(MIN);
  assert.equal(h.store.get('workflows', 'invoice-run')!.status, 'active');
});

for (const kind of ['feature-broken', 'cosmetic'] as const) {
  Mitigate(`pauses nothing for a ${kind} failure`, async () => {
    const h = createHarness();
    h.engine.submit({ agent: 'billing', workflow: 'invoice-run', run: failing(), impact: { kind } });
    await h.run(5 * MIN);
    assert.equal(h.store.list('workflows', { status: 'paused' }), []);
    assert.equal(h.store.list('agents', { status: 'paused' }), []);
    assert.not.ok(h.actions().includes('incident.mitigated'));
  });
}

// ---------------------------------------------------------------------------
const Notify = suite('Cheryl: communication to the tenant admin (spec, Step 3.4)');

Notify('notifies the tenant admin of a customer-facing incident, with a notification row and an audit entry', async () => {
  const h = createHarness();
  h.engine.submit({ agent: 'reporter', workflow: 'dashboards', run: failing('stale cache'), impact: { kind: 'cosmetic', customerFacing: true } });
  await h.run(5 * MIN);
  const incident = h.incident();
  const mails = h.store.list('notifications', { to: 'it@globex.test' });
  assert.is(mails.length, 1);
  assert.equal([mails[0].from, mails[0].channel, mails[0].incidentId], ['cheryl', 'email', incident.id]);
  assert.match(mails[0].subject, /^\[P3\] .*dashboards/);
  const [notified] = h.audit({ entityId: incident.id, action: 'incident.notified' });
  assert.equal(notified.meta.to, ['it@globex.test']);
  assert.is(notified.actor, 'cheryl');
});

Notify('notifies the admin of every tenant whose failing job joined the incident, not only the first one', async () => {
  const h = createHarness();
  const customerFacing = { kind: 'feature-broken', customerFacing: true } as const;
  // The same root cause on another tenant's agent, before Cheryl triages: it joins the incident.
  h.engine.submit({ agent: 'billing', workflow: 'invoice-run', run: failing('certificate has expired'), rootCause: 'expired-tls-cert', impact: customerFacing });
  await h.run(10 * SEC);
  h.engine.submit({ agent: 'reporter', workflow: 'dashboards', run: failing('unable to verify the first certificate'), rootCause: 'expired-tls-cert', impact: customerFacing });
  await h.run(5 * MIN);
  const incident = h.incident();
  assert.is(incident.attached, 1);
  const mails = h.store.list('notifications', { channel: 'email' });
  assert.equal(mails.map((n) => [n.from, n.to, n.incidentId]), [['cheryl', 'ops@acme.test', incident.id], ['cheryl', 'it@globex.test', incident.id]]);
  const [notified] = h.audit({ entityId: incident.id, action: 'incident.notified' });
  assert.equal(notified.meta.to, ['ops@acme.test', 'it@globex.test']);
});

Notify('does not write to the tenant admin when customers are not affected', async () => {
  const h = createHarness();
  h.engine.submit({ agent: 'reporter', workflow: 'dashboards', run: failing('stale cache'), impact: { kind: 'cosmetic', customerFacing: false } });
  await h.run(5 * MIN);
  assert.equal(h.store.list('notifications', { to: 'it@globex.test' }), []);
  assert.not.ok(h.actions().includes('incident.notified'));
  // Cheryl still heard of it internally.
  assert.ok(h.store.list('notifications', { to: 'cheryl' }).length >= 1);
});

// ---------------------------------------------------------------------------
const Document = suite('Cheryl: the incident record (spec, Step 3.5)');

Document('the record Cheryl leaves holds the timeline of the incident, the affected systems and her initial findings', async () => {
  const h = createHarness({ fixAfterMs: 40 * MIN });
  h.engine.submit({ agent: 'billing', workflow: 'invoice-run', run: failing('ECONNREFUSED 10.0.0.5:5432') });
  await h.run(HOUR);
  const incident = h.incident();
  assert.is(incident.detectedAt, iso(T0));
  // Retries at +0 s, +5 s and +30 s, Cheryl's queue at +30 s, her acknowledgement 2 min later, the fix 40 min after.
  const stage = (state: string, at: number) => ({ at: iso(at), state });
  assert.equal(incident.path, [
    stage('retrying.waiting', T0),
    stage('retrying.attempting', T0),
    stage('retrying.waiting', T0),
    stage('retrying.attempting', T0 + 5 * SEC),
    stage('retrying.waiting', T0 + 5 * SEC),
    stage('retrying.attempting', T0 + 30 * SEC),
    stage('triaged.queued', T0 + 30 * SEC),
    stage('triaged.working', T0 + 30 * SEC + 2 * MIN),
    stage('triaged.fixing', T0 + 30 * SEC + 2 * MIN),
    stage('closed', T0 + 30 * SEC + 42 * MIN),
  ]);
  assert.ok(incident.findings.includes('Affected systems: agent billing, workflow invoice-run, tenant acme'), incident.findings.join('\n'));
  const [triage] = h.audit({ entityId: incident.id, action: 'incident.triage' });
  assert.is(triage.ts, iso(T0 + 30 * SEC + 2 * MIN));
  assert.equal(triage.meta.findings, incident.findings);
});

// ---------------------------------------------------------------------------
const Escalate = suite('Cheryl: escalation criteria recorded in the incident (spec, Step 3)');

Escalate('escalates to Petra when the incident outlives two hours, even at P3', async () => {
  const h = createHarness({ fixAfterMs: 3 * HOUR });
  h.engine.submit({ agent: 'reporter', workflow: 'dashboards', run: failing('slow responses'), impact: { kind: 'cosmetic' } });
  await h.run(2 * HOUR + MIN);
  const incident = h.incident();
  assert.is(incident.severity, 'P3');
  assert.equal(incident.escalations, [{ from: 'cheryl', to: 'petra', criteria: ['open-over-2h'], at: iso(T0 + 2 * HOUR + 1) }]);
  assert.is(incident.assignee, 'petra');
  assert.match(incident.state, /^coordinated\./);
});

const CRITERIA: Array<[string, Record<string, unknown>, string[]]> = [
  ['a P1', { kind: 'data-integrity' }, ['severity-p0-p1']],
  ['a P2 needing several agents', { kind: 'feature-broken', crossAgent: true }, ['cross-agent']],
  ['a P3 needing a config change', { kind: 'cosmetic', needsChange: true }, ['needs-change']],
];
for (const [label, impact, criteria] of CRITERIA) {
  Escalate(`records why ${label} went to Petra: ${criteria.join(', ')}`, async () => {
    const h = createHarness();
    h.engine.submit({ agent: 'billing', workflow: 'invoice-run', run: failing(), impact });
    await h.run(5 * MIN);
    const [first] = h.incident().escalations;
    assert.equal([first.from, first.to, first.criteria], ['cheryl', 'petra', criteria]);
  });
}

Escalate('keeps a P2 with no criterion and fixes it herself', async () => {
  const h = createHarness({ fixAfterMs: 30 * MIN });
  h.engine.submit({ agent: 'billing', workflow: 'invoice-run', run: failing() });
  await h.run(2 * HOUR);
  const incident = h.incident();
  assert.equal(incident.escalations, []);
  assert.equal([incident.status, incident.assignee], ['closed', 'cheryl']);
  assert.is(h.audit({ entityId: incident.id, action: 'incident.resolved' })[0].meta.by, 'cheryl');
});

Receive.run();
Classify.run();
Diagnose.run();
Mitigate.run();
Notify.run();
Document.run();
Escalate.run();
