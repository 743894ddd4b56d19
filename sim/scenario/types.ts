/**
 * A rehearsal scenario after `parseScenario`: checked, defaults applied, durations in
 * milliseconds. Conventions:
 * - `startMs` is epoch milliseconds; every other time (`atMs`, `untilMs`, `fromMs`) is an
 *   offset from it, as in the file (`at: 5m`), and every `…Ms` length is a duration.
 * - `fleet` is expanded at parse time into `tenants` and `agents`, so references to
 *   generated agents are checked like any other.
 * - `repeat`, `storm` and `load` are kept as written; `expandFailures(scenario, random)`
 *   turns them into the timeline of `FailureEvent`s (load arrivals are random, so the
 *   runner expands with its seeded random).
 */
import type { ImpactAssessment, PolicyConfig, Responder, Severity } from '../../machines/types.js';
import type { Latency } from '../latency.js';
import type { TextPosition } from './problems.js';

export type { Latency };

/** Where an entry was written, so reports can point back into the file. */
export interface SourceRef {
  /** e.g. "failures[2]" or "expect[0]". */
  path: string;
  /** 1-based; null when the entry was generated (fleet). */
  line: number | null;
}

/** Where an expectation was written, and where each of its keys' values is. */
export interface ExpectationSource extends SourceRef {
  /**
   * Per key written in the entry (`severity`, `resolvedWithin`, `max`, …), where its value is:
   * a failing expectation names the field that failed, there (`expect[2].resolvedWithin`).
   * Absent (an expectation built in code), its mismatches have no place: none is made up.
   */
  fields?: Record<string, TextPosition>;
}

export interface Why {
  why: string;
  because: string;
}

export interface TenantSpec {
  id: string;
  admin: string;
}

export interface AgentSpec {
  id: string;
  tenant: string | null;
  workflows: string[];
}

export interface ResponderProfile {
  /** Time to acknowledge a page. Default 2m. */
  ack: Latency;
  /** Incidents worked at once; null = no limit (the default). */
  capacity: number | null;
}

/** The person answering Atlas's go/no-go decisions. Default: approves after 15m. */
export interface HumanProfile {
  answer: 'approve' | 'deny' | 'none';
  after: Latency;
}

/** What a failure does once it happens; shared by scripted failures and load mixes. */
export interface FailureBehaviour {
  error: string;
  /** Default true. */
  retryable: boolean;
  /** The retry attempt that succeeds; null = never (default). */
  succeedsOnAttempt: 1 | 2 | 3 | null;
  /** Default 0. */
  detectAfterMs: number;
  /** Default null. */
  rootCause: string | null;
  /** Defaults: kind feature-broken, flags false, financialUSD 0, decision null. */
  impact: ImpactAssessment;
  /** After the last escalation. Default 30m. */
  fixedAfterMs: number;
  whys: Why[];
  /** Simultaneous copies. Default 1. */
  storm: number;
}

export interface FailureSpec extends FailureBehaviour {
  id: string;
  atMs: number;
  agent: string;
  workflow: string | null;
  /** Written, or else the agent's tenant. */
  tenant: string | null;
  /** `count` occurrences in all, the first at `atMs`. */
  repeat: { everyMs: number; count: number } | null;
  source: SourceRef;
}

export interface LoadMixEntry extends FailureBehaviour {
  id: string;
  weight: number;
  /** null = drawn at random from all agents. */
  agent: string | null;
  /** null = drawn from the agent's workflows (null when it has none). */
  workflow: string | null;
}

/** Failures arriving at random (a Poisson process) at `perDay` during [fromMs, fromMs + forMs). */
export interface LoadSpec {
  perDay: number;
  fromMs: number;
  forMs: number;
  mix: LoadMixEntry[];
  source: SourceRef;
}

/** One failure on the timeline, as `expandFailures` returns it: one copy of a storm each. */
export interface FailureEvent extends Omit<FailureBehaviour, 'storm'> {
  /** Unique within the run: `<failureId>#<n>`, n counting from 1 in time order. */
  key: string;
  /** The scripted failure's or the load mix entry's id. */
  failureId: string;
  /** Offset from start. */
  atMs: number;
  agent: string;
  workflow: string | null;
  tenant: string | null;
}

export type MetricName =
  | 'mttdMs'
  | 'mttrMs'
  | 'mttResolveMs'
  | 'autoResolveRate'
  | 'repeatRate'
  | 'slaAttainment'
  | 'incidents'
  | 'escalations'
  | 'slaBreaches';

/**
 * What a failure expectation's `escalatedTo` may name: Cheryl is where every incident the
 * retries do not settle goes first (`incident.assigned`), never the target of an escalation.
 */
export type EscalatedTo = Exclude<Responder, 'cheryl'> | 'none';

/** Checked against every occurrence of the failure. Absent fields are not checked. */
export interface FailureExpectation {
  kind: 'failure';
  failure: string;
  severity?: Severity;
  /** The highest responder a responder escalated it to; 'none' = Cheryl kept it or a retry settled it. */
  escalatedTo?: EscalatedTo;
  autoResolved?: boolean;
  resolvedWithinMs?: number;
  source: ExpectationSource;
}

/** How many entries of `action` the run wrote; with no bound (built in code), at least one. */
export interface AuditExpectation {
  kind: 'audit';
  action: string;
  count?: number;
  min?: number;
  max?: number;
  source: ExpectationSource;
}

/** Bounds are inclusive; durations written for *Ms metrics are in milliseconds here. */
export interface MetricExpectation {
  kind: 'metric';
  metric: MetricName;
  min?: number;
  max?: number;
  equals?: number;
  source: ExpectationSource;
}

export type Expectation = FailureExpectation | AuditExpectation | MetricExpectation;

export interface Scenario {
  /** The file it was read from, as given. */
  file: string;
  name: string;
  description: string | null;
  /** Default 1. */
  seed: number;
  /** Epoch ms. Default 2026-01-05T09:00:00Z (a Monday). */
  startMs: number;
  /** Horizon after start; null = run until every incident is closed. */
  untilMs: number | null;
  /** Only the keys written; the engine fills in the rest. */
  config: Partial<PolicyConfig>;
  /** Listed ones first, then the fleet's. */
  tenants: TenantSpec[];
  agents: AgentSpec[];
  responders: Record<Responder, ResponderProfile>;
  human: HumanProfile;
  failures: FailureSpec[];
  load: LoadSpec[];
  expect: Expectation[];
}
