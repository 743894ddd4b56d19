import type { AnyStateMachine, AnyStateNode } from 'xstate';

/** One state node of a machine, flattened. */
export interface DescribedState {
  /** The node's unique id (`machineId.parent.child`, or a custom `id:`). */
  id: string;
  /** Its key under its parent (`awaitingDecision`). */
  key: string;
  /** Dotted path from the root, as incidents record `state` and `path` (`executive.awaitingDecision`); '' for the root. */
  path: string;
  /** Parent's id; null for the root. */
  parent: string | null;
  type: 'atomic' | 'compound' | 'parallel' | 'final' | 'history';
  /** True when this is the state its parent enters first. */
  initial: boolean;
  description: string | null;
}

/** What moves the machine along a transition. */
export type TransitionKind = 'event' | 'always' | 'after' | 'done' | 'error' | 'snapshot';

/** One edge: targetless transitions (actions only) are left out, they do not move the machine. */
export interface DescribedTransition {
  source: string;
  target: string;
  /** A readable label: the event type, `after 5s`, `always`, `done: runAttempt`, `error: runAttempt`. */
  event: string;
  kind: TransitionKind;
  /** The guard's name, when the transition has one. */
  guard: string | null;
}

export interface MachineDescription {
  id: string;
  /** Every state node, root first, in document order. */
  states: DescribedState[];
  transitions: DescribedTransition[];
}

/**
 * Describes a machine's states and transitions as plain data, so a page can draw it
 * without running XState (the watcher draws it with mermaid).
 *
 * Walks `machine.root`: `StateNode.transitions` already holds the `on` events,
 * `onDone`, the invoke `onDone`/`onError`/`onSnapshot` and the `after` delays
 * (xstate's formatTransitions); `always` is kept apart on `StateNode.always`.
 *
 * @example
 * const d = describeMachine(incidentMachine);
 * d.transitions.filter((t) => t.source === 'incident.retrying');
 */
export function describeMachine(machine: AnyStateMachine): MachineDescription {
  const states: DescribedState[] = [];
  const transitions: DescribedTransition[] = [];
  const visit = (node: AnyStateNode): void => {
    const parent = node.parent;
    states.push({
      id: node.id,
      key: node.key,
      path: node.path.join('.'),
      parent: parent ? parent.id : null,
      type: node.type,
      initial: parent ? isInitialChild(parent, node) : false,
      description: node.description ?? null,
    });
    for (const [eventType, defs] of node.transitions) {
      for (const def of defs) addEdges(transitions, node, def, eventType);
    }
    for (const def of node.always ?? []) addEdges(transitions, node, def, '');
    for (const child of Object.values(node.states)) visit(child);
  };
  visit(machine.root);
  return { id: machine.id, states, transitions };
}

type AnyTransition = AnyStateNode['transitions'] extends Map<string, Array<infer T>> ? T : never;

function addEdges(out: DescribedTransition[], node: AnyStateNode, def: AnyTransition, eventType: string): void {
  const { kind, label } = labelFor(node, def, eventType);
  const guard = guardName(def.guard);
  for (const target of def.target ?? []) {
    out.push({ source: node.id, target: target.id, event: label, kind, guard });
  }
}

function isInitialChild(parent: AnyStateNode, child: AnyStateNode): boolean {
  if (parent.type !== 'compound') return false;
  // `initial` is a getter that resolves the config; machines without one throw on it.
  try {
    return parent.initial.target.some((t: AnyStateNode) => t === child);
  } catch {
    return false;
  }
}

/** Turns xstate's internal event descriptors back into what a reader wrote in the config. */
function labelFor(node: AnyStateNode, def: AnyTransition, eventType: string): { kind: TransitionKind; label: string } {
  if (eventType === '') return { kind: 'always', label: 'always' };
  if ('delay' in def) return { kind: 'after', label: `after ${formatDelay((def as { delay: unknown }).delay)}` };
  const invoked = (prefix: string) => {
    const id = eventType.slice(prefix.length);
    const inv = node.invoke.find((i) => i.id === id);
    return typeof inv?.src === 'string' ? inv.src : id;
  };
  if (eventType.startsWith('xstate.done.actor.')) return { kind: 'done', label: `done: ${invoked('xstate.done.actor.')}` };
  if (eventType.startsWith('xstate.error.actor.')) return { kind: 'error', label: `error: ${invoked('xstate.error.actor.')}` };
  if (eventType.startsWith('xstate.snapshot.')) return { kind: 'snapshot', label: `snapshot: ${invoked('xstate.snapshot.')}` };
  if (eventType.startsWith('xstate.done.state.')) return { kind: 'done', label: 'done' };
  return { kind: 'event', label: eventType };
}

function formatDelay(delay: unknown): string {
  if (typeof delay === 'string') return delay;
  if (typeof delay !== 'number') return 'delay';
  if (delay % 3_600_000 === 0 && delay > 0) return `${delay / 3_600_000}h`;
  if (delay % 60_000 === 0 && delay > 0) return `${delay / 60_000}m`;
  if (delay % 1000 === 0) return `${delay / 1000}s`;
  return `${delay}ms`;
}

function guardName(guard: unknown): string | null {
  if (!guard) return null;
  if (typeof guard === 'string') return guard;
  if (typeof guard === 'function') return guard.name || 'guard';
  if (typeof guard === 'object' && 'type' in guard && typeof guard.type === 'string') return guard.type;
  return 'guard';
}
