import { incidentInput } from '../machines/incidentInput.js';
import type { IncidentInput } from '../machines/incidentContext.js';
import type { ImpactAssessment, JobRecord, PolicyConfig } from '../machines/types.js';
import { impactOf, impactProblem } from '../machines/policies/classification.js';
import { isRetryable } from '../machines/policies/retryLadder.js';
import { messageOf, nameOf, stackOf } from './errorText.js';
import { JobTimeoutError } from './jobTimeout.js';
import { isoAt } from './runtime.js';
import type { EngineOptions, JobSpec } from './types.js';

/** Where a new incident comes from: the job that failed, what it threw, and the engine's hooks. */
export interface FailureOrigin {
  id: string;
  fingerprint: string;
  /** The last closed incident with this fingerprint (a repeat), or null. */
  repeatOf: string | null;
  job: JobRecord;
  error: unknown;
  spec: JobSpec | undefined;
  at: number;
  assess: EngineOptions['assess'];
  policy: PolicyConfig;
}

/**
 * Spec, Step 1: the input of the incident a failed job opens, built the same way by both
 * engines. The host's hooks (`assess`, the job's `retryable`) may throw: each then gives its
 * default (a P2 feature-broken impact; retryable), and the incident opens all the same; so
 * does an `assess` answering no object, and one answering an unknown kind gets the default's.
 * @example incidents.start(failureInput({ id, fingerprint, repeatOf: null, job, error, spec, at, assess, policy }))
 */
export function failureInput(o: FailureOrigin): IncidentInput {
  const { job, error, spec, at } = o;
  return incidentInput({
    id: o.id,
    fingerprint: o.fingerprint,
    rootCause: spec?.rootCause ?? null,
    repeatOf: o.repeatOf,
    tenant: job.tenant,
    agent: job.agent,
    workflow: job.workflow,
    jobId: job.id,
    failure: spec?.failure ?? null,
    // Keys in sorted order, as the record's: the store's canonical JSON takes it as it is.
    error: {
      message: messageOf(error),
      name: nameOf(error),
      retryable: guarded(() => (spec?.retryable ? spec.retryable(error) : isRetryable(error)), true),
      stack: stackOf(error),
    },
    impact: failureImpact(spec, error, o.assess),
    // The job's own start (a scenario's failure) wins; a hung job was failing from its attempt's
    // start, which its timeout only noticed; a thrown error began when it was caught.
    failureStartedAt: isoAt(spec?.startedAt ?? hungSince(error) ?? at),
    detectedAt: isoAt(at),
    whys: spec?.whys ?? [],
    policy: o.policy,
  });
}

/**
 * A job's spec rebuilt from its row, for a job this engine (or process) was not handed: one
 * submitted before a restart, or in another process of a cluster. What `assess` and the
 * incident see of it: its id, agent, workflow, tenant, kind, input and kept failure parts.
 * @example specOfRow(store.get('jobs', jobId)!) // { id: 'job_1', agent: 'billing-agent', kind: 'sendInvoices', input: {…}, … }
 */
export function specOfRow(job: JobRecord): JobSpec {
  return { id: job.id, agent: job.agent, workflow: job.workflow, tenant: job.tenant, ...(job.kind ? { kind: job.kind } : {}), ...(job.input !== undefined ? { input: job.input } : {}), ...job.failureSpec };
}

/**
 * The impact assessment of a failed job: the job's own, else the engine's `assess` hook's
 * (fitted: see fittingImpact), else the default (feature broken, P2). An incident opens with
 * it, and a failure joining an open incident brings it (the incident's severity may rise).
 */
export function failureImpact(spec: JobSpec | undefined, error: unknown, assess: EngineOptions['assess']): ImpactAssessment {
  return impactOf(spec?.impact ?? (spec && assess ? fittingImpact(guarded(() => assess(error, spec), {})) : {}));
}

/**
 * A hook's assessment with a kind the severity table knows, else with none (the default's, P2),
 * each other field of its type or left to its default (the escalation rules compare them: a
 * string "yes" would pass by coercion), and none at all for what is not an object: every
 * incident gets one of the four severities (spec, "Severity Levels"). The hook's caller is
 * the engine, not the host: nobody would see an error.
 */
function fittingImpact(impact: Partial<ImpactAssessment> | null | undefined): Partial<ImpactAssessment> {
  if (!impact || typeof impact !== 'object' || Array.isArray(impact)) return {};
  // A field of the wrong type gets its default, as a kind the table does not know does.
  let fitting = impact;
  for (let problem = impactProblem(fitting); problem?.field; problem = impactProblem(fitting)) fitting = { ...fitting, [problem.field]: undefined };
  return fitting;
}

/**
 * When the attempt a JobTimeoutError failed began, or undefined for any other error. Never
 * throws: `instanceof` does on what a job may throw (a revoked Proxy).
 */
function hungSince(error: unknown): number | undefined {
  return guarded(() => (error instanceof JobTimeoutError ? error.runStartedAt : undefined), undefined);
}

/** A host callback that throws gets its default. */
function guarded<T>(call: () => T, fallback: T): T {
  try {
    return call();
  } catch {
    return fallback;
  }
}
