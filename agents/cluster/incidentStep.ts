import { initialTransition, type SnapshotFrom } from 'xstate';
import type { ArmParams, AuditParams, IncidentContext, IncidentInput, NotifyParams } from '../../machines/incidentContext.js';
import type { IncidentEvent } from '../../machines/incidentEvents.js';
import { incidentMachine } from '../../machines/incidentMachine.js';
import type { PauseKind } from '../../machines/policies/mitigation.js';
import type { IncidentRecord, Responder, SettledDecision } from '../../machines/types.js';
import { persistedOf, recordOf, stateString } from '../incidents.js';
import { pureTransition } from './pureTransition.js';

export type IncidentSnapshot = SnapshotFrom<typeof incidentMachine>;

/**
 * What one step of an incident asks of the world: the machine's named actions, gathered
 * instead of run, so the host writes them in the step's transaction (or after it commits).
 */
export interface StepEffects {
  audit: AuditParams[];
  arm: ArmParams[];
  disarm: string[];
  /** Responder machine events, in order (assign on entering a stage, release on leaving it). */
  responders: Array<{ type: 'work.assign' | 'work.release'; responder: Responder }>;
  notify: NotifyParams[];
  settleDecision: { status: SettledDecision; by: string | null; at: number } | null;
  /** The pending decision's new timeout (the escalate policy's second wait), else null. */
  extendDecision: number | null;
  /** Cheryl's mitigation of an incident a joining failure made a P0/P1 after her triage: what it pauses. */
  mitigate: { kind: PauseKind; id: string } | null;
  liftMitigation: boolean;
  commissionReview: boolean;
  startFix: Responder | null;
  /** The retry attempt the machine invoked (`runAttempt`): run by a queued job, its result sent back. */
  attempt: { attempt: number; childId: string } | null;
}

export interface Step {
  record: IncidentRecord;
  effects: StepEffects;
  /** False when the machine ignored the event (a stale or duplicate one). */
  changed: boolean;
}

/** An incident's snapshot from its record (the record holds the context; the snapshot the rest). */
export function snapshotOf(record: IncidentRecord): IncidentSnapshot {
  const saved = record.snapshot as { value: IncidentSnapshot['value']; context: Partial<IncidentContext> };
  const { path: _p, snapshot: _s, state: _st, status: _su, ...fields } = record;
  return incidentMachine.resolveState({ value: saved.value, context: { ...fields, ...saved.context } as IncidentContext });
}

/**
 * The single-process host's incident machine, driven by XState's pure transitions:
 * load snapshot → transition → the next record and the effects to apply. No I/O.
 * @example const { record, effects } = stepIncident(record, { type: 'retry.due', at }, now);
 */
export function stepIncident(record: IncidentRecord, event: IncidentEvent | { type: string; output?: unknown }, now: string): Step {
  const before = snapshotOf(record);
  const [next, actions] = pureTransition(incidentMachine, before, event as IncidentEvent);
  const changed = next !== before && (next.value !== before.value || next.context !== before.context || actions.length > 0);
  return { record: recordFrom(next, record.path, now), effects: gather(actions), changed };
}

/** A new incident: the initial transition from its input (detected → retrying or triaged). */
export function openIncident(input: IncidentInput, now: string): Step {
  const [next, actions] = initialTransition(incidentMachine, input);
  return { record: recordFrom(next, [], now), effects: gather(actions), changed: true };
}

function recordFrom(next: IncidentSnapshot, path: IncidentRecord['path'], now: string): IncidentRecord {
  const state = stateString(next.value);
  const nextPath = path.at(-1)?.state === state ? path : [...path, { at: now, state }];
  return recordOf(next.context, state, nextPath, next.status === 'done' ? undefined : persistedOf(next));
}

type Gathered = { type: string; params?: unknown };

function gather(actions: readonly Gathered[]): StepEffects {
  const fx: StepEffects = { audit: [], arm: [], disarm: [], responders: [], notify: [], settleDecision: null, extendDecision: null, mitigate: null, liftMitigation: false, commissionReview: false, startFix: null, attempt: null };
  for (const action of actions) {
    const p = action.params as never;
    switch (action.type) {
      case 'audit': fx.audit.push(p); break;
      case 'arm': fx.arm.push(p); break;
      case 'disarm': fx.disarm.push(...(p as { kinds: string[] }).kinds); break;
      case 'assignResponder': fx.responders.push({ type: 'work.assign', responder: (p as { responder: Responder }).responder }); break;
      case 'releaseResponder': fx.responders.push({ type: 'work.release', responder: (p as { responder: Responder }).responder }); break;
      case 'notify': fx.notify.push(p); break;
      case 'settleDecision': fx.settleDecision = p; break;
      case 'extendDecision': fx.extendDecision = (p as { timeoutAt: number }).timeoutAt; break;
      case 'mitigate': fx.mitigate = p; break;
      case 'liftMitigation': fx.liftMitigation = true; break;
      case 'commissionReview': fx.commissionReview = true; break;
      case 'startFix': fx.startFix = (p as { owner: Responder }).owner; break;
      case 'xstate.spawnChild': {
        const spawn = p as { id: string; src: string; input: { attempt: number } };
        if (spawn.src === 'runAttempt') fx.attempt = { attempt: spawn.input.attempt, childId: spawn.id };
        break;
      }
      // xstate.stopChild: the attempt's job ends by itself; nothing else is left to run.
    }
  }
  return fx;
}
