import type { AnyStateMachine } from 'xstate';
import type {
  AuditEntry,
  Clock,
  DecisionRecord,
  ImpactAssessment,
  IncidentRecord,
  PolicyConfig,
} from '../machines/types.js';
import type { Store } from '../store/types.js';

/** A job an agent runs. `run` throws to fail. */
export interface JobSpec {
  id?: string;
  agent: string;
  workflow?: string | null;
  tenant?: string | null;
  run: (ctx: { attempt: number; jobId: string }) => Promise<unknown> | unknown;
  /** How bad a failure of this job is; the engine's `assess` hook decides when absent. */
  impact?: Partial<ImpactAssessment>;
  /** Decide whether an error is worth retrying (default: errors with `retryable === false` are not). */
  retryable?: (error: unknown) => boolean;
  rootCause?: string;
}

/** Options of `createIncidentEngine`. */
export interface EngineOptions {
  /** Defaults to a memory store. */
  store?: Store;
  /** Defaults to the real clock. */
  clock?: Clock;
  config?: Partial<PolicyConfig>;
  /** Id source (default nanoid); rehearsals pass a seeded one. */
  ids?: (prefix: string) => string;
  /** Random numbers in [0,1) for responder latencies (default Math.random in the engine, seeded in rehearsals). */
  random?: () => number;
}

export type EngineEvent =
  | { type: 'audit'; entry: AuditEntry }
  | { type: 'incident'; incident: IncidentRecord }
  | { type: 'decision'; decision: DecisionRecord };

export interface IncidentEngine {
  readonly store: Store;
  readonly clock: Clock;
  /** Runs a job through the worker engine loop; failures open (or join) an incident. */
  submit(job: JobSpec): Promise<{ jobId: string; status: 'succeeded' | 'failed' | 'queued' }>;
  /** Answers one of Atlas's go/no-go decisions. `by` names the person (audited). */
  decide(decisionId: string, answer: 'approve' | 'deny', by: string): void;
  /** Marks the fix in place: the owner resolves the incident. */
  resolve(incidentId: string, opts?: { by?: string; note?: string; rootCause?: string; whys?: Array<{ why: string; because: string }> }): void;
  pendingDecisions(): DecisionRecord[];
  subscribe(listener: (event: EngineEvent) => void): () => void;
  /** The machine definitions, for diagrams. */
  readonly machines: Record<string, AnyStateMachine>;
  stop(): Promise<void>;
}
