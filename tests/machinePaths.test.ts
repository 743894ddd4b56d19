import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { AnyStateNode, SnapshotFrom } from 'xstate';
import { getSimplePaths } from 'xstate/graph';
import { DEADLINE_KINDS, incidentMachine } from '../machines/incidentMachine.js';
import type { IncidentInput } from '../machines/incidentContext.js';
import type { AttemptOutcome, IncidentEvent } from '../machines/incidentEvents.js';
import { resolvePolicy } from '../machines/policies/index.js';
import { MIN, SEC, T0, dotted, inputOf, settle, startIncident } from './helpers/machineHarness.js';

type Snapshot = SnapshotFrom<typeof incidentMachine>;

const ATTEMPT = incidentMachine.getStateNodeById('incident.retrying.attempting').invoke[0].id;
const DONE = `xstate.done.actor.${ATTEMPT}`;
const ERROR = `xstate.error.actor.${ATTEMPT}`;

/** How the retry attempt actor ends: its done event (with the outcome) or its error event. */
type AttemptEnded = { type: string; output: AttemptOutcome } | { type: string; error: unknown };
/**
 * The graph must try the invoked attempt's done and error events too, which the machine's
 * event type leaves out (XState raises them internally): the one cast of this file.
 */
const ended = (event: AttemptEnded): IncidentEvent => event as unknown as IncidentEvent;
const isEnded = (event: { type: string }): event is AttemptEnded => event.type === DONE || event.type === ERROR;

/** One sample of every event the incident can receive; times are fixed offsets from T0. */
function sampleEvents(snapshot: Snapshot): IncidentEvent[] {
  const responder = snapshot.context.assignee ?? 'cheryl';
  const triage = (severity: 'P0' | 'P3'): IncidentEvent => ({ type: 'triage.done', at: T0 + 10 * MIN, severity, findings: [`classified ${severity}`], mitigation: null, notified: [], rootCause: null });
  const coordination = { assigned: ['billing'], humanDeveloper: false, workaround: 'w', eta: null, affected: { workflows: [], tenants: [], agents: [], failedJobs: 1 } };
  return [
    { type: 'retry.due', at: T0 },
    ended({ type: DONE, output: { ok: true, at: T0 + SEC } }),
    ended({ type: DONE, output: { ok: false, at: T0 + SEC, error: 'boom' } }),
    ended({ type: ERROR, error: 'the attempt actor broke' }),
    { type: 'responder.ack', at: T0 + 5 * MIN, responder },
    { type: 'ack.timeout', at: T0 + 15 * MIN, responder },
    triage('P0'),
    triage('P3'),
    { type: 'coordination.done', at: T0 + 20 * MIN, coordination },
    { type: 'executive.assessed', at: T0 + 30 * MIN, communication: false, boardMemo: false, decisionId: 'dec_1' },
    { type: 'executive.assessed', at: T0 + 30 * MIN, communication: false, boardMemo: false, decisionId: null },
    { type: 'decision.answered', at: T0 + 40 * MIN, answer: 'approve', by: 'ops' },
    { type: 'decision.answered', at: T0 + 40 * MIN, answer: 'deny', by: 'ops' },
    { type: 'decision.timeout', at: T0 + 60 * MIN },
    { type: 'rule.two_hours', at: T0 + 120 * MIN },
    { type: 'incident.resolve', at: T0 + 90 * MIN, by: responder },
    { type: 'review.published', at: T0 + 100 * MIN, documentId: 'doc_1' },
  ];
}

/** Only what the guards read tells two snapshots apart (the rest, like `at`, would never repeat). */
const serializeState = (s: Snapshot) =>
  JSON.stringify({ value: s.value, severity: s.context.severity, retries: s.context.retries.length, timeouts: s.context.decisionTimeouts });

const NOT_RETRYABLE = { message: 'bad input', retryable: false };

/**
 * Inputs that between them reach every state. The retry ladder is walked on its own (it
 * stops at triage); the responders' stages start from a failure that is not retryable, once
 * for each decision-timeout policy. Enumerating triage after each way the ladder can fail
 * would multiply the paths without reaching anything new.
 */
const INPUTS: Array<[string, IncidentInput, ((s: Snapshot) => boolean) | undefined]> = [
  ['the retry ladder of a retryable failure', inputOf(), (s) => s.matches('triaged')],
  ['the chain with timeout policy escalate', inputOf({ error: NOT_RETRYABLE }), undefined],
  ['the chain with timeout policy approve', inputOf({ error: NOT_RETRYABLE, policy: resolvePolicy({ DECISION_TIMEOUT_POLICY: 'approve' }) }), undefined],
  ['the chain with timeout policy deny', inputOf({ error: NOT_RETRYABLE, policy: resolvePolicy({ DECISION_TIMEOUT_POLICY: 'deny' }) }), undefined],
];

function pathsOf(input: IncidentInput, stopWhen?: (s: Snapshot) => boolean) {
  return getSimplePaths(incidentMachine, { input, events: sampleEvents, serializeState, stopWhen });
}

