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

/**
 * Job kinds and the input each takes, for an engine typed per kind:
 * `createIncidentEngine<{ sendInvoices: { batch: string } }>(…)` types `submit`'s `input` and
 * the runner's by kind. The untyped default takes any kind, its input `unknown`.
 */
export type JobInputs = Record<string, unknown>;

/** What a map of kinds to inputs may be: an interface too (`interface Jobs { sendInvoices: Invoice }`). */
export type JobKinds = Record<string, any>;

/** True for the untyped engine's map (`JobInputs`, or any kind to `any`): every kind, input unknown. */
type AnyKind<Jobs> = string extends keyof Jobs ? (unknown extends Jobs[string & keyof Jobs] ? true : false) : false;

/**
 * `T`, where TypeScript infers nothing for it: TypeScript 5.4's `NoInfer`, spelt so that older
 * compilers read the declarations too.
 */
export type NoInference<T> = [T][T extends any ? 0 : never];

/**
 * `createIncidentEngine`'s arguments: as ever for the untyped engine; for one typed per kind,
 * options whose `jobs` has a runner for every kind (`NoInference`: the kinds are the type argument
 * given, never guessed from `jobs`, so an engine created without one stays untyped).
 */
export type EngineArguments<Jobs extends JobKinds> = AnyKind<Jobs> extends true
  ? [options?: EngineOptions]
  : [options: EngineOptions<NoInference<Jobs>> & { jobs: JobRunners<NoInference<Jobs>> }];

/** `input` as a job of this input type has it: optional only when the type admits `undefined`. */
type InputField<Input> = undefined extends Input ? { input?: Input } : { input: Input };

/**
 * What a runner is called with. `attempt` is 0 for the first run, 1–3 for retries; `input` is
 * the job's as the store holds it: after a restart a copy read back from JSON, so give a
 * typed kind an input that JSON keeps (no Date, Map or class instance).
 */
export type JobContext<Input = unknown> = { attempt: number; jobId: string } & InputField<Input>;

/**
 * Runs a job once; throws to fail. Typed per kind through `createIncidentEngine<Jobs>`.
 * @example const sendInvoices: JobRunner<{ batch: string }> = async ({ input }) => post(input.batch);
 */
export type JobRunner<Input = unknown> = (ctx: JobContext<Input>) => Promise<unknown> | unknown;

/** The runners of an engine typed per kind: one for every kind, each taking that kind's input. */
export type JobRunners<Jobs extends JobKinds> = { [K in keyof Jobs]: JobRunner<Jobs[K]> };

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
  /** How bad a failure of this job is; the engine's `assess` hook decides when absent. A `kind` the severity table lacks is refused by `submit` (`EngineError`). */
  impact?: Partial<ImpactAssessment>;
  /**
   * Whether an error is worth retrying. Default: an error with a `retryable` property is retried
   * unless it is `false`; one without is not when it is a `TypeError`, `RangeError` or
   * `SyntaxError` (programming errors).
   */
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

/** What a job has besides its kind, input and run. */
type JobSpecCommon = Omit<JobSpec, 'kind' | 'input' | 'run'>;

/**
 * A job `submit` takes from an engine typed per kind: one of `Jobs`' kinds with that kind's
 * `input` (required unless its type admits `undefined`), or one with its own `run` and no
 * kind. Of the untyped engine (`Jobs` the default `JobInputs`): any `JobSpec`, as always.
 */
export type JobSpecOf<Jobs extends JobKinds = JobInputs> = AnyKind<Jobs> extends true
  ? JobSpec
  : // `kind?: never`, not undefined: under exactOptionalPropertyTypes a typed job is still a JobSpec.
      | { [K in keyof Jobs & string]: JobSpecCommon & { kind: K; run?: JobRunner } & InputField<Jobs[K]> }[keyof Jobs & string]
      | (JobSpecCommon & { kind?: never; input?: unknown; run: JobRunner });

/** A responder's acknowledgement latency (ms, or sampled from the engine's random source) and capacity. */
export interface ResponderSettings {
  ack?: number | ((random: () => number) => number);
  capacity?: number;
}

/** Options of `createIncidentEngine`; typed per kind (`Jobs`), `jobs` holds a runner for each kind. */
export interface EngineOptions<Jobs extends JobKinds = JobInputs> {
  /** Defaults to a memory store. Pass `await openStore(file)` for the embedded lowdb store. */
  store?: Store;
  /**
   * Defaults to the real clock. A cluster engine stamps times with it, but its deadlines come
   * due on the database's wall clock: give it a clock that tells real time.
   */
  clock?: Clock;
  /** Policy overrides, copied into each incident when it opens. */
  config?: Partial<PolicyConfig>;
  /** Id source (default: nanoid); rehearsals pass a seeded one. */
  ids?: (prefix: string) => string;
  /** Random numbers in [0,1) for sampled latencies (default Math.random; seeded in rehearsals). */
  random?: () => number;
  /** Registered job runners by kind: what retries re-run, also after a restart. */
  jobs?: AnyKind<Jobs> extends true ? Record<string, JobRunner> : JobRunners<Jobs>;
  responders?: Partial<Record<Responder, ResponderSettings>>;
  tenants?: TenantRecord[];
  agents?: Array<{ id: string; tenant?: string | null; workflows?: string[] }>;
  /**
   * Impact of a failure whose job gave none (default: a broken feature, P2). A hook that throws
   * or answers no object gives the default; an answer's `kind` the severity table lacks, the default's.
   * `job` has its id, agent, workflow, kind and input wherever it runs: after a restart, and in
   * a cluster process other than the one that submitted it (a job's own `run` only there).
   */
  assess?: (error: unknown, job: JobSpec) => Partial<ImpactAssessment>;
  /**
   * Called when an incident's owner starts on the fix; call `engine.resolve()` when it is in.
   * After a restart it is called again for each incident still being fixed. A cluster engine
   * calls it once the step committed, in whichever process takes that work (another one's if
   * this process dies first): give every process the same hook.
   */
  onFix?: (incident: IncidentContext, owner: Responder) => void;
  /**
   * Over a PostgreSQL store opened `{ shared: true }` (one of N engine processes): the queue's
   * and pool's settings. See README, "Scaling out". The single-process engine has no use for it.
   */
  cluster?: ClusterSettings;
}

