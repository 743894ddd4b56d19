import { assertEvent, assign, enqueueActions, fromPromise, setup } from 'xstate';
import type { AttemptOutcome, IncidentEvent } from './incidentEvents.js';
import {
  auditOf,
  cherylFires,
  iso,
  ms,
  petraFires,
  slaDeadlines,
  type ArmParams,
  type AuditParams,
  type IncidentContext,
  type IncidentInput,
  type NotifyParams,
} from './incidentContext.js';
import {
  acknowledge,
  answered,
  attach,
  attachIn,
  attachInStage,
  applyCoordination,
  applyTriage,
  assessed,
  breach,
  enterStage,
  escalate,
  joinedContext,
  lastEscalationAt,
  leaveStage,
  recordAttempt,
  resolve,
  statusUpdate,
  timedOut,
} from './incidentSteps.js';
import { STATUS_CADENCE_MS } from './policies/config.js';
import type { PauseKind } from './policies/mitigation.js';
import type { Responder, SettledDecision } from './types.js';

/** Every deadline an incident may hold; all are disarmed when it resolves. */
export const DEADLINE_KINDS = ['retry', 'sla.response', 'sla.resolution', 'two-hours', 'ack', 'status', 'decision'] as const;

type Stage = { responder: Responder };

/**
 * The incident state machine (spec: Steps 1–5 and "Post-Incident Review"):
 * detected → retrying → triaged → coordinated → executive → resolved, with
 * autoResolved from retrying, resolution from each responder's stage, mitigation
 * in triage, and `reviewing` before `closed` for the severities that get a review.
 *
 * Pure: effects are named actions and actors that agents/ supplies with `provide()`;
 * time arrives in each event's `at`, never from a clock.
 */
