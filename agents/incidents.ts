import { createActor, fromPromise, type Actor, type AnyActorRef, type SnapshotFrom } from 'xstate';
import { incidentMachine } from '../machines/incidentMachine.js';
import type { AttemptOutcome, IncidentEvent } from '../machines/incidentEvents.js';
import type { IncidentContext, IncidentInput, NotifyParams } from '../machines/incidentContext.js';
import type { DeadlineRecord, IncidentRecord, IncidentStatus, Responder, SettledDecision } from '../machines/types.js';
import { Deadlines } from './deadlines.js';
import { HAND_OVER, isoAt, writeAudit, type Runtime } from './runtime.js';
import { inCanonicalOrder } from '../store/canonicalJson.js';

type IncidentActor = Actor<typeof incidentMachine>;
type IncidentSnapshot = SnapshotFrom<typeof incidentMachine>;

/** What the incident actors ask of the rest of the engine (the effects they name). */
export interface IncidentEffects {
  runAttempt(incident: IncidentContext, attempt: number): Promise<AttemptOutcome>;
  assign(responder: Responder, incidentId: string): void;
  release(responder: Responder, incidentId: string): void;
  notify(incident: IncidentContext, notice: NotifyParams): void;
  startFix(incident: IncidentContext, owner: Responder): void;
  settleDecision(incident: IncidentContext, status: SettledDecision, by: string | null, at: number): void;
  /** The pending decision waits until `timeoutAt` now (the escalate policy's second wait). Required: a host left without it would show the time gone by; one that keeps no decision rows does nothing. */
  extendDecision(incident: IncidentContext, timeoutAt: number): void;
  /** Pauses an agent or workflow for the incident (Cheryl's mitigation of one a join made a P0/P1 after her triage). Required, as `extendDecision`: a host left without it would leave the incident's agent or workflow running. */
  mitigate(incident: IncidentContext, kind: 'agent' | 'workflow', id: string): void;
  liftMitigation(incident: IncidentContext): void;
  commissionReview(incident: IncidentContext): void;
}

/**
 * The state value as a dotted path ("executive.awaitingDecision"). A path of two states is
 * made once and looked up after: it is asked for on every transition of every incident,
 * and each record and path step then holds the same string, not one made for it.
 */
export function stateString(value: unknown): string {
  if (typeof value === 'string') return value;
  const parent = value as Record<string, unknown>;
  for (const key in parent) {
    const child = parent[key];
    if (typeof child !== 'string') return `${key}.${stateString(child)}`;
    let paths = TWO_STATE_PATHS.get(key);
    if (paths === undefined) TWO_STATE_PATHS.set(key, (paths = new Map()));
    let path = paths.get(child);
    if (path === undefined) paths.set(child, (path = `${key}.${child}`));
    return path;
  }
  return '';
}

/** Parent state → child state → their dotted path (as many as the machines have such pairs). */
const TWO_STATE_PATHS = new Map<string, Map<string, string>>();

/** The top state of a dotted path ("executive" of "executive.awaitingDecision"). */
function topState(state: string): string {
  const dot = state.indexOf('.');
  return dot === -1 ? state : state.slice(0, dot);
}

/** The record's status in each top state; `reviewing` depends on how the incident was resolved (see statusOf). */
const STATUS_OF: Record<string, IncidentStatus | ((c: IncidentContext) => IncidentStatus)> = {
  detected: 'detected',
  retrying: 'retrying',
  triaged: 'triaged',
  coordinated: 'coordinated',
  executive: 'executive',
  resolved: 'resolved',
  // Under review after a retry resolved it (a P0 or P1), it is still auto-resolved, as its review says.
  reviewing: (c) => (c.autoResolved ? 'auto_resolved' : 'resolved'),
  autoResolved: 'auto_resolved',
  closed: 'closed',
};

/** The status a record shows for a state path (`detected` for a state the map does not know). */
function statusOf(state: string, c: IncidentContext): IncidentStatus {
  const status = STATUS_OF[topState(state)] ?? 'detected';
  return typeof status === 'function' ? status(c) : status;
}