/** Replays a path on a real actor; attempts wait until the path says how they end. */
async function replay(input: IncidentInput, steps: ReturnType<typeof pathsOf>[number]['steps']) {
  const pending: Array<{ resolve: (o: AttemptOutcome) => void; reject: (e: unknown) => void }> = [];
  const h = startIncident(input, { deliver: false, attempt: () => new Promise((resolve, reject) => pending.push({ resolve, reject })) });
  const trail: string[] = [h.value()];
  for (const [i, step] of steps.entries()) {
    if (i > 0) {
      const event: { type: string } = step.event;
      if (isEnded(event)) {
        // The real attempt actor ends the way the path says.
        await settle();
        const attempt = pending.shift();
        assert.ok(attempt, `step ${i}: ${event.type} but no attempt is running`);
        if ('output' in event) attempt.resolve(event.output);
        else attempt.reject(event.error);
        await settle();
      } else h.send(step.event);
    }
    const snap = h.actor.getSnapshot();
    const where = `${trail.join(' → ')} (step ${i}: ${step.event.type})`;
    assert.is.not(snap.status, 'error', `the actor failed: ${where}`);
    assert.is(dotted(snap.value), dotted(step.state.value), `state differs: ${where}`);
    assert.is(snap.context.retries.length, step.state.context.retries.length, `retries differ: ${where}`);
    assert.is(snap.context.severity, step.state.context.severity, `severity differs: ${where}`);
    trail.push(dotted(snap.value));
  }
  h.actor.stop();
  return h;
}

/** Every atomic and final state node of the machine. */
function leafIds(node: AnyStateNode = incidentMachine.root): string[] {
  const children = Object.values(node.states) as AnyStateNode[];
  return children.length === 0 ? [node.id] : children.flatMap((c) => leafIds(c));
}

// ---------------------------------------------------------------------------
const Paths = suite('incident machine: every simple path, replayed on a real actor');

for (const [label, input, stopWhen] of INPUTS) {
  Paths(`${label}: each path reaches the same state on a real actor`, async () => {
    const paths = pathsOf(input, stopWhen);
    assert.ok(paths.length > 5, `only ${paths.length} paths`);
    for (const path of paths) {
      const h = await replay(input, path.steps);
      assert.is(h.value(), dotted(path.state.value));
      // Every path opens with detection; a closed one ends with the closing entry.
      assert.is(h.actions()[0], 'incident.detected');
      if (path.state.status === 'done') {
        assert.is(h.actor.getSnapshot().status, 'done');
        assert.is(h.actions().at(-1), 'incident.closed');
        const disarmAll = h.effects.find((e) => e.type === 'disarm' && (e.params as { kinds: readonly string[] }).kinds.length === DEADLINE_KINDS.length);
        assert.ok(disarmAll, 'a closed incident disarms every deadline');
      }
    }
  });
}

Paths('between them the paths pass through every state of the machine, transient ones included', async () => {
  const visited = new Set<string>();
  const reached = new Set<string>();
  for (const [, input, stopWhen] of INPUTS) {
    // The longest paths to each state pass through the most: replaying those is enough here.
    const longest = new Map<string, ReturnType<typeof pathsOf>[number]>();
    for (const path of pathsOf(input, stopWhen)) {
      const key = serializeState(path.state);
      if ((longest.get(key)?.steps.length ?? -1) < path.steps.length) longest.set(key, path);
    }
    for (const path of longest.values()) {
      const h = await replay(input, path.steps);
      for (const id of h.visited) visited.add(id);
      for (const step of path.steps) reached.add(`incident.${dotted(step.state.value)}`);
    }
  }
  const leaves = leafIds();
  assert.equal(leaves.sort(), [
    'incident.autoResolved', 'incident.closed',
    'incident.coordinated.fixing', 'incident.coordinated.queued', 'incident.coordinated.working',
    'incident.detected',
    'incident.executive.awaitingDecision', 'incident.executive.fixing', 'incident.executive.queued', 'incident.executive.working',
    'incident.resolved',
    'incident.retrying.attempting', 'incident.retrying.waiting',
    'incident.reviewing',
    'incident.triaged.fixing', 'incident.triaged.queued', 'incident.triaged.working',
  ]);
  assert.equal(leaves.filter((id) => !visited.has(id)), [], 'states no replay passed through');
  // detected, resolved and autoResolved are left at once (eventless): only the real actor shows them.
  assert.equal(leaves.filter((id) => !reached.has(id)).sort(), ['incident.autoResolved', 'incident.detected', 'incident.resolved']);
});

Paths('the ladder reaches auto-resolution on each of the three attempts, and triage after the third failure', () => {
  const [, input, stopWhen] = INPUTS[0];
  const paths = pathsOf(input, stopWhen);
  const auto = paths.filter((p) => p.state.status === 'done' && p.state.context.autoResolved);
  assert.equal([...new Set(auto.map((p) => p.state.context.retries.length))].sort(), [1, 2, 3]);
  const triaged = paths.filter((p) => p.state.matches('triaged'));
  assert.ok(triaged.length > 0);
  for (const p of triaged) assert.is(p.state.context.retries.length, 3);
});

Paths.run();
