import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { persistedSnapshot } from '../agents/incidents.js';
import type { AttemptOutcome, IncidentEvent } from '../machines/incidentEvents.js';
import { canonicalJson } from '../store/canonicalJson.js';
import { SEC, T0, inputOf, startIncident, type MachineHarness } from './helpers/machineHarness.js';

/** What XState itself persists for the actor's snapshot with the lean context (what the record lacks). */
function xstatePersisted(actor: MachineHarness['actor']): unknown {
  const s = actor.getSnapshot();
  const { attemptStartedAt, decisionAnswer, decisionTimeouts } = s.context;
  const lean = { status: s.status, output: s.output, error: s.error, context: { attemptStartedAt, decisionAnswer, decisionTimeouts }, value: s.value, children: s.children, historyValue: s.historyValue };
  return actor.logic.getPersistedSnapshot(lean as unknown as typeof s);
}

// ---------------------------------------------------------------------------
const Persisted = suite("incident records: an open incident's persisted snapshot");

Persisted('is what XState persists, in canonical key order, an attempt under way included', async () => {
  const pending: Array<(outcome: AttemptOutcome) => void> = [];
  // The first attempt fails at once; the second hangs until the test ends it.
  const h = startIncident(inputOf(), { attempt: (attempt, at) => (attempt === 1 ? { ok: false, at, error: 'boom' } : new Promise((resolve) => pending.push(resolve))) });
  const seen: string[] = [];
  const check = () => {
    const ours = persistedSnapshot(h.actor);
    assert.is(canonicalJson(ours), canonicalJson(xstatePersisted(h.actor)), h.value());
    assert.is(JSON.stringify(ours), canonicalJson(ours), `${h.value()}: keys in canonical order`);
    seen.push(`${h.value()} (${Object.keys(h.actor.getSnapshot().children).length} child)`);
  };
  check();
  await h.clock.runUntilIdleAsync({ until: T0 + 10 * SEC });
  check();
  pending.shift()!({ ok: false, at: h.clock.now(), error: 'boom' });
  await h.clock.runUntilIdleAsync({ until: T0 + 20 * SEC });
  check();
  assert.equal(seen, ['retrying.waiting (0 child)', 'retrying.attempting (1 child)', 'retrying.waiting (0 child)']);
});

Persisted('is what XState persists at every snapshot of a P0 lifecycle: a decision waiting, timed out once, answered, the fix, the review', async () => {
  const h = startIncident(inputOf(), { attempt: (_attempt, at) => ({ ok: false, at, error: 'boom' }) });
  const states = new Set<string>();
  const unlike: string[] = [];
  h.actor.subscribe(() => {
    const [ours, theirs] = [canonicalJson(persistedSnapshot(h.actor)), canonicalJson(xstatePersisted(h.actor))];
    if (ours !== theirs) unlike.push(`${h.value()}: ${ours} against ${theirs}`);
    states.add(h.value());
  });
  await h.clock.runUntilIdleAsync({ until: T0 + 60 * SEC });
  const at = () => h.clock.now();
  const affected = { agents: [], failedJobs: 1, tenants: [], workflows: [] };
  for (const event of [
    { type: 'responder.ack', at: at(), responder: 'cheryl' },
    { type: 'triage.done', at: at(), severity: 'P0', findings: [], mitigation: null, notified: [], rootCause: null },
    { type: 'responder.ack', at: at(), responder: 'petra' },
    { type: 'coordination.done', at: at(), coordination: { affected, assigned: [], eta: null, humanDeveloper: false, workaround: null } },
    { type: 'responder.ack', at: at(), responder: 'atlas' },
    { type: 'executive.assessed', at: at(), communication: true, boardMemo: true, decisionId: 'dec_1' },
    { type: 'decision.timeout', at: at() },
    { type: 'decision.answered', at: at(), answer: 'approve', by: 'dana@ops' },
    { type: 'incident.resolve', at: at(), by: 'atlas' },
    { type: 'review.published', at: at(), documentId: 'doc_1' },
  ] as IncidentEvent[]) h.send(event);
  assert.equal(unlike, []);
  assert.ok(['triaged.working', 'coordinated.working', 'executive.awaitingDecision', 'executive.fixing', 'reviewing'].every((state) => states.has(state)), [...states].join(', '));
  assert.is(h.actor.getSnapshot().status, 'done');
});

Persisted.run();
