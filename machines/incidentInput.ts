import type { IncidentInput } from './incidentContext.js';
import { classify, impactOf } from './policies/classification.js';
import { resolvePolicy } from './policies/config.js';
import type { PolicyConfig } from './types.js';

/** What a new incident must be told; everything else starts empty. */
export type NewIncident = Pick<IncidentInput, 'id' | 'fingerprint' | 'agent' | 'error' | 'detectedAt'> & Partial<IncidentInput>;

/**
 * A new incident's input, as it opens: nothing retried, escalated or resolved yet, the
 * severity classified from the impact assessment, the policies in force copied in.
 * @example incidentInput({ id: 'inc_1', fingerprint: 'fp', agent: 'billing-agent', error: { message: 'boom', retryable: true }, detectedAt: '2026-03-02T14:00:00.000Z' })
 */
export function incidentInput(fields: NewIncident): IncidentInput {
  const impact = fields.impact ?? impactOf();
  const input: IncidentInput = {
    rootCause: null,
    repeatOf: null,
    tenant: null,
    workflow: null,
    jobId: null,
    failure: null,
    severity: classify(impact),
    assignee: null,
    autoResolved: false,
    failureStartedAt: fields.detectedAt,
    respondedAt: null,
    resolvedAt: null,
    closedAt: null,
    retries: [],
    escalations: [],
    attached: 0,
    slaBreaches: [],
    findings: [],
    reviewId: null,
    whys: [],
    coordination: null,
    decisionId: null,
    attemptStartedAt: null,
    decisionAnswer: null,
    decisionTimeouts: 0,
    ...fields,
    impact,
    policy: sharedPolicy(fields.policy),
  };
  // Keys in sorted order: assign() keeps them so, and the store serializes every record of
  // this context without sorting a copy.
  const sorted = {} as Record<string, unknown>;
  for (const key of Object.keys(input).sort()) sorted[key] = input[key as keyof IncidentInput];
  return sorted as IncidentInput;
}

/** The policies resolved from each overrides object given (an engine gives the same one to every incident). */
const resolved = new WeakMap<object, PolicyConfig>();

/**
 * The policies in force, resolved once per overrides object and shared, frozen, by every
 * incident opened with it: one copy per incident cost about 300 bytes of heap per record.
 */
function sharedPolicy(overrides: Partial<PolicyConfig> | undefined): PolicyConfig {
  if (!overrides) return resolvePolicy();
  let policy = resolved.get(overrides);
  if (!policy) {
    policy = resolvePolicy(overrides);
    for (const part of Object.values(policy)) if (part !== null && typeof part === 'object') Object.freeze(part);
    resolved.set(overrides, Object.freeze(policy));
  }
  return policy;
}
