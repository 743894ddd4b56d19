import type { AttemptOutcome, IncidentEvent } from './incidentEvents.js';
import { auditOf, iso, ms, nextInChain, slaDeadlines, type ArmParams, type AuditParams, type IncidentContext, type NotifyParams } from './incidentContext.js';
import { STATUS_CADENCE_MS } from './policies/config.js';
import { twoHourRuleDueAt } from './policies/escalation.js';
import { classify, impactOf, mergeImpact, worseSeverity } from './policies/classification.js';
import { mitigationTarget, type PauseKind } from './policies/mitigation.js';
import { isSerious, responseDueAt, SEVERITY_TABLE } from './policies/severity.js';

import type { Responder, RetryRecord, SettledDecision } from './types.js';

/**
 * The steps of the incident machine, as functions over its context that enqueue
 * named actions. Each computes the next context first, so the audit entry it
 * writes already shows the step's outcome.
 */
export type Action =
  | { type: 'audit'; params: AuditParams }
  | { type: 'arm'; params: ArmParams }
  | { type: 'disarm'; params: { kinds: readonly string[] } }
  | { type: 'assignResponder'; params: { responder: Responder } }
  | { type: 'releaseResponder'; params: { responder: Responder } }
  | { type: 'notify'; params: NotifyParams }
  | { type: 'settleDecision'; params: { status: SettledDecision; by: string | null; at: number } }
  | { type: 'extendDecision'; params: { timeoutAt: number } }
  | { type: 'mitigate'; params: { kind: PauseKind; id: string } };

export interface Enqueue {
  (action: Action): void;
  assign(values: Partial<IncidentContext>): void;
}

type Args = { context: IncidentContext; event: IncidentEvent; enqueue: Enqueue };


export function lastEscalationAt(ctx: IncidentContext): number {
  const last = ctx.escalations.at(-1);
  return last ? ms(last.at) : ms(ctx.detectedAt);
}

/** Step 2: one retry attempt is logged with its number, delay and outcome. */
export function recordAttempt(ctx: IncidentContext, outcome: AttemptOutcome, enqueue: Enqueue): void {
  const attempt = ctx.retries.length + 1;
  const delayMs = ctx.policy.RETRY_DELAYS_MS[ctx.retries.length];
  const at = iso(outcome.at);
  const result: RetryRecord['outcome'] = outcome.ok ? 'succeeded' : 'failed';
  // Keys in sorted order throughout: the store then serializes records without sorted copies.
  const record = outcome.error ? { at, attempt, delayMs, error: outcome.error, outcome: result } : { at, attempt, delayMs, outcome: result };
  const next: IncidentContext = { ...ctx, retries: [...ctx.retries, record], autoResolved: outcome.ok };
  enqueue.assign({ retries: next.retries, autoResolved: next.autoResolved });
  enqueue({ type: 'audit', params: auditOf(next, outcome.at, 'engine', 'incident.retry', `Retry attempt ${attempt} (after ${delayMs / 1000} s) ${result}`, { attempt, delayMs, outcome: result, error: outcome.error ?? null }) });
  if (outcome.ok) {
    const resolved = { ...next, resolvedAt: iso(outcome.at) };
    enqueue.assign({ resolvedAt: resolved.resolvedAt });
    enqueue({ type: 'audit', params: auditOf(resolved, outcome.at, 'engine', 'incident.resolved', `Incident ${ctx.id} auto-resolved on attempt ${attempt}; no escalation`, { autoResolved: true, attempt }) });
  }
}

type Attached = Extract<IncidentEvent, { type: 'failure.attached' }>;

/**
 * The incident as a failure joining it leaves it: the failure's impact merged in and the
 * severity raised when that impact is worse (a platform-down failure with the root cause of an
 * open P2 makes it a P0), never lowered. A joining failure without an impact, or one joining an
 * incident already resolved (awaiting its review), changes neither.
 */
export function joinedContext(ctx: IncidentContext, event: Attached): IncidentContext {
  const attached = ctx.attached + 1;
  // Resolved (a P0/P1 awaiting its review): the response is over, nothing is raised or re-armed.
  if (!event.impact || ctx.resolvedAt !== null) return { ...ctx, attached };
  const impact = mergeImpact(ctx.impact ?? impactOf(), event.impact);
  const severity = ctx.severity === null ? classify(impact) : worseSeverity(ctx.severity, classify(impact));
  return { ...ctx, attached, impact, severity };
}

