import { impactOf } from '../../machines/policies/classification.js';
import type { ImpactAssessment, PolicyConfig, Responder } from '../../machines/types.js';
import { parseDuration } from '../duration.js';
import { parseLatency } from '../latency.js';
import { DURATION_METRICS } from './expectCheck.js';
import { expandFleet } from './fleet.js';
import type { BehaviourInput, ExpectationInput, ImpactInput, ScenarioInput } from './input.js';
import { formatPath, type PathSegment, type TextPosition } from './problems.js';
import { parseRate, readFleet } from './rules.js';
import type { Expectation, ExpectationSource, FailureBehaviour, ResponderProfile, Scenario, SourceRef } from './types.js';

/** Defaults documented in scenario.schema.json; keep the two in step. */
export const DEFAULTS = {
  seed: 1,
  start: '2026-01-05T09:00:00Z',
  ack: '2m',
  human: { answer: 'approve', after: '15m' },
  fixedAfter: '30m',
  impactKind: 'feature-broken',
} as const;

/**
 * Turns a checked scenario into the runner's form: defaults applied, durations in ms,
 * the fleet expanded. Only call it on input that passed the schema and semantic checks.
 *
 * @example
 * normalize(input, 'scenario.yaml', (path) => problems.position(path));
 */
export function normalize(input: ScenarioInput, file: string, positionOf: (path: PathSegment[]) => TextPosition): Scenario {
  const source = (...path: PathSegment[]): SourceRef => ({ path: formatPath(path), line: positionOf(path).line });
  // Each key's place too: a failing expectation is reported at the field that failed.
  const expectSource = (e: ExpectationInput, i: number): ExpectationSource => ({
    ...source('expect', i),
    fields: Object.fromEntries(Object.keys(e).map((key) => [key, positionOf(['expect', i, key])])),
  });
  const fleet = readFleet(input.fleet);
  const generated = fleet ? expandFleet(fleet) : { tenants: [], agents: [] };
  const agents = [...(input.agents ?? []).map((a) => ({ id: a.id, tenant: a.tenant ?? null, workflows: a.workflows ?? [] })), ...generated.agents];
  const tenantOf = new Map(agents.map((a) => [a.id, a.tenant]));
  const responder = (who: Responder): ResponderProfile => {
    const profile = input.responders?.[who];
    return { ack: parseLatency(profile?.ack ?? DEFAULTS.ack), capacity: profile?.capacity ?? null };
  };
  return {
    file,
    name: input.name,
    description: input.description ?? null,
    seed: input.seed ?? DEFAULTS.seed,
    startMs: Date.parse(input.start ?? DEFAULTS.start),
    untilMs: input.until === undefined ? null : parseDuration(input.until),
    config: normalizeConfig(input.config ?? {}),
    tenants: [...(input.tenants ?? []).map(({ id, admin }) => ({ id, admin })), ...generated.tenants],
    agents,
    responders: { cheryl: responder('cheryl'), petra: responder('petra'), atlas: responder('atlas') },
    human: { answer: input.human?.answer ?? DEFAULTS.human.answer, after: parseLatency(input.human?.after ?? DEFAULTS.human.after) },
    failures: (input.failures ?? []).map((f, i) => ({
      id: f.id,
      atMs: parseDuration(f.at ?? '0s'),
      agent: f.agent,
      workflow: f.workflow ?? null,
      tenant: f.tenant ?? tenantOf.get(f.agent) ?? null,
      repeat: f.repeat ? { everyMs: parseDuration(f.repeat.every), count: f.repeat.count } : null,
      ...behaviour(f),
      source: source('failures', i),
    })),
    load: (input.load ?? []).map((l, i) => ({
      perDay: l.perDay ?? parseRate(l.rate) ?? 0,
      fromMs: parseDuration(l.from ?? '0s'),
      forMs: parseDuration(l.for),
      mix: l.mix.map((m) => ({ id: m.id, weight: m.weight ?? 1, agent: m.agent ?? null, workflow: m.workflow ?? null, ...behaviour(m) })),
      source: source('load', i),
    })),
    expect: (input.expect ?? []).map((e, i) => expectation(e, expectSource(e, i))),
  };
}

function behaviour(b: BehaviourInput): FailureBehaviour {
  return {
    error: b.error,
    retryable: b.retryable ?? true,
    succeedsOnAttempt: b.succeedsOnAttempt === undefined || b.succeedsOnAttempt === 'never' ? null : b.succeedsOnAttempt,
    detectAfterMs: parseDuration(b.detectAfter ?? '0s'),
    rootCause: b.rootCause ?? null,
    impact: impact(b.impact ?? {}),
    fixedAfterMs: parseDuration(b.fixedAfter ?? DEFAULTS.fixedAfter),
    whys: (b.whys ?? []).map(({ why, because }) => ({ why, because })),
    storm: b.storm ?? 1,
  };
}

function impact(i: ImpactInput): ImpactAssessment {
  return impactOf({ ...i, kind: i.kind ?? DEFAULTS.impactKind, decision: i.decision ?? null });
}

/** *_MS keys take a duration or milliseconds; the rest pass through as the schema typed them. */
function normalizeConfig(config: Record<string, unknown>): Partial<PolicyConfig> {
  const toMs = (v: unknown) => (typeof v === 'string' ? parseDuration(v) : v);
  const entries = Object.entries(config).map(([key, value]) => [key, key.endsWith('_MS') ? (Array.isArray(value) ? value.map(toMs) : toMs(value)) : value]);
  // The schema fixed each key's type; Object.fromEntries cannot carry that through.
  return Object.fromEntries(entries) as Partial<PolicyConfig>;
}

function expectation(e: ExpectationInput, source: ExpectationSource): Expectation {
  if ('failure' in e) {
    const { failure, severity, escalatedTo, autoResolved, resolvedWithin } = e;
    return strip({ kind: 'failure', failure, severity, escalatedTo, autoResolved, resolvedWithinMs: resolvedWithin === undefined ? undefined : parseDuration(resolvedWithin), source });
  }
  if ('audit' in e) return strip({ kind: 'audit', action: e.audit, count: e.count, min: e.min, max: e.max, source });
  const value = (v: number | string | undefined) => (typeof v === 'string' && DURATION_METRICS.has(e.metric) ? parseDuration(v) : typeof v === 'number' ? v : undefined);
  return strip({ kind: 'metric', metric: e.metric, min: value(e.min), max: value(e.max), equals: value(e.equals), source });
}

/** Drops undefined fields: "absent" means "not checked", and deepEqual-style tests agree. */
function strip<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