/**
 * The incident actors: one root actor per open incident on the shared clock (not
 * children of one parent: spawning thousands of children is quadratic), each record
 * written once per burst of transitions (see persist), and stopped once closed.
 */
export class Incidents {
  readonly machine;
  readonly deadlines: Deadlines;
  private readonly live = new Map<string, Live>();
  /** Root-cause fingerprint → open incident, and → the last closed one (for repeats). */
  private readonly open = new Map<string, string>();
  private readonly closed = new Map<string, string>();
  /** Incidents that changed since the last flush, in the order they first changed. */
  private dirty = new Set<Live>();
  private flushScheduled = false;

  constructor(
    private readonly rt: Runtime,
    effects: IncidentEffects,
    /** Deadlines owned by something other than an open incident (the board's weekly summary). */
    otherDeadline: (row: DeadlineRecord) => void = () => {},
  ) {
    this.deadlines = new Deadlines(rt, (row) => {
      if (!this.send(row.incidentId, row.event as IncidentEvent)) otherDeadline(row);
    });
    this.machine = incidentMachine.provide({
      actors: {
        runAttempt: fromPromise<AttemptOutcome, { incidentId: string; attempt: number }>(({ input }) =>
          effects.runAttempt(this.contextOf(input.incidentId), input.attempt),
        ),
      },
      actions: {
        audit: ({ context }, p) => writeAudit(rt, 'incident', context.id, p),
        arm: ({ context }, p) => this.deadlines.arm(context.id, p),
        disarm: ({ context }, p) => this.deadlines.disarm(context.id, p.kinds),
        assignResponder: ({ context }, p) => effects.assign(p.responder, context.id),
        releaseResponder: ({ context }, p) => effects.release(p.responder, context.id),
        notify: ({ context }, p) => effects.notify(context, p),
        startFix: ({ context }, p) => effects.startFix(context, p.owner),
        settleDecision: ({ context }, p) => effects.settleDecision(context, p.status, p.by, p.at),
        extendDecision: ({ context }, p) => effects.extendDecision(context, p.timeoutAt),
        mitigate: ({ context }, p) => effects.mitigate(context, p.kind, p.id),
        liftMitigation: ({ context }) => effects.liftMitigation(context),
        commissionReview: ({ context }) => effects.commissionReview(context),
      },
    });
  }

  /** The open incident with this fingerprint, if any (dedup), else the last closed one (repeat). */
  match(fingerprint: string): { open: string | null; previous: string | null } {
    return { open: this.open.get(fingerprint) ?? null, previous: this.closed.get(fingerprint) ?? null };
  }

  start(input: IncidentInput): void {
    this.open.set(input.fingerprint, input.id);
    this.run(createActor(this.machine, { input, clock: this.rt.clock }), []);
  }

  /** Brings back an open incident from its persisted snapshot. */
  restore(record: IncidentRecord): void {
    this.open.set(record.fingerprint, record.id);
    const saved = record.snapshot as IncidentSnapshot;
    // The record's fields are the context; the snapshot keeps only what the record lacks
    // (an older store kept the whole context there: it wins, being the actor's own copy).
    const { path: _p, snapshot: _s, state: _st, status: _su, ...fields } = record;
    const snapshot = { ...saved, context: { ...fields, ...saved.context } } as IncidentSnapshot;
    // The record's path is the store's: shared, so copied before the next state is added.
    this.run(createActor(this.machine, { snapshot, input: snapshot.context, clock: this.rt.clock }), record.path, true);
  }

  /** Records a closed incident's fingerprint so a later match counts as a repeat. */
  remember(record: IncidentRecord): void {
    this.closed.set(record.fingerprint, record.id);
  }

  send(id: string, event: IncidentEvent): boolean {
    const live = this.live.get(id);
    if (!live) return false;
    live.actor.send(event);
    return true;
  }

