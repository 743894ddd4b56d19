import type { AnyStateMachine } from 'xstate';
import type {
  AuditEntry,
  Clock,
  DecisionRecord,
  ImpactAssessment,
  IncidentRecord,
  PolicyConfig,
  Responder,
  TenantRecord,
} from '../machines/types.js';
import type { IncidentContext } from '../machines/incidentContext.js';
import type { Store } from '../store/types.js';
import type { ClusterSettings } from './cluster/clusterEngine.js';

/** Runs a job once; throws to fail. `attempt` is 0 for the first run, 1–3 for retries. */
export type JobRunner = (ctx: { attempt: number; jobId: string; input?: unknown }) => Promise<unknown> | unknown;

/** A job an agent runs. */
export interface JobSpec {
  id?: string;
  agent: string;
  workflow?: string | null;
  tenant?: string | null;
  /** Name of a runner registered in `EngineOptions.jobs`: after a restart, retries find it by name. */
  kind?: string;
  input?: unknown;
  /** The job itself, when it is not a registered `kind` (not re-runnable after a restart). */
  run?: JobRunner;
  /** How bad a failure of this job is; the engine's `assess` hook decides when absent. */
  impact?: Partial<ImpactAssessment>;
  /** Whether an error is worth retrying (default: not for `retryable: false` errors or programming errors). */
  retryable?: (error: unknown) => boolean;
  /** A known root cause: the fingerprint uses it instead of the error signature. */
  rootCause?: string;
  /** Scripted 5 Whys for the review. */
  whys?: Array<{ why: string; because: string }>;
  /** A label carried into the incident record (rehearsals put the scenario's failure id here). */
  failure?: string;
  /** When the failure really began (epoch ms), for silent failures found later (MTTD). */
  startedAt?: number;
}

/** A responder's acknowledgement latency (ms, or sampled from the engine's random source) and capacity. */
export interface ResponderSettings {
  ack?: number | ((random: () => number) => number);
  capacity?: number;
}

/** Options of `createIncidentEngine`. */
export interface EngineOptions {
  /** Defaults to a memory store. Pass `await openStore(file)` for the embedded lowdb store. */
  store?: Store;
  /** Defaults to the real clock. */
  clock?: Clock;
  /** Policy overrides, copied into each incident when it opens. */
  config?: Partial<PolicyConfig>;
  /** Id source (default: nanoid); rehearsals pass a seeded one. */
  ids?: (prefix: string) => string;
  /** Random numbers in [0,1) for sampled latencies (default Math.random; seeded in rehearsals). */
  random?: () => number;
  /** Registered job runners by kind: what retries re-run, also after a restart. */
  jobs?: Record<string, JobRunner>;
  responders?: Partial<Record<Responder, ResponderSettings>>;
  tenants?: TenantRecord[];
  agents?: Array<{ id: string; tenant?: string | null; workflows?: string[] }>;
  /** Impact of a failure whose job gave none (default: a broken feature, P2). */
  assess?: (error: unknown, job: JobSpec) => Partial<ImpactAssessment>;
  /**
   * Called when an incident's owner starts on the fix; call `engine.resolve()` when it is in.
   * After a restart it is called again for each incident still being fixed.
   */
  onFix?: (incident: IncidentContext, owner: Responder) => void;
  /**
   * Over a PostgreSQL store opened read-only (one of N engine processes): the queue's and
   * pool's settings. See README, "Scaling out".
   */
  cluster?: ClusterSettings;
}

export type EngineEvent =
  | { type: 'audit'; entry: AuditEntry }
  | { type: 'incident'; incident: IncidentRecord }
  | { type: 'decision'; decision: DecisionRecord }
  /** The database connection of a store that has one (PostgreSQL) went away or came back. */
  | { type: 'connection'; status: 'lost' | 'restored'; error?: string };

/** The incident-response engine an agent platform embeds. */
export interface IncidentEngine {
  readonly store: Store;
  readonly clock: Clock;
  /** Runs a job through the worker engine loop; a failure opens (or joins) an incident. */
  submit(job: JobSpec): { jobId: string; done: Promise<'succeeded' | 'failed'>; queued?: Promise<void> };
  /**
   * Answers one of Atlas's go/no-go decisions; `by` names the person (audited). Over
   * PostgreSQL it returns a promise (rejected with `EngineError` for a mistake): await it.
   */
  decide(decisionId: string, answer: 'approve' | 'deny', by: string): void | Promise<void>;
  /** The fix is in: the owner resolves the incident (a promise over PostgreSQL, as `decide`). */
  resolve(incidentId: string, opts?: { by?: string; note?: string; rootCause?: string; whys?: Array<{ why: string; because: string }> }): void | Promise<void>;
  pendingDecisions(): DecisionRecord[];
  /** Open incidents' current state values, for diagrams. */
  stateOf(incidentId: string): string | null;
  subscribe(listener: (event: EngineEvent) => void): () => void;
  /** The machine definitions, for diagrams. */
  readonly machines: Record<string, AnyStateMachine>;
  /** Stops every actor and timer and flushes the store (the store stays open). */
  stop(): Promise<void>;
}

/** A mistake in a call to the engine (unknown decision, incident not open...). */
export class EngineError extends Error {
  constructor(message: string) {
    super(`incident-flow: ${message}`);
    this.name = 'EngineError';
  }
}