/** A failure with the same fingerprint joined the incident (no storm of duplicates): counted, its impact taken in, audited. */
export function attach(ctx: IncidentContext, event: Attached, enqueue: Enqueue): IncidentContext {
  let next = joinedContext(ctx, event);
  const raised = next.severity !== ctx.severity;
  enqueue.assign(next.impact === ctx.impact ? { attached: next.attached } : { attached: next.attached, impact: next.impact, severity: next.severity });
  const said = `A failure with the same fingerprint joined ${ctx.id} instead of opening another incident${raised ? `; its impact raises it from ${ctx.severity ?? 'unclassified'} to ${next.severity}` : ''}`;
  enqueue({ type: 'audit', params: auditOf(next, event.at, 'engine', 'incident.attached', said, { jobId: event.jobId, attached: next.attached, ...(raised ? { raisedFrom: ctx.severity } : {}) }) });
  // A worse severity brings its targets, counted from detection, as Cheryl's triage does.
  if (raised) for (const deadline of slaDeadlines(next)) enqueue({ type: 'arm', params: deadline });
  // Already acknowledged, but not before the new severity's response target: that target was
  // missed (the report judges the incident by its severity), recorded now as its deadline would have.
  if (raised && next.severity && next.respondedAt && !next.slaBreaches.some((b) => b.kind === 'response') && ms(next.respondedAt) >= responseDueAt(next.severity, ms(next.detectedAt))) {
    next = recordBreach(next, event.at, 'response', enqueue);
  }
  // Made a P0/P1 after Cheryl's triage (her findings are in it), which paused nothing for a P2/P3:
  // her mitigation now, as her triage runs it (spec, Step 3.3). Before her triage, it runs it.
  if (raised && isSerious(next.severity) && !isSerious(ctx.severity) && ctx.findings.length > 0) {
    const paused = mitigationTarget(ctx);
    enqueue({ type: 'mitigate', params: paused });
    enqueue({ type: 'audit', params: auditOf(next, event.at, 'cheryl', 'incident.mitigated', `Cheryl paused ${paused.kind} ${paused.id} to prevent further damage (a joining failure made ${ctx.id} ${next.severity})`, { paused, raisedFrom: ctx.severity }) });
  }
  return next;
}

/** The timers of the stage a joining failure finds the incident in: the ack timeout it waits on, Petra's status cadence. */
export interface StageTimers {
  /** The responder whose acknowledgement the stage waits for (its queued state), else none. */
  ack?: Responder;
  /** Petra's status updates run (her stage and Atlas's). */
  status?: boolean;
}

/**
 * `attach`, in a stage whose timers were armed for the severity it had: when the join raises it,
 * the acknowledgement the stage waits for is due by the new severity's timeout (counted from the
 * stage's start, as when it was armed; at once if that is past), and Petra's next status update
 * comes within the new severity's cadence of the raise (a P2's 4 h becomes a P0's 15 min).
 */
export function attachInStage(ctx: IncidentContext, event: Attached, enqueue: Enqueue, timers: StageTimers): IncidentContext {
  const next = attach(ctx, event, enqueue);
  if (next.severity === ctx.severity || !next.severity) return next;
  if (timers.ack && ackTimeoutMs(next) !== ackTimeoutMs(ctx)) {
    const dueAt = Math.max(event.at, stageStartedAt(next, timers.ack) + ackTimeoutMs(next));
    enqueue({ type: 'arm', params: { kind: 'ack', dueAt, event: { type: 'ack.timeout', at: dueAt, responder: timers.ack } } });
  }
  if (timers.status) {
    const dueAt = event.at + STATUS_CADENCE_MS[next.severity];
    enqueue({ type: 'arm', params: { kind: 'status', dueAt, event: { type: 'status.due', at: dueAt } } });
  }
  return next;
}

/** The machine's step for a failure joining the incident in a stage with these timers (attachInStage). */
export function attachIn(timers: StageTimers) {
  return ({ context, event, enqueue }: Args): void => {
    if (event.type === 'failure.attached') attachInStage(context, event, enqueue, timers);
  };
}

/** When a responder's stage began: Cheryl's when the retries ended (or at detection), the others' at the escalation that brought it. */
function stageStartedAt(ctx: IncidentContext, responder: Responder): number {
  return responder === 'cheryl' ? ms(ctx.retries.at(-1)?.at ?? ctx.detectedAt) : lastEscalationAt(ctx);
}

