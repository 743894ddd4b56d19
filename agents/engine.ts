import { incidentMachine } from '../machines/incidentMachine.js';
import { responderMachine } from '../machines/responderMachine.js';
import { workerMachine } from '../machines/workerMachine.js';
import type { JobRecord, Responder } from '../machines/types.js';
import type { Store } from '../store/types.js';
import { fingerprintOf } from '../machines/policies/fingerprint.js';
import { buildReview } from '../reports/review.js';
import { postgresTargetOf } from '../store/postgres/targets.js';
import { checkClusterSettings, createClusterEngine } from './cluster/clusterEngine.js';
import { assess } from './atlas.js';
import { BOARD, Chairman } from './chairman.js';
import { triage } from './cheryl.js';
import { createFleet, holdsPause, type PauseKind } from './fleet.js';
import { Incidents } from './incidents.js';
import { listenerFailed } from './listenerFailure.js';
import { coordinate, type RecentFailure } from './petra.js';
import { Responders } from './responders.js';
import { HAND_OVER, isoAt, runtimeOf, type Runtime } from './runtime.js';
import { checkAnswer, checkJob, checkResolve, incidentGoneError, settledError, stoppedError } from './engineCalls.js';
import { checkEngineOptions } from './engineOptions.js';
import { failureImpact, failureInput } from './failureInput.js';
import { EngineError, type EngineEvent, type EngineOptions, type EngineArguments, type IncidentEngine, type JobInputs, type JobKinds, type JobSpec, type NoInference } from './types.js';
import { messageOf } from './errorText.js';
import { Workers } from './workers.js';

const STAGE: Record<Responder, string> = { cheryl: 'triaged', petra: 'coordinated', atlas: 'executive' };

/**
 * The stores a single-process engine runs over, each with that engine's claim, until its
 * stop() ends: a second engine would restore each open incident again and run its retries
 * and deadlines twice. Only the claim's own engine lets go of it: a stop() called again, once
 * the next engine has the store, leaves that one's.
 */
const engineStores = new WeakMap<Store, object>();
const RECENT_WINDOW_MS = 3_600_000;

/**
 * The incident-response engine for an agent platform: worker agents run jobs, a
 * failure opens an incident actor that retries and climbs Cheryl → Petra → Atlas,
 * and every step lands in the store's audit trail. Durable: created over a store
 * that holds open incidents, it restores them and re-arms their deadlines.
 *
 * @example
 * const store = await openStore('incidents.json');
 * const engine = createIncidentEngine({ store, jobs: { sendInvoices } });
 * engine.subscribe((e) => e.type === 'audit' && console.log(e.entry.action));
 * engine.submit({ kind: 'sendInvoices', agent: 'billing-agent', workflow: 'invoice-run' });
 *
 * @example
 * // Typed per kind: `jobs` needs a runner for each kind, `submit` each kind's input.
 * const typed = createIncidentEngine<{ sendInvoices: { batch: string } }>({ store, jobs: { sendInvoices: async ({ input }) => post(input.batch) } });
 * typed.submit({ kind: 'sendInvoices', agent: 'billing-agent', input: { batch: 'b-7' } });
 */
export function createIncidentEngine<Jobs extends JobKinds = JobInputs>(...args: EngineArguments<Jobs>): IncidentEngine<NoInference<Jobs>> {
  // Typed per kind or not, the same engine: the types only check what callers pass (types.ts).
  const [options = {}] = args as [EngineOptions?];
  return createEngine(options) as IncidentEngine<NoInference<Jobs>>;
}

