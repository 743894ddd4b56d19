import type { ImpactAssessment, PolicyConfig, Severity } from '../types.js';

/** What the escalation rules read about an incident. */
export interface EscalationFacts {
  severity: Severity | null;
  impact: ImpactAssessment;
  /** Epoch ms: when the incident was detected, and now. */
  detectedAt: number;
  now: number;
  policy: Pick<PolicyConfig, 'AUTO_SPEND_LIMIT_USD' | 'TWO_HOUR_RULE_MS'>;
}

export type CherylCriterion = 'severity-p0-p1' | 'cross-agent' | 'needs-change' | 'open-over-2h';
export type PetraCriterion = 'severity-p0' | 'financial-over-limit' | 'data-compromised' | 'executive-decision';

/** Spec, Step 3: "Cheryl escalates to Petra if" — each rule by name. */
export const CHERYL_TO_PETRA: ReadonlyArray<[CherylCriterion, (f: EscalationFacts) => boolean]> = [
  ['severity-p0-p1', (f) => f.severity === 'P0' || f.severity === 'P1'],
  ['cross-agent', (f) => f.impact.crossAgent],
  ['needs-change', (f) => f.impact.needsChange],
  ['open-over-2h', (f) => f.now - f.detectedAt > f.policy.TWO_HOUR_RULE_MS],
];

/** Spec, Step 4: "Petra escalates to Atlas if" — each rule by name. */
export const PETRA_TO_ATLAS: ReadonlyArray<[PetraCriterion, (f: EscalationFacts) => boolean]> = [
  ['severity-p0', (f) => f.severity === 'P0'],
  ['financial-over-limit', (f) => f.impact.financialUSD > f.policy.AUTO_SPEND_LIMIT_USD],
  ['data-compromised', (f) => f.impact.dataCompromised],
  ['executive-decision', (f) => f.impact.decision !== null],
];

/**
 * When the two-hour rule first holds for an incident detected at `detectedAt` (epoch ms): the
 * first millisecond it has been open *more than* `TWO_HOUR_RULE_MS` ("open-over-2h" above), so
 * an incident resolved at exactly two hours is not escalated.
 * @example twoHourRuleDueAt(T0, { TWO_HOUR_RULE_MS: 7_200_000 }) // T0 + 7_200_001
 */
export function twoHourRuleDueAt(detectedAt: number, policy: Pick<PolicyConfig, 'TWO_HOUR_RULE_MS'>): number {
  return detectedAt + policy.TWO_HOUR_RULE_MS + 1;
}

/** The criteria that fire; empty means no escalation. */
export function cherylCriteria(facts: EscalationFacts): CherylCriterion[] {
  return CHERYL_TO_PETRA.filter(([, rule]) => rule(facts)).map(([name]) => name);
}

/** The criteria that fire; empty means no escalation. */
export function petraCriteria(facts: EscalationFacts): PetraCriterion[] {
  return PETRA_TO_ATLAS.filter(([, rule]) => rule(facts)).map(([name]) => name);
}