/** A responder's stage begins: the incident joins their queue and waits for an acknowledgement. */
export function enterStage(ctx: IncidentContext, responder: Responder, enqueue: Enqueue): void {
  // The stage starts when the retries ended (Cheryl) or at the escalation that brought it here.
  const atStage = ctx.assignee === null ? ms(ctx.retries.at(-1)?.at ?? ctx.detectedAt) : lastEscalationAt(ctx);
  const next = { ...ctx, assignee: responder };
  enqueue.assign({ assignee: responder });
  if (responder === 'cheryl') {
    // Spec, Step 3: "Cheryl receives the incident via internal notification".
    const reason = ctx.error.retryable ? 'retries-exhausted' : 'not-retryable';
    enqueue({ type: 'audit', params: auditOf(next, atStage, 'engine', 'incident.assigned', `Incident ${ctx.id} sent to Cheryl for triage (${reason})`, { to: 'cheryl', reason }) });
    enqueue({ type: 'notify', params: { from: 'engine', to: 'cheryl', subject: `Incident ${ctx.id}`, body: ctx.error.message } });
    const dueAt = twoHourRuleDueAt(ms(ctx.detectedAt), ctx.policy);
    enqueue({ type: 'arm', params: { kind: 'two-hours', dueAt, event: { type: 'rule.two_hours', at: dueAt } } });
  }
  enqueue({ type: 'assignResponder', params: { responder } });
  const ackDue = atStage + ackTimeoutMs(ctx);
  enqueue({ type: 'arm', params: { kind: 'ack', dueAt: ackDue, event: { type: 'ack.timeout', at: ackDue, responder } } });
}

/** The shortest default acknowledgement timeout (PagerDuty's escalation timeouts start near it). */
export const MIN_ACK_TIMEOUT_MS = 15 * 60_000;

/**
 * How long a responder may take to acknowledge before the incident moves up the chain:
 * the configured timeout, else the severity's response target but never under 15 min
 * (P0 and P1 15 min, P2 1 h, P3 24 h, where the two-hour rule acts first).
 */
export function ackTimeoutMs(ctx: IncidentContext): number {
  if (ctx.policy.ACK_TIMEOUT_MS !== null) return ctx.policy.ACK_TIMEOUT_MS;
  return Math.max(MIN_ACK_TIMEOUT_MS, SEVERITY_TABLE[ctx.severity ?? 'P2'].responseMs);
}

/** Leaving a responder's stage: their acknowledgement timer (and the stage's own) is disarmed and their hands are freed. */
export function leaveStage(responder: Responder, kinds: string[]) {
  return [
    { type: 'disarm', params: { kinds: ['ack', ...kinds] } },
    { type: 'releaseResponder', params: { responder } },
  ] as const;
}

export function acknowledge({ context, event, enqueue }: Args): void {
  if (event.type !== 'responder.ack') return;
  const next = { ...context, respondedAt: context.respondedAt ?? iso(event.at) };
  enqueue.assign({ respondedAt: next.respondedAt });
  enqueue({ type: 'disarm', params: { kinds: ['ack'] } });
  enqueue({ type: 'audit', params: auditOf(next, event.at, event.responder, 'incident.acknowledged', `${cap(event.responder)} acknowledged ${context.id}`, { responder: event.responder, first: context.respondedAt === null }) });
}

export function escalate(ctx: IncidentContext, at: number, from: Responder, to: Responder, criteria: string[], enqueue: Enqueue): void {
  const escalations = [...ctx.escalations, { at: iso(at), criteria, from, to }];
  const next = { ...ctx, escalations, assignee: to };
  enqueue.assign({ escalations });
  enqueue({ type: 'audit', params: auditOf(next, at, from, 'incident.escalated', `${cap(from)} escalated ${ctx.id} to ${cap(to)}: ${criteria.join(', ')}`, { from, to, criteria }) });
  enqueue({ type: 'notify', params: { from, to, subject: `Escalated: ${ctx.id} (${ctx.severity ?? 'unclassified'})`, body: `${cap(from)} escalated ${ctx.id} to you: ${criteria.join(', ')}.` } });
}