function createEngine(options: EngineOptions): IncidentEngine {
  checkEngineOptions(options);
  // Checked in one process too: the same options often serve both (a file store in development).
  checkClusterSettings(options.cluster);
  // A PostgreSQL store opened read-only: one of N processes on the database; the cluster host writes.
  const target = options.store?.readonly ? postgresTargetOf(options.store) : undefined;
  if (target) return createClusterEngine(options, target, options.cluster);
  if (options.store?.readonly) {
    throw new EngineError(`options.store: ${options.store.path ?? 'the memory store'} is open read-only; an engine writes to its store: open it without { readonly: true }`);
  }
  if (options.store && engineStores.has(options.store)) {
    throw new EngineError(`options.store: another engine runs over ${options.store.path ?? 'this memory store'} and has not been stopped; a second one would run each open incident's retries and deadlines twice: await the first one's stop() before creating another`);
  }
  const listeners = new Set<(event: EngineEvent) => void>();
  const rt: Runtime = runtimeOf(options, (event) => {
    if (event.type === 'incident') {
      chairman.saved(event.incident.id);
      if (event.incident.status === 'closed' && event.incident.jobId) workers.forget(event.incident.jobId);
    }
    for (const listener of listeners) {
      // A subscriber's bug must not stop the engine's own step half way (an incident
      // never opened, a job's `done` never settled): it goes to the audit log instead.
      try {
        listener(event);
      } catch (error) {
        listenerFailedAudit(event, error);
      }
    }
  });
  /** Written to the store only, not emitted: a listener that always throws must not loop. */
  function listenerFailedAudit(event: EngineEvent, error: unknown): void {
    try {
      rt.store.appendAudit(listenerFailed(rt, event, error));
    } catch {
      // The store is closed (the engine is stopping): there is nowhere left to record it.
    }
  }
  const recent: RecentFailure[] = [];
  const fleet = createFleet(rt, (kind, id, paused) => workers.setPaused(kind, id, paused));

  const incidents: Incidents = new Incidents(rt, {
    runAttempt: (incident, attempt) =>
      incident.jobId ? workers.rerun(incident.jobId, attempt) : Promise.resolve({ ok: false, at: rt.clock.now(), error: 'no job to re-run' }),
    assign: (responder, id) => responders.assign(responder, id),
    release: (responder, id) => responders.release(responder, id),
    notify: (incident, { from, to, subject, body, channel = 'internal' }) =>
      rt.store.put('notifications', { id: rt.ids('ntf'), ts: isoAt(rt.clock.now()), from, to, channel, subject, body, incidentId: incident.id }),
    startFix: (incident, owner) => options.onFix?.(incident, owner),
    settleDecision: (incident, status, by, at) => {
      const decision = incident.decisionId ? rt.store.get('decisions', incident.decisionId) : undefined;
      if (!decision) return;
      const settled = { ...decision, status, by, answeredAt: isoAt(at) };
      rt.store.put('decisions', settled);
      rt.emit({ type: 'decision', decision: settled });
    },
    extendDecision: (incident, timeoutAt) => {
      const decision = incident.decisionId ? rt.store.get('decisions', incident.decisionId) : undefined;
      if (decision?.status !== 'pending') return;
      const extended = { ...decision, timeoutAt: isoAt(timeoutAt) };
      rt.store.put('decisions', extended);
      rt.emit({ type: 'decision', decision: extended });
    },
    mitigate: (incident, kind, id) => fleet.pause(kind, id, incident.id),
    // What this incident paused resumes, unless another open incident's mitigation paused it too
    // (it holds it from now on): one incident's fix does not lift another's pause.
    liftMitigation: (incident) => {
      const lift = (kind: PauseKind, id: string) => {
        const holder = incidents.openIds().find((other) => other !== incident.id && holdsPause(incidents.contextOf(other), kind, id));
        if (holder) fleet.handOver(kind, id, incident.id, holder);
        else fleet.resume(kind, id, incident.id);
      };
      for (const row of rt.store.list('workflows', { pausedBy: incident.id })) lift('workflow', row.id);
      for (const row of rt.store.list('agents', { pausedBy: incident.id })) lift('agent', row.id);
    },
    // On the next turn: the review reads the incident as persisted after this transition.
    commissionReview: (incident) => void rt.clock.setTimeout(() => publishReview(incident.id), 0),
  }, (row) => {
    if (row.incidentId === BOARD) chairman.weekly(row.dueAt);
  });
  const chairman = new Chairman(rt, incidents.deadlines);
  // Read before the responders' actors start: they rewrite their rows, empty, as they do.
  const heldBefore = new Map(rt.store.list('responders').map((row) => [row.id, [...row.active, ...row.queue]]));
  const responders = new Responders(rt, options.responders ?? {}, (responder, id) => acknowledge(responder, id));
  const workers = new Workers(rt, options.jobs ?? {}, (job, error, spec) => onFailure(job, error, spec));

  function acknowledge(responder: Responder, id: string): void {
    const at = rt.clock.now();
    if (!incidents.send(id, { type: 'responder.ack', at, responder })) return;
    work(responder, id, at);
  }

  /** The responder's duty, once the incident is in their hands. */
  function work(responder: Responder, id: string, at: number): void {
    if (incidents.stateOf(id) !== `${STAGE[responder]}.working`) return;
    const ctx = incidents.contextOf(id);
    const cutoff = at - RECENT_WINDOW_MS;
    while (recent.length > 0 && recent[0].at < cutoff) recent.shift();
    const event = responder === 'cheryl' ? triage(rt, fleet, ctx, at) : responder === 'petra' ? coordinate(rt, ctx, at, recent) : assess(rt, ctx, at);
    incidents.send(id, event);
    // Only now is the incident awaiting the decision: a listener may answer it at once.
    const decision = event.type === 'executive.assessed' && event.decisionId ? rt.store.get('decisions', event.decisionId) : undefined;
    if (decision) rt.emit({ type: 'decision', decision });
  }

  function publishReview(id: string): void {
    if (incidents.stateOf(id) !== 'reviewing') return;
    const at = rt.clock.now();
    const { document, followups } = buildReview(rt.store, id, { now: isoAt(at), ids: rt.ids });
    rt.store.put('kb_documents', document);
    for (const f of followups) rt.store.put('followups', f);
    incidents.send(id, { type: 'review.published', at, documentId: document.id });
  }

  /** Spec, Step 1: the engine loop caught a job's error; open an incident or join the open one. */
  function onFailure(job: JobRecord, error: unknown, spec: JobSpec | undefined): void {
    const at = rt.clock.now();
    recent.push({ at, agent: job.agent, workflow: job.workflow, tenant: job.tenant });
    const message = messageOf(error);
    const fingerprint = fingerprintOf({ message, rootCause: spec?.rootCause, agent: job.agent, workflow: job.workflow });
    const match = incidents.match(fingerprint);
    if (match.open) {
      // Retries re-run the incident's own job, never one that joined it.
      workers.forget(job.id);
      rt.store.put('jobs', { ...job, incidentId: match.open }, HAND_OVER);
      incidents.send(match.open, { type: 'failure.attached', at, jobId: job.id, impact: failureImpact(spec, error, options.assess) });
      return;
    }
    const id = rt.ids('inc');
    rt.store.put('jobs', { ...job, incidentId: id }, HAND_OVER);
    incidents.start(failureInput({ id, fingerprint, repeatOf: match.previous, job, error, spec, at, assess: options.assess, policy: rt.policy }));
  }

  // Fleet and tenants first: Cheryl reads tenant admins, workers read pauses.
  for (const t of options.tenants ?? []) if (!rt.store.get('tenants', t.id)) rt.store.put('tenants', t);
  for (const a of options.agents ?? []) {
    if (!rt.store.get('agents', a.id)) {
      rt.store.put('agents', { id: a.id, tenant: a.tenant ?? null, workflows: a.workflows ?? [], status: 'active', pausedBy: null, updatedAt: isoAt(rt.clock.now()) });
    }
  }
  restore();
  chairman.start();
  const claim = {};
  engineStores.set(rt.store, claim);
  let stopped = false;

  /** Brings back what the store holds: open incidents, their deadlines, the responders' hands, waiting jobs. */
  function restore(): void {
    for (const record of rt.store.list('incidents')) {
      if (record.status === 'closed' || !record.snapshot) incidents.remember(record);
      else incidents.restore(record);
    }
    incidents.deadlines.restore();
    const open = incidents.openIds().map((id) => {
      const state = incidents.stateOf(id)!;
      const [stage, sub] = state.split('.');
      return { id, state, sub, responder: (Object.keys(STAGE) as Responder[]).find((r) => STAGE[r] === stage) };
    });
    // Acknowledged incidents go back into their responder's hands first, so that a waiting
    // one does not take their place beyond capacity; the waiting ones queue again in the
    // order their responder held them.
    for (const { id, responder, sub } of open) if (responder && sub !== 'queued') responders.resume(responder, id);
    const rank = (responder: Responder, id: string) => {
      const at = heldBefore.get(responder)?.indexOf(id) ?? -1;
      return at < 0 ? Infinity : at;
    };
    const waiting = open.filter((o) => o.responder && o.sub === 'queued');
    waiting.sort((a, b) => rank(a.responder!, a.id) - rank(b.responder!, b.id));
    for (const { id, responder } of waiting) responders.assign(responder!, id);
    for (const { id, responder, sub, state } of open) {
      if (responder && sub === 'working') work(responder, id, rt.clock.now());
      // The owner was working on the fix when the engine stopped: tell the host again.
      if (responder && sub === 'fixing') options.onFix?.(incidents.contextOf(id), responder);
      if (state === 'reviewing') rt.clock.setTimeout(() => publishReview(id), 0);
    }
    for (const job of rt.store.list('jobs')) {
      if (job.status === 'queued' || (job.status === 'running' && job.incidentId === null)) workers.requeue(job);
    }
  }

  return {
    store: rt.store,
    clock: rt.clock,
    ready: Promise.resolve(),
    machines: { incident: incidentMachine, responder: responderMachine, worker: workerMachine },
    submit(job) {
      if (stopped) throw stoppedError('submit');
      checkJob(job, options.jobs);
      return workers.submit(job, job.startedAt);
    },
    decide(decisionId, answer, by) {
      if (stopped) throw stoppedError('decide');
      checkAnswer(answer, by);
      const decision = rt.store.get('decisions', decisionId);
      if (!decision) throw new EngineError(`no decision "${decisionId}"`);
      if (decision.status !== 'pending') throw settledError(decisionId, decision);
      // A store written before resolving withdrew the decision can hold one pending for a closed incident: nothing would take the answer.
      if (!incidents.send(decision.incidentId, { type: 'decision.answered', at: rt.clock.now(), answer, by })) throw incidentGoneError(decisionId, decision.incidentId);
    },
    resolve(incidentId, opts = {}) {
      if (stopped) throw stoppedError('resolve');
      checkResolve(opts);
      if (!incidents.has(incidentId)) throw new EngineError(`incident "${incidentId}" is not open`);
      incidents.send(incidentId, { type: 'incident.resolve', at: rt.clock.now(), by: opts.by ?? 'engine', ...(opts.note ? { note: opts.note } : {}), ...(opts.rootCause ? { rootCause: opts.rootCause } : {}), ...(opts.whys ? { whys: opts.whys } : {}) });
    },
    pendingDecisions: () => rt.store.list('decisions', { status: 'pending' }),
    pendingDecisionsNow: async () => rt.store.list('decisions', { status: 'pending' }),
    stateOf: (id) => incidents.stateOf(id),
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async stop() {
      stopped = true;
      // No job run starts from here on, and one that ends writes nothing (the caller may close
      // the store once this resolves). A failure recorded just before opens its incident
      // while the first flush waits; then the incidents stop, their records written.
      workers.stop();
      try {
        await rt.store.flush();
        incidents.stop();
        responders.stop();
        await rt.store.flush();
      } finally {
        if (engineStores.get(rt.store) === claim) engineStores.delete(rt.store);
      }
    },
  };
}

