import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { fromPromise, setup } from 'xstate';
import { describeMachine } from '../machines/describe.js';
import { incidentMachine } from '../machines/index.js';

/** describeMachine: the data the watcher draws diagrams from. */
const describe = suite('describeMachine');

const machine = setup({
  actors: { runAttempt: fromPromise(async () => 1) },
  guards: { isP0: () => true },
  delays: { retryDelay: 5000 },
}).createMachine({
  id: 'inc',
  initial: 'detected',
  on: { 'incident.resolve': '.resolved' },
  states: {
    detected: { always: { target: 'retrying' } },
    retrying: { invoke: { src: 'runAttempt', onDone: 'resolved', onError: 'triage' }, after: { retryDelay: 'triage', 60000: 'triage' } },
    triage: { on: { 'triage.done': [{ guard: 'isP0', target: 'executive' }, { target: 'resolved' }], 'status.due': { actions: [] } } },
    executive: {
      initial: 'assessing',
      states: { assessing: { on: { 'executive.assessed': 'awaitingDecision' } }, awaitingDecision: { on: { 'decision.answered': '#inc.resolved' } } },
    },
    resolved: { type: 'final' },
  },
});

const d = describeMachine(machine);
const edge = (source: string, target: string) => d.transitions.filter((t) => t.source === source && t.target === target).map((t) => t.event);

describe('lists every state with its parent, type, path and whether it is initial', () => {
  assert.equal(d.states[0], { id: 'inc', key: 'inc', path: '', parent: null, type: 'compound', initial: false, description: null });
  const waiting = d.states.find((s) => s.id === 'inc.executive.awaitingDecision')!;
  assert.equal({ path: waiting.path, parent: waiting.parent, type: waiting.type, initial: waiting.initial }, { path: 'executive.awaitingDecision', parent: 'inc.executive', type: 'atomic', initial: false });
  assert.is(d.states.find((s) => s.id === 'inc.executive.assessing')!.initial, true);
  assert.is(d.states.find((s) => s.id === 'inc.detected')!.initial, true);
  assert.is(d.states.find((s) => s.id === 'inc.resolved')!.type, 'final');
});

describe('reads on, always, after and invoke onDone/onError transitions with readable labels', () => {
  assert.equal(edge('inc.detected', 'inc.retrying'), ['always']);
  assert.equal(edge('inc.retrying', 'inc.resolved'), ['done: runAttempt']);
  assert.equal(edge('inc.retrying', 'inc.triage').sort(), ['after 1m', 'after retryDelay', 'error: runAttempt']);
  assert.equal(edge('inc.executive.awaitingDecision', 'inc.resolved'), ['decision.answered']);
  assert.equal(edge('inc', 'inc.resolved'), ['incident.resolve'], 'root transitions apply in any state');
});

describe('keeps guard names and leaves out targetless transitions', () => {
  const guarded = d.transitions.filter((t) => t.source === 'inc.triage');
  assert.equal(guarded.map((t) => [t.target, t.guard]), [['inc.executive', 'isP0'], ['inc.resolved', null]]);
  assert.not.ok(d.transitions.some((t) => t.event === 'status.due'));
});

describe("describes the project's incident machine, whose paths match incident.state", () => {
  const incident = describeMachine(incidentMachine);
  const paths = new Set(incident.states.map((s) => s.path));
  for (const p of ['detected', 'retrying.waiting', 'triaged.working', 'executive.awaitingDecision', 'closed']) assert.ok(paths.has(p), p);
  const ids = new Set(incident.states.map((s) => s.id));
  for (const t of incident.transitions) assert.ok(ids.has(t.source) && ids.has(t.target), `${t.source} → ${t.target}`);
});

describe.run();