/** Step 3: classification, diagnosis, mitigation and communication, as Cheryl reported them. */
export function applyTriage(ctx: IncidentContext, event: Extract<IncidentEvent, { type: 'triage.done' }>, enqueue: Enqueue): IncidentContext {
  const next: IncidentContext = { ...ctx, severity: event.severity, findings: [...ctx.findings, ...event.findings], rootCause: event.rootCause ?? ctx.rootCause };
  enqueue.assign({ severity: next.severity, findings: next.findings, rootCause: next.rootCause });
  enqueue({ type: 'audit', params: auditOf(next, event.at, 'cheryl', 'incident.triage', `Cheryl classified ${ctx.id} as ${event.severity}`, { findings: event.findings, impact: ctx.impact }) });
  if (event.mitigation) {
    enqueue({ type: 'audit', params: auditOf(next, event.at, 'cheryl', 'incident.mitigated', `Cheryl paused ${event.mitigation.kind} ${event.mitigation.id} to prevent further damage`, { paused: event.mitigation }) });
  }
  if (event.notified.length > 0) {
    enqueue({ type: 'audit', params: auditOf(next, event.at, 'cheryl', 'incident.notified', `Cheryl notified tenant admin${event.notified.length > 1 ? 's' : ''} ${event.notified.join(', ')}`, { to: event.notified }) });
  }
  // A new severity brings new targets: re-arm the SLA deadlines.
  if (event.severity !== ctx.severity) for (const deadline of slaDeadlines(next)) enqueue({ type: 'arm', params: deadline });
  return next;
}

/** Step 4: Petra's allocation, impact assessment, workaround and ETA. */
export function applyCoordination(ctx: IncidentContext, event: Extract<IncidentEvent, { type: 'coordination.done' }>, enqueue: Enqueue): IncidentContext {
  const next = { ...ctx, coordination: event.coordination };
  const c = event.coordination;
  enqueue.assign({ coordination: c });
  enqueue({ type: 'audit', params: auditOf(next, event.at, 'petra', 'incident.coordinated', `Petra assigned ${c.assigned.join(', ') || 'nobody'}${c.humanDeveloper ? ' and flagged a human developer' : ''}; ETA ${c.eta ?? 'unknown'}`, { coordination: c }) });
  return next;
}

/** Step 5: Atlas's communication, board memo and, when needed, a go/no-go decision. */
export function assessed({ context, event, enqueue }: Args): void {
  if (event.type !== 'executive.assessed') return;
  if (event.communication) enqueue({ type: 'audit', params: auditOf(context, event.at, 'atlas', 'incident.communication_drafted', `Atlas drafted the customer communication for ${context.id}`) });
  if (event.boardMemo) enqueue({ type: 'audit', params: auditOf(context, event.at, 'atlas', 'incident.board_memo', `Atlas sent the board an immediate memo on ${context.id}`, { to: 'chairman' }) });
  if (event.decisionId === null) return;
  const dueAt = event.at + context.policy.DECISION_TIMEOUT_MS;
  enqueue.assign({ decisionId: event.decisionId });
  enqueue({ type: 'audit', params: auditOf(context, event.at, 'atlas', 'incident.decision_requested', `Atlas asks a person: go or no-go on "${context.impact?.decision}" for ${context.id}`, { decisionId: event.decisionId, action: context.impact?.decision, timeoutAt: iso(dueAt), timeoutPolicy: context.policy.DECISION_TIMEOUT_POLICY }) });
  enqueue({ type: 'arm', params: { kind: 'decision', dueAt, event: { type: 'decision.timeout', at: dueAt } } });
}

export function answered({ context, event, enqueue }: Args): void {
  if (event.type !== 'decision.answered') return;
  const status = event.answer === 'approve' ? 'approved' : 'denied';
  enqueue.assign({ decisionAnswer: event.answer });
  enqueue({ type: 'disarm', params: { kinds: ['decision'] } });
  enqueue({ type: 'settleDecision', params: { status, by: event.by, at: event.at } });
  enqueue({ type: 'audit', params: auditOf(context, event.at, 'human', 'incident.decision', `${event.by} ${status} "${context.impact?.decision}" for ${context.id}`, { decisionId: context.decisionId, answer: event.answer, by: event.by }) });
}

/** The decision's timeout policy, itself audited. */
export function timedOut(ctx: IncidentContext, at: number, outcome: 'approve' | 'deny' | 'escalate', enqueue: Enqueue): void {
  const policy = ctx.policy.DECISION_TIMEOUT_POLICY;
  if (outcome === 'escalate') {
    const dueAt = at + ctx.policy.DECISION_TIMEOUT_MS;
    enqueue.assign({ decisionTimeouts: ctx.decisionTimeouts + 1 });
    enqueue({ type: 'audit', params: auditOf(ctx, at, 'engine', 'incident.decision_timeout', `Nobody answered the decision on ${ctx.id}; the chairman is asked and the wait goes on once more, until ${iso(dueAt)}`, { decisionId: ctx.decisionId, policy, outcome: 'escalate', timeoutAt: iso(dueAt) }) });
    enqueue({ type: 'notify', params: { from: 'engine', to: 'chairman', subject: `Decision waiting: ${ctx.id}`, body: `A go/no-go on "${ctx.impact?.decision}" has had no answer.` } });
    enqueue({ type: 'arm', params: { kind: 'decision', dueAt, event: { type: 'decision.timeout', at: dueAt } } });
    // The decision record says when it times out (pendingDecisions(), the watcher's card): the new time.
    enqueue({ type: 'extendDecision', params: { timeoutAt: dueAt } });
    return;
  }
  enqueue.assign({ decisionAnswer: 'timed_out' });
  enqueue({ type: 'settleDecision', params: { status: 'timed_out', by: null, at } });
  enqueue({ type: 'audit', params: auditOf(ctx, at, 'engine', 'incident.decision_timeout', `Nobody answered the decision on ${ctx.id} in time: the policy "${policy}" ${outcome === 'approve' ? 'approves' : 'denies'} it`, { decisionId: ctx.decisionId, policy, outcome }) });
}

