/**
 * A scenario as written in YAML or JSON, once it matches scenario.schema.json: the shape
 * `parseScenario` checks and normalizes into `Scenario`. Durations are strings here.
 */
import type { ImpactKind, Responder, Severity } from '../../machines/types.js';
import type { LatencySpec } from '../latency.js';
import type { EscalatedTo, MetricName, Why } from './types.js';

export type DurationText = string;

export interface ImpactInput {
  kind?: ImpactKind;
  customerFacing?: boolean;
  crossAgent?: boolean;
  needsChange?: boolean;
  financialUSD?: number;
  dataCompromised?: boolean;
  decision?: string | null;
}

export interface BehaviourInput {
  error: string;
  retryable?: boolean;
  succeedsOnAttempt?: 1 | 2 | 3 | 'never';
  detectAfter?: DurationText;
  rootCause?: string;
  impact?: ImpactInput;
  fixedAfter?: DurationText;
  whys?: Why[];
  storm?: number;
}

export interface FailureInput extends BehaviourInput {
  id: string;
  at?: DurationText;
  agent: string;
  workflow?: string;
  tenant?: string;
  repeat?: { every: DurationText; count: number };
}

export interface MixInput extends BehaviourInput {
  id: string;
  weight?: number;
  agent?: string;
  workflow?: string;
}

export interface LoadInput {
  rate?: string;
  perDay?: number;
  from?: DurationText;
  for: DurationText;
  mix: MixInput[];
}

export type ExpectationInput =
  | { failure: string; severity?: Severity; escalatedTo?: EscalatedTo; autoResolved?: boolean; resolvedWithin?: DurationText }
  | { audit: string; count?: number; min?: number; max?: number }
  | { metric: MetricName; min?: number | DurationText; max?: number | DurationText; equals?: number | DurationText };

export interface FleetInput {
  agents: number;
  tenants?: number;
  workflowsPerAgent?: number;
}

export interface ScenarioInput {
  $schema?: string;
  name: string;
  description?: string;
  seed?: number;
  start?: string;
  until?: DurationText;
  /** PolicyConfig keys; *_MS values are durations or milliseconds. */
  config?: Record<string, unknown>;
  tenants?: Array<{ id: string; admin: string }>;
  agents?: Array<{ id: string; tenant?: string; workflows?: string[] }>;
  fleet?: FleetInput;
  responders?: Partial<Record<Responder, { ack?: LatencySpec; capacity?: number }>>;
  human?: { answer?: 'approve' | 'deny' | 'none'; after?: LatencySpec };
  failures?: FailureInput[];
  load?: LoadInput[];
  expect?: ExpectationInput[];
}
