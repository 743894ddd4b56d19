import { SEVERITIES, type ImpactAssessment, type ImpactKind, type Severity } from '../types.js';

/**
 * Spec, Step 3 "Classification": severity from the impact assessment.
 * P0 platform unavailable or critical subsystem failed; P1 incorrect data, corrupted
 * records or a safety violation; P2 a specific capability broken while the platform
 * runs; P3 minor, no impact on core functionality.
 */
const SEVERITY_OF_KIND: Readonly<Record<ImpactKind, Severity>> = {
  'platform-down': 'P0',
  'subsystem-failed': 'P0',
  'data-integrity': 'P1',
  safety: 'P1',
  'feature-broken': 'P2',
  cosmetic: 'P3',
};

export const IMPACT_KINDS = Object.keys(SEVERITY_OF_KIND) as ImpactKind[];

/** Whether a host's value is one of the impact kinds the severity table knows. @example isImpactKind('cosmetic') // true */
export function isImpactKind(kind: unknown): kind is ImpactKind {
  return (IMPACT_KINDS as unknown[]).includes(kind);
}

const BOOLEAN = { fits: (v: unknown) => typeof v === 'boolean', text: 'true or false' };
/**
 * The assessment's fields besides its kind, and what each takes (ImpactAssessment): the
 * escalation rules compare them, so a string "2000" or "yes" would pass by coercion.
 */
export const IMPACT_FIELDS: Readonly<Record<Exclude<keyof ImpactAssessment, 'kind'>, { fits: (v: unknown) => boolean; text: string }>> = {
  customerFacing: BOOLEAN,
  crossAgent: BOOLEAN,
  needsChange: BOOLEAN,
  dataCompromised: BOOLEAN,
  financialUSD: { fits: (v) => typeof v === 'number' && Number.isFinite(v) && v >= 0, text: 'a number of US dollars ≥ 0' },
  decision: { fits: (v) => v === null || (typeof v === 'string' && v !== ''), text: 'the decision needed (a non-empty string) or null' },
};

/**
 * What is wrong with a host's impact assessment (`field`, what it takes), or null: an object
 * whose kind the severity table knows and whose fields have their types, each one optional.
 * @example impactProblem({ kind: 'cosmetic', financialUSD: '2000' }) // { field: 'financialUSD', expected: 'a number of US dollars ≥ 0' }
 */
export function impactProblem(impact: unknown): { field: string | null; expected: string } | null {
  if (typeof impact !== 'object' || impact === null || Array.isArray(impact)) return { field: null, expected: `an object ({ kind, ${Object.keys(IMPACT_FIELDS).join(', ')} })` };
  const fields = impact as Record<string, unknown>;
  if (fields.kind !== undefined && !isImpactKind(fields.kind)) return { field: 'kind', expected: `one of ${IMPACT_KINDS.join(', ')}` };
  for (const [field, { fits, text }] of Object.entries(IMPACT_FIELDS)) if (fields[field] !== undefined && !fits(fields[field])) return { field, expected: text };
  return null;
}

/** @example classify({ kind: 'platform-down', ... }) // 'P0' */
export function classify(impact: Pick<ImpactAssessment, 'kind'>): Severity {
  return SEVERITY_OF_KIND[impact.kind];
}

/** The spec's example incidents with the impact each one has. */
export const SPEC_EXAMPLES: ReadonlyArray<{ example: string; kind: ImpactKind; severity: Severity }> = [
  { example: 'database down', kind: 'platform-down', severity: 'P0' },
  { example: 'engine loop stopped', kind: 'subsystem-failed', severity: 'P0' },
  { example: 'auth failure', kind: 'subsystem-failed', severity: 'P0' },
  { example: 'unapproved action executed', kind: 'safety', severity: 'P1' },
  { example: 'wrong financial amount', kind: 'data-integrity', severity: 'P1' },
  { example: 'missing audit entries', kind: 'data-integrity', severity: 'P1' },
  { example: 'single agent workflow failure', kind: 'feature-broken', severity: 'P2' },
  { example: 'stuck email job', kind: 'feature-broken', severity: 'P2' },
  { example: 'expired OAuth token', kind: 'feature-broken', severity: 'P2' },
  { example: 'stale dashboard data', kind: 'cosmetic', severity: 'P3' },
  { example: 'UI glitch', kind: 'cosmetic', severity: 'P3' },
  { example: 'slow responses', kind: 'cosmetic', severity: 'P3' },
];

/** An impact assessment with the neutral defaults filled in. */
export function impactOf(partial: Partial<ImpactAssessment> = {}): ImpactAssessment {
  return {
    crossAgent: partial.crossAgent ?? false,
    customerFacing: partial.customerFacing ?? false,
    dataCompromised: partial.dataCompromised ?? false,
    decision: partial.decision ?? null,
    financialUSD: partial.financialUSD ?? 0,
    kind: partial.kind ?? 'feature-broken',
    needsChange: partial.needsChange ?? false,
  };
}

/** The more severe of two severities (P0 before P3). @example worseSeverity('P2', 'P0') // 'P0' */
export function worseSeverity(a: Severity, b: Severity): Severity {
  return SEVERITIES.indexOf(b) < SEVERITIES.indexOf(a) ? b : a;
}

/**
 * An incident's impact once another failure with the same root cause joins it: the more severe
 * kind of the two (the incident's kept on a tie), each yes/no field true when either says so,
 * the larger financial impact (each assessment may already count the whole incident's, so they
 * are not added), the decision the incident already needed, else the joining one's.
 * @example mergeImpact(impactOf({ kind: 'feature-broken' }), impactOf({ kind: 'platform-down', customerFacing: true })).kind // 'platform-down'
 */
export function mergeImpact(incident: ImpactAssessment, joining: ImpactAssessment): ImpactAssessment {
  const kind = worseSeverity(classify(incident), classify(joining)) === classify(incident) ? incident.kind : joining.kind;
  // Keys in sorted order, as impactOf gives them (the record's canonical JSON takes it as it is).
  return {
    crossAgent: incident.crossAgent || joining.crossAgent,
    customerFacing: incident.customerFacing || joining.customerFacing,
    dataCompromised: incident.dataCompromised || joining.dataCompromised,
    decision: incident.decision ?? joining.decision,
    financialUSD: Math.max(incident.financialUSD, joining.financialUSD),
    kind,
    needsChange: incident.needsChange || joining.needsChange,
  };
}