export function resolve({ context, event, enqueue }: Args): void {
  if (event.type !== 'incident.resolve') return;
  const next = { ...context, resolvedAt: iso(event.at), rootCause: event.rootCause ?? context.rootCause, whys: event.whys ?? context.whys };
  enqueue.assign({ resolvedAt: next.resolvedAt, rootCause: next.rootCause, whys: next.whys });
  // Resolved while Atlas's go/no-go waits: nothing is left to decide, so the decision is
  // withdrawn (an answer after is refused) rather than left pending with nobody awaiting it.
  const withdrawn = context.decisionId !== null && context.decisionAnswer === null ? context.decisionId : null;
  if (withdrawn) {
    enqueue.assign({ decisionAnswer: 'withdrawn' });
    enqueue({ type: 'settleDecision', params: { status: 'withdrawn', by: event.by, at: event.at } });
  }
  const said = `Incident ${context.id} resolved by ${event.by}${event.note ? `: ${event.note}` : ''}${withdrawn ? `; the go/no-go on "${context.impact?.decision}" is withdrawn unanswered` : ''}`;
  enqueue({ type: 'audit', params: auditOf(next, event.at, event.by, 'incident.resolved', said, { autoResolved: false, by: event.by, ...(withdrawn ? { withdrawnDecision: withdrawn } : {}) }) });
}

/** Each incident tracks its severity's targets; a breach notifies the next in the chain. */
export function breach({ context, event, enqueue }: Args): void {
  if (event.type !== 'sla.response_due' && event.type !== 'sla.resolution_due') return;
  recordBreach(context, event.at, event.type === 'sla.response_due' ? 'response' : 'resolution', enqueue);
}

/** An SLA target missed: recorded in `slaBreaches`, audited, and the next in the chain notified. */
function recordBreach(context: IncidentContext, at: number, kind: 'response' | 'resolution', enqueue: Enqueue): IncidentContext {
  const to = nextInChain(context.assignee);
  const slaBreaches = [...context.slaBreaches, { at: iso(at), kind } as const];
  enqueue.assign({ slaBreaches });
  enqueue({ type: 'audit', params: auditOf({ ...context, slaBreaches }, at, 'engine', 'incident.sla_breached', `${context.severity} ${kind} target missed for ${context.id}; ${to} notified`, { kind, notified: to }) });
  enqueue({ type: 'notify', params: { from: 'engine', to, subject: `SLA breached: ${context.id}`, body: `The ${kind} target of ${context.severity} incident ${context.id} was missed.` } });
  return { ...context, slaBreaches };
}

/** Petra's status updates, on a cadence set by severity: to Atlas and the affected stakeholders (spec, Step 4.5). */
export function statusUpdate({ context, event, enqueue }: Args): void {
  if (event.type !== 'status.due' || !context.severity) return;
  const c = context.coordination;
  const body = `${context.id} (${context.severity}): ${context.assignee ?? 'unassigned'} owns it; workaround: ${c?.workaround ?? 'none yet'}; ETA: ${c?.eta ?? 'unknown'}.`;
  const stakeholders = c?.stakeholders ?? [];
  enqueue({ type: 'audit', params: auditOf(context, event.at, 'petra', 'incident.status_update', body, { to: ['atlas', ...stakeholders] }) });
  const subject = `Status: ${context.id}`;
  enqueue({ type: 'notify', params: { from: 'petra', to: 'atlas', subject, body } });
  for (const to of stakeholders) enqueue({ type: 'notify', params: { from: 'petra', to, subject, body, channel: 'status' } });
  const dueAt = event.at + STATUS_CADENCE_MS[context.severity];
  enqueue({ type: 'arm', params: { kind: 'status', dueAt, event: { type: 'status.due', at: dueAt } } });
}

const cap = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);