  has(id: string): boolean {
    return this.live.has(id);
  }

  stateOf(id: string): string | null {
    const live = this.live.get(id);
    return live ? stateString(live.actor.getSnapshot().value) : null;
  }

  contextOf(id: string): IncidentContext {
    const live = this.live.get(id);
    if (!live) throw new Error(`incident-flow: incident ${id} is not open`);
    return live.actor.getSnapshot().context;
  }

  openIds(): string[] {
    return [...this.live.keys()];
  }

  stop(): void {
    this.flush();
    this.deadlines.stop();
    for (const { actor } of this.live.values()) actor.stop();
    this.live.clear();
  }

  private run(actor: IncidentActor, path: IncidentRecord['path'], shared = false): void {
    const snapshot = actor.getSnapshot() as IncidentSnapshot;
    const id = snapshot.context?.id;
    const live: Live = { actor, path, shared, snapshot, state: '' };
    // Registered before start so effects run during the first transition can reach it.
    if (id) this.live.set(id, live);
    actor.subscribe({
      next: (next) => this.persist(live, next),
      error: (err) => {
        writeAudit(this.rt, 'incident', id ?? 'unknown', { at: this.rt.clock.now(), actor: 'engine', action: 'incident.actor_error', level: 'error', message: `The incident actor failed: ${String(err)}`, meta: { error: String(err) } });
      },
    });
    actor.start();
    this.persist(live, actor.getSnapshot());
  }

  /**
   * Called on every transition. The state path is kept at once; the record (with
   * its persisted snapshot, the costly part) is written once per burst of events,
   * in a microtask: a chain of transitions made in one go costs one write.
   */
  private persist(live: Live, snapshot: IncidentSnapshot): void {
    const c = snapshot.context;
    const state = stateString(snapshot.value);
    if (state !== live.state && live.path.at(-1)?.state !== state) {
      const step = { at: isoAt(this.rt.clock.now()), state };
      // The last record written holds the path as it was: add to a copy (once per write).
      if (live.shared) {
        live.path = [...live.path, step];
        live.shared = false;
      } else live.path.push(step);
    }
    live.snapshot = snapshot;
    live.state = state;
    this.dirty.add(live);
    if (snapshot.status === 'done') {
      // Dedup and repeat lookups must see the close at once, not after the write.
      this.live.delete(c.id);
      if (this.open.get(c.fingerprint) === c.id) this.open.delete(c.fingerprint);
      this.closed.set(c.fingerprint, c.id);
    }
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      queueMicrotask(() => this.flush());
    }
  }

  /** Writes the records of incidents that changed since the last flush. */
  flush(): void {
    this.flushScheduled = false;
    const batch = this.dirty;
    this.dirty = new Set();
    for (const live of batch) {
      const { actor, snapshot, state } = live;
      const done = snapshot.status === 'done';
      // The record holds the path itself (not a copy); the next state added copies it.
      live.shared = true;
      const record = recordOf(snapshot.context, state, live.path, done ? undefined : persistedSnapshot(actor));
      // Built here for this put: the store keeps it as it is, and listeners get the same object.
      this.rt.store.put('incidents', record, HAND_OVER);
      this.rt.emit({ type: 'incident', incident: record });
      if (done) actor.stop();
    }
  }
}

/** An open incident's actor and what is kept of it between two writes of its record. */
interface Live {
  readonly actor: IncidentActor;
  /** The states it went through, with when. */
  path: IncidentRecord['path'];
  /** `path` is held by a record written since it last grew: copy it before adding to it. */
  shared: boolean;
  /** Its latest snapshot, and that snapshot's state value as a dotted path. */
  snapshot: IncidentSnapshot;
  state: string;
}

/**
 * The actor's persisted snapshot less the context fields the record already holds:
 * an open incident's context is written once per commit, not twice. It is what XState's
 * `getPersistedSnapshot` gives for the snapshot with the lean context (tests/
 * enginePersisted.test.ts holds the two equal), built here field by field: XState's copies
 * the snapshot with a rest spread, about 3.8 µs a record against 0.1, once per burst.
 */