export const incidentMachine = setup({
  types: {
    context: {} as IncidentContext,
    events: {} as IncidentEvent,
    input: {} as IncidentInput,
  },
  actors: {
    /** Re-runs the failed job; resolves `{ ok }`, never rejects for a job error. */
    runAttempt: fromPromise<AttemptOutcome, { incidentId: string; attempt: number }>(async () => {
      throw new Error('incident-flow: provide runAttempt');
    }),
  },
  actions: {
    // Effects, provided by agents/.
    audit: (_, _params: AuditParams) => {},
    arm: (_, _params: ArmParams) => {},
    disarm: (_, _params: { kinds: readonly string[] }) => {},
    assignResponder: (_, _params: Stage) => {},
    releaseResponder: (_, _params: Stage) => {},
    notify: (_, _params: NotifyParams) => {},
    startFix: (_, _params: { owner: Responder }) => {},
    settleDecision: (_, _params: { status: SettledDecision; by: string | null; at: number }) => {},
    /** The decision still waits, now until `timeoutAt` (the escalate policy asked the chairman). */
    extendDecision: (_, _params: { timeoutAt: number }) => {},
    /** Cheryl's mitigation for an incident a joining failure made a P0/P1 after her triage: pause this agent or workflow. */
    mitigate: (_, _params: { kind: PauseKind; id: string }) => {},
    liftMitigation: () => {},
    commissionReview: () => {},
  },
  guards: {
    isRetryable: ({ context }) => context.error.retryable,
    attemptSucceeded: (_, params: { outcome: AttemptOutcome }) => params.outcome.ok,
    hasNextAttempt: ({ context }) => context.retries.length + 1 < context.policy.RETRY_DELAYS_MS.length,
    cherylEscalates: ({ context, event }) =>
      event.type === 'triage.done' && cherylFires(context, event.at, event.severity).length > 0,
    petraEscalates: ({ context, event }) => 'at' in event && petraFires(context, event.at).length > 0,
    // A failure joining an incident its responder kept may bring what her rules escalate (its impact is worse).
    cherylEscalatesOnJoin: ({ context, event }) => event.type === 'failure.attached' && cherylFires(joinedContext(context, event), event.at, joinedContext(context, event).severity).length > 0,
    petraEscalatesOnJoin: ({ context, event }) => event.type === 'failure.attached' && petraFires(joinedContext(context, event), event.at).length > 0,
    needsDecision: ({ event }) => event.type === 'executive.assessed' && event.decisionId !== null,
    approved: ({ event }) => event.type === 'decision.answered' && event.answer === 'approve',
    timeoutPolicy: ({ context }, params: { policy: 'approve' | 'deny' | 'escalate' }) =>
      context.policy.DECISION_TIMEOUT_POLICY === params.policy,
    secondTimeout: ({ context }) => context.decisionTimeouts >= 1,
    needsReview: ({ context }) => context.severity !== null && context.policy.REVIEW_SEVERITIES.includes(context.severity),
    notResponded: ({ context }) => context.respondedAt === null,
    notResolved: ({ context }) => context.resolvedAt === null,
  },
}).createMachine({
  id: 'incident',
  context: ({ input }) => input,
  initial: 'detected',
  on: {
    'failure.attached': { actions: enqueueActions(({ context, event, enqueue }) => { assertEvent(event, 'failure.attached'); attach(context, event, enqueue); }) },
    'sla.response_due': { guard: 'notResponded', actions: enqueueActions(breach) },
    'sla.resolution_due': { guard: 'notResolved', actions: enqueueActions(breach) },
    'status.due': { guard: 'notResolved', actions: enqueueActions(statusUpdate) },
  },
  states: {
    detected: {
      entry: enqueueActions(({ context, enqueue }) => {
        enqueue({ type: 'audit', params: auditOf(context, ms(context.detectedAt), 'engine', 'incident.detected', `Incident ${context.id} detected: ${context.error.message}`, { jobId: context.jobId, error: context.error.message, retryable: context.error.retryable, fingerprint: context.fingerprint, repeatOf: context.repeatOf }) });
        for (const deadline of slaDeadlines(context)) enqueue({ type: 'arm', params: deadline });
      }),
      always: [
        { guard: 'isRetryable', target: 'retrying' },
        {
          target: 'triaged',
          actions: { type: 'audit', params: ({ context }) => auditOf(context, ms(context.detectedAt), 'engine', 'incident.retry_skipped', 'The error is not retryable: the retry ladder is skipped') },
        },
      ],
    },
    retrying: {
      initial: 'waiting',
      states: {
        waiting: {
          entry: {
            type: 'arm',
            params: ({ context }) => {
              const last = context.retries.at(-1);
              const from = last ? ms(last.at) : ms(context.detectedAt);
              const dueAt = from + context.policy.RETRY_DELAYS_MS[context.retries.length];
              return { kind: 'retry', dueAt, event: { type: 'retry.due', at: dueAt } };
            },
          },
          on: { 'retry.due': { target: 'attempting', actions: assign({ attemptStartedAt: ({ event }) => event.at }) } },
        },
        attempting: {
          invoke: {
            src: 'runAttempt',
            input: ({ context }) => ({ incidentId: context.id, attempt: context.retries.length + 1 }),
            onDone: [
              {
                guard: { type: 'attemptSucceeded', params: ({ event }) => ({ outcome: event.output }) },
                target: '#incident.autoResolved',
                actions: enqueueActions(({ context, event, enqueue }) => recordAttempt(context, event.output, enqueue)),
              },
              { guard: 'hasNextAttempt', target: 'waiting', actions: enqueueActions(({ context, event, enqueue }) => recordAttempt(context, event.output, enqueue)) },
              { target: '#incident.triaged', actions: enqueueActions(({ context, event, enqueue }) => recordAttempt(context, event.output, enqueue)) },
            ],
            // The attempt actor itself broke (not the job): count it as a failed attempt.
            onError: [
              { guard: 'hasNextAttempt', target: 'waiting', actions: enqueueActions(({ context, event, enqueue }) => recordAttempt(context, { ok: false, at: context.attemptStartedAt ?? ms(context.detectedAt), error: String(event.error) }, enqueue)) },
              { target: '#incident.triaged', actions: enqueueActions(({ context, event, enqueue }) => recordAttempt(context, { ok: false, at: context.attemptStartedAt ?? ms(context.detectedAt), error: String(event.error) }, enqueue)) },
            ],
          },
        },
      },
    },
    triaged: {
      entry: enqueueActions(({ context, enqueue }) => enterStage(context, 'cheryl', enqueue)),
      exit: leaveStage('cheryl', ['two-hours']),
      on: {
        // Spec, Step 3: "The issue has persisted for more than 2 hours (any severity)".
        'rule.two_hours': { target: 'coordinated', actions: enqueueActions(({ context, event, enqueue }) => escalate(context, event.at, 'cheryl', 'petra', ['open-over-2h'], enqueue)) },
        'incident.resolve': { target: 'resolved', actions: enqueueActions(resolve) },
      },
      initial: 'queued',
      states: {
        queued: {
          on: {
            'responder.ack': { target: 'working', actions: enqueueActions(acknowledge) },
            'ack.timeout': { target: '#incident.coordinated', actions: enqueueActions(({ context, event, enqueue }) => escalate(context, event.at, 'cheryl', 'petra', ['ack-timeout'], enqueue)) },
            'failure.attached': { actions: enqueueActions(attachIn({ ack: 'cheryl' })) },
          },
        },
        working: {
          on: {
            'triage.done': [
              { guard: 'cherylEscalates', target: '#incident.coordinated', actions: enqueueActions(({ context, event, enqueue }) => { assertEvent(event, 'triage.done'); const next = applyTriage(context, event, enqueue); escalate(next, event.at, 'cheryl', 'petra', cherylFires(context, event.at, event.severity), enqueue); }) },
              { target: 'fixing', actions: enqueueActions(({ context, event, enqueue }) => { assertEvent(event, 'triage.done'); applyTriage(context, event, enqueue); }) },
            ],
          },
        },
        fixing: {
          entry: { type: 'startFix', params: { owner: 'cheryl' } },
          on: {
            'failure.attached': [
              { guard: 'cherylEscalatesOnJoin', target: '#incident.coordinated', actions: enqueueActions(({ context, event, enqueue }) => { assertEvent(event, 'failure.attached'); const next = attach(context, event, enqueue); escalate(next, event.at, 'cheryl', 'petra', cherylFires(next, event.at, next.severity), enqueue); }) },
              { actions: enqueueActions(({ context, event, enqueue }) => { assertEvent(event, 'failure.attached'); attach(context, event, enqueue); }) },
            ],
          },
        },
      },
    },
    coordinated: {
      entry: enqueueActions(({ context, enqueue }) => {
        enterStage(context, 'petra', enqueue);
        if (context.severity) {
          const dueAt = lastEscalationAt(context) + STATUS_CADENCE_MS[context.severity];
          enqueue({ type: 'arm', params: { kind: 'status', dueAt, event: { type: 'status.due', at: dueAt } } });
        }
      }),
      exit: leaveStage('petra', []),
      on: {
        'incident.resolve': { target: 'resolved', actions: enqueueActions(resolve) },
        'failure.attached': { actions: enqueueActions(attachIn({ status: true })) },
      },
      initial: 'queued',
      states: {
        queued: {
          on: {
            'responder.ack': { target: 'working', actions: enqueueActions(acknowledge) },
            'ack.timeout': { target: '#incident.executive', actions: enqueueActions(({ context, event, enqueue }) => escalate(context, event.at, 'petra', 'atlas', ['ack-timeout'], enqueue)) },
            'failure.attached': { actions: enqueueActions(attachIn({ ack: 'petra', status: true })) },
          },
        },
        working: {
          on: {
            'coordination.done': [
              { guard: 'petraEscalates', target: '#incident.executive', actions: enqueueActions(({ context, event, enqueue }) => { assertEvent(event, 'coordination.done'); const next = applyCoordination(context, event, enqueue); escalate(next, event.at, 'petra', 'atlas', petraFires(context, event.at), enqueue); }) },
              { target: 'fixing', actions: enqueueActions(({ context, event, enqueue }) => { assertEvent(event, 'coordination.done'); applyCoordination(context, event, enqueue); }) },
            ],
          },
        },
        fixing: {
          entry: { type: 'startFix', params: { owner: 'petra' } },
          on: {
            'failure.attached': [
              { guard: 'petraEscalatesOnJoin', target: '#incident.executive', actions: enqueueActions(({ context, event, enqueue }) => { assertEvent(event, 'failure.attached'); const next = attachInStage(context, event, enqueue, { status: true }); escalate(next, event.at, 'petra', 'atlas', petraFires(next, event.at), enqueue); }) },
              { actions: enqueueActions(attachIn({ status: true })) },
            ],
          },
        },
      },
    },
    executive: {
      entry: enqueueActions(({ context, enqueue }) => enterStage(context, 'atlas', enqueue)),
      exit: leaveStage('atlas', ['decision']),
      on: {
        'incident.resolve': { target: 'resolved', actions: enqueueActions(resolve) },
        'failure.attached': { actions: enqueueActions(attachIn({ status: true })) },
      },
      initial: 'queued',
      states: {
        queued: {
          on: {
            'responder.ack': { target: 'working', actions: enqueueActions(acknowledge) },
            'failure.attached': { actions: enqueueActions(attachIn({ ack: 'atlas', status: true })) },
            // Atlas is the top of the chain: a stalled acknowledgement goes to the board.
            'ack.timeout': { actions: enqueueActions(({ context, event, enqueue }) => { assertEvent(event, 'ack.timeout'); enqueue({ type: 'audit', params: auditOf(context, event.at, 'engine', 'incident.ack_timeout', `Atlas has not acknowledged ${context.id}; the chairman is notified`, { to: 'chairman' }) }); enqueue({ type: 'notify', params: { from: 'engine', to: 'chairman', subject: `Unacknowledged incident ${context.id}`, body: `Atlas has not acknowledged ${context.severity} incident ${context.id}.` } }); }) },
          },
        },
        working: {
          on: {
            'executive.assessed': [
              { guard: 'needsDecision', target: 'awaitingDecision', actions: enqueueActions(assessed) },
              { target: 'fixing', actions: enqueueActions(assessed) },
            ],
          },
        },
        awaitingDecision: {
          on: {
            'decision.answered': [
              { guard: 'approved', target: 'fixing', actions: enqueueActions(answered) },
              { target: 'fixing', actions: enqueueActions(answered) },
            ],
            'decision.timeout': [
              { guard: { type: 'timeoutPolicy', params: { policy: 'approve' } }, target: 'fixing', actions: enqueueActions(({ context, event, enqueue }) => timedOut(context, event.at, 'approve', enqueue)) },
              { guard: { type: 'timeoutPolicy', params: { policy: 'deny' } }, target: 'fixing', actions: enqueueActions(({ context, event, enqueue }) => timedOut(context, event.at, 'deny', enqueue)) },
              { guard: 'secondTimeout', target: 'fixing', actions: enqueueActions(({ context, event, enqueue }) => timedOut(context, event.at, 'deny', enqueue)) },
              { actions: enqueueActions(({ context, event, enqueue }) => timedOut(context, event.at, 'escalate', enqueue)) },
            ],
          },
        },
        fixing: { entry: { type: 'startFix', params: { owner: 'atlas' } } },
      },
    },
    resolved: {
      entry: ['liftMitigation', { type: 'disarm', params: { kinds: DEADLINE_KINDS } }],
      always: [{ guard: 'needsReview', target: 'reviewing' }, { target: 'closed' }],
    },
    reviewing: {
      // Spec, Step 5: Atlas commissions the post-incident review.
      entry: enqueueActions(({ context, enqueue }) => {
        const at = context.resolvedAt ? ms(context.resolvedAt) : ms(context.detectedAt);
        enqueue({ type: 'audit', params: auditOf(context, at, 'atlas', 'incident.review_commissioned', `Atlas commissioned the post-incident review of ${context.id}`) });
        enqueue('commissionReview');
      }),
      on: {
        'review.published': {
          target: 'closed',
          actions: enqueueActions(({ context, event, enqueue }) => {
            assertEvent(event, 'review.published');
            enqueue.assign({ reviewId: event.documentId });
            enqueue({ type: 'audit', params: auditOf(context, event.at, 'atlas', 'incident.review_published', `Post-incident review ${event.documentId} published for ${context.id}`, { documentId: event.documentId, tag: 'post-incident-review' }) });
          }),
        },
      },
    },
    autoResolved: {
      entry: { type: 'disarm', params: { kinds: DEADLINE_KINDS } },
      // Spec, "Post-Incident Review": after every P0 or P1, a retry's success included.
      always: [{ guard: 'needsReview', target: 'reviewing' }, { target: 'closed' }],
    },
    closed: {
      type: 'final',
      entry: enqueueActions(({ context, enqueue }) => {
        const at = ms(context.resolvedAt ?? context.detectedAt);
        enqueue.assign({ closedAt: iso(at) });
        enqueue({ type: 'audit', params: auditOf(context, at, 'engine', 'incident.closed', `Incident ${context.id} closed`) });
      }),
    },
  },
});