/**
 * What `subscribe()` listeners hear. Both engines emit the same events in the same order per
 * incident: a job's `job.failed` entry, then the audit entries of the incident step it leads
 * to, each `decision` as it is requested and settled, and the `incident` record as saved
 * (the store's own object, as `store.get` returns it: read it, do not edit it).
 * Differences by design: the single-process engine saves an incident once per burst of
 * transitions, so its `incident` events may skip states the cluster engine reports (one per
 * committed step); a cluster engine's listeners hear only what was applied in their own
 * process (after its commit), and `connection` comes only from a cluster engine.
 */
export type EngineEvent =
  | { type: 'audit'; entry: AuditEntry }
  | { type: 'incident'; incident: IncidentRecord }
  | { type: 'decision'; decision: DecisionRecord }
  /** A cluster engine's database connection went away or came back (the single-process engine never sends it). */
  | { type: 'connection'; status: 'lost' | 'restored'; error?: string };

/**
 * The incident-response engine an agent platform embeds. `createIncidentEngine` returns the
 * single-process engine, or over a PostgreSQL store opened `{ shared: true }` one of N cluster
 * engine processes (README, "Scaling out"): the same calls, events and `EngineError`s.
 * `IncidentEngine<Jobs>` is one typed per job kind (`createIncidentEngine<Jobs>`): its `submit`
 * takes `Jobs`' kinds, each with its input.
 */
export type IncidentEngine<Jobs extends JobKinds = JobInputs> = AnyKind<Jobs> extends true ? AnyKindEngine : KindedEngine<Jobs>;

/**
 * The engine taking any job kind, its input `unknown`: `IncidentEngine` without a type argument.
 * (An alias and two interfaces, not one generic interface: TypeScript compares instances of a
 * generic interface by its type argument, and an interface of kinds is no `Record<string, unknown>`,
 * so a typed engine would not pass where an `IncidentEngine` is taken, the watcher's option.)
 */
export interface AnyKindEngine {
  readonly store: Store;
  readonly clock: Clock;
  /** Resolves once the engine takes work: at once in one process; a cluster engine's once its queue is up. */
  readonly ready: Promise<void>;
  /**
   * Runs a job through the worker engine loop; a failure opens (or joins) an incident. `done`
   * settles after the job's first run (and the incident it opened or joined); `stop()`
   * rejects (`EngineError`) the `done` of every job whose first run it will not record (under
   * way, queued; in a cluster, run by another process), a `done` nobody awaits included. A cluster
   * engine also returns `queued`, resolved once the job is committed to the database; in one
   * process the job is in the store at once (`store.flush()` makes it durable).
   */
  submit(job: JobSpec): { jobId: string; done: Promise<'succeeded' | 'failed'>; queued?: Promise<void> };
  /**
   * Answers one of Atlas's go/no-go decisions; `by` names the person (audited). Throws
   * `EngineError` for a mistake (an unknown decision, one already answered, a bad answer,
   * after `stop()`); a cluster engine returns a promise rejected with it: await it.
   */
  decide(decisionId: string, answer: 'approve' | 'deny', by: string): void | Promise<void>;
  /** The fix is in: the owner resolves the incident (`EngineError` when it is not open; a promise in a cluster engine, as `decide`). */
  resolve(incidentId: string, opts?: { by?: string; note?: string; rootCause?: string; whys?: Array<{ why: string; because: string }> }): void | Promise<void>;
  /** The pending decisions in the store; a cluster engine's store copy is as fresh as its last `refresh()`. */
  pendingDecisions(): DecisionRecord[];
  /** The pending decisions as the store holds them now (a cluster engine asks the database; after `stop()`, its store, refreshed). */
  pendingDecisionsNow(): Promise<DecisionRecord[]>;
  /** Open incidents' current state values, for diagrams (a cluster engine: from its store copy, as `pendingDecisions`). */
  stateOf(incidentId: string): string | null;
  subscribe(listener: (event: EngineEvent) => void): () => void;
  /** The machine definitions, for diagrams. */
  readonly machines: Record<string, AnyStateMachine>;
  /**
   * Stops every actor, timer and queue worker, and flushes the store (the store stays open, and
   * may be closed once this resolves). The single-process engine starts no job run after it;
   * a run under way then writes nothing when it ends, and the next engine over the store runs
   * it again. A cluster engine waits for what is under way (README, "Scaling out").
   */
  stop(): Promise<void>;
}

/** An engine typed per job kind: `submit` takes one of `Jobs`' kinds with its input, or a job with its own `run`. */
export interface KindedEngine<Jobs extends JobKinds> extends Omit<AnyKindEngine, 'submit'> {
  /** As `AnyKindEngine.submit`, for `Jobs`' kinds: `{ kind: 'sendInvoices', agent, input: { batch: 'b-7' } }`. */
  submit(job: JobSpecOf<Jobs>): ReturnType<AnyKindEngine['submit']>;
}

/** A mistake in a call to the engine (unknown decision, incident not open...). */
export class EngineError extends Error {
  constructor(message: string) {
    super(`incident-flow: ${message}`);
    this.name = 'EngineError';
  }
}