export function persistedSnapshot(actor: IncidentActor): unknown {
  const s = actor.getSnapshot();
  // In sorted key order, as the rest of the record (XState puts context and children last,
  // and an invoked attempt's snapshot is out of order too): the store's canonical JSON then
  // takes the record as it is at each commit, instead of sorting a copy of all of it.
  // The lean context is plain data (no actor in it), which XState would persist as it is.
  return { children: persistedChildren(s.children), context: leanContext(s.context), error: s.error, historyValue: persistedHistory(s.historyValue), output: s.output, status: s.status, value: s.value };
}

/** What XState reads of an invoked child to persist it. */
type ChildActor = Pick<AnyActorRef, 'getPersistedSnapshot' | 'src'> & { systemId?: string; _syncSnapshot?: boolean };

/** The invoked children as XState persists them (see its getPersistedSnapshot), in canonical key order. */
function persistedChildren(children: IncidentSnapshot['children']): unknown {
  const json: Record<string, unknown> = {};
  for (const id in children) {
    const child = (children as Record<string, ChildActor>)[id];
    json[id] = { snapshot: child.getPersistedSnapshot(), src: child.src, systemId: child.systemId, syncSnapshot: child._syncSnapshot };
  }
  return inCanonicalOrder(json);
}

/** The history value as XState persists it: each history state's nodes by id (the incident machine has none). */
function persistedHistory(history: unknown): Record<string, Array<{ id: string }>> {
  const json: Record<string, Array<{ id: string }>> = {};
  if (typeof history !== 'object' || history === null) return json;
  for (const key in history) {
    const nodes = (history as Record<string, unknown>)[key];
    if (Array.isArray(nodes)) json[key] = nodes.map((node: { id: string }) => ({ id: node.id }));
  }
  return json;
}

/** A persisted snapshot less the context the record holds (both hosts store this form). */
export function persistedOf(snapshot: IncidentSnapshot): unknown {
  const { context, ...rest } = snapshot;
  return { ...rest, context: leanContext(context) };
}

/** What an incident's persisted snapshot keeps of its context: what the record lacks. */
function leanContext(context: IncidentContext): IncidentContext {
  return { attemptStartedAt: context.attemptStartedAt, decisionAnswer: context.decisionAnswer, decisionTimeouts: context.decisionTimeouts } as IncidentContext;
}

/**
 * An incident's record: its context less the actor's own bookkeeping, plus where it
 * stands. Built field by field with the keys in sorted order, so the store's canonical
 * JSON takes it as it is instead of sorting a copy (one per record, many per second).
 */
export function recordOf(c: IncidentContext, state: string, path: IncidentRecord['path'], snapshot: unknown): IncidentRecord {
  return {
    agent: c.agent,
    assignee: c.assignee,
    attached: c.attached,
    autoResolved: c.autoResolved,
    closedAt: c.closedAt,
    coordination: c.coordination,
    decisionId: c.decisionId,
    detectedAt: c.detectedAt,
    error: c.error,
    escalations: c.escalations,
    failure: c.failure,
    failureStartedAt: c.failureStartedAt,
    findings: c.findings,
    fingerprint: c.fingerprint,
    id: c.id,
    impact: c.impact,
    jobId: c.jobId,
    path,
    policy: c.policy,
    repeatOf: c.repeatOf,
    resolvedAt: c.resolvedAt,
    respondedAt: c.respondedAt,
    retries: c.retries,
    reviewId: c.reviewId,
    rootCause: c.rootCause,
    severity: c.severity,
    slaBreaches: c.slaBreaches,
    // Left out of the JSON when undefined (a closed incident needs no actor to restore).
    snapshot,
    state,
    status: statusOf(state, c),
    tenant: c.tenant,
    whys: c.whys,
    workflow: c.workflow,
  };
}
