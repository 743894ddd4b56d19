/**
 * Domain types shared by the machines, the agents, the store and the tools.
 * Pure type declarations: no runtime code, no I/O.
 */

export type Severity = 'P0' | 'P1' | 'P2' | 'P3';
export const SEVERITIES: readonly Severity[] = ['P0', 'P1', 'P2', 'P3'];

/** Time as the machines and agents see it: injected, never read from the wall. */
export interface Clock {
  /** Epoch milliseconds. */
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(id: unknown): void;
}

/** The escalation chain of the spec, in order. */
export type Responder = 'cheryl' | 'petra' | 'atlas';
export type Actor = Responder | 'engine' | 'worker' | 'chairman' | 'human' | 'system' | (string & {});

/**
 * What an impact assessment says about a failure (spec: "Classification: assigns
 * severity level based on impact assessment").
 */
export type ImpactKind =
  | 'platform-down'
  | 'subsystem-failed'
  | 'data-integrity'
  | 'safety'
  | 'feature-broken'
  | 'cosmetic';

export interface ImpactAssessment {
  kind: ImpactKind;
  /** The failure reaches a tenant's customers: the tenant admin is notified. */
  customerFacing: boolean;
  /** Resolution needs more than one agent working together. */
  crossAgent: boolean;
  /** Resolution needs a code or configuration change. */
  needsChange: boolean;
  /** Money at stake, compared with AUTO_SPEND_LIMIT_USD. */
  financialUSD: number;
  /** Customer data may have been compromised. */
  dataCompromised: boolean;
  /** An executive decision the recovery needs (for example "rollback"), or null. */
  decision: string | null;
}

/** Policy knobs; copied into each incident when it opens. */
export interface PolicyConfig {
  AUTO_SPEND_LIMIT_USD: number;
  /** Cheryl escalates any incident open longer than this (spec: 2 hours). */
  TWO_HOUR_RULE_MS: number;
  /** Retry delays before attempts 1..n (spec: 0 s, 5 s, 25 s). */
  RETRY_DELAYS_MS: number[];
  /** Maintenance window for P3 "next window": weekly, UTC. day 0 = Sunday. */
  MAINTENANCE_WINDOW: { day: number; hour: number; minute: number };
  /** Severities that get a post-incident review (spec: P0, P1, and optionally P2). */
  REVIEW_SEVERITIES: Severity[];
  /** What happens when nobody answers a go/no-go decision in time. */
  DECISION_TIMEOUT_MS: number;
  DECISION_TIMEOUT_POLICY: 'approve' | 'deny' | 'escalate';
  /**
   * An acknowledgement not given within this time re-escalates (PagerDuty-style).
   * null (the default): the severity's response target, at least 15 min (P0/P1 15 min,
   * P2 1 h, P3 24 h).
   */
  ACK_TIMEOUT_MS: number | null;
  /**
   * A job attempt that has not settled by then fails as retryable (JobTimeoutError), so a
   * hung job never holds its agent's queue. Default 10 min.
   */
  JOB_TIMEOUT_MS: number;
}

export type IncidentStatus =
  | 'detected'
  | 'retrying'
  | 'triaged'
  | 'coordinated'
  | 'executive'
  | 'resolved'
  | 'auto_resolved'
  | 'closed';

export interface RetryRecord {
  attempt: number;
  delayMs: number;
  at: string;
  outcome: 'succeeded' | 'failed';
  error?: string;
}

export interface EscalationRecord {
  from: Actor;
  to: Responder | 'human';
  criteria: string[];
  at: string;
}

export interface FailureError {
  message: string;
  name?: string;
  stack?: string;
  retryable: boolean;
}

/** What Petra's coordination produced (Step 4): assigned agents, impact, workaround, ETA, stakeholders. */
export interface Coordination {
  assigned: string[];
  humanDeveloper: boolean;
  workaround: string | null;
  eta: string | null;
  affected: { workflows: string[]; tenants: string[]; agents: string[]; failedJobs: number };
  /** Who besides Atlas gets the status updates (spec, Step 4.5): the admins of the tenants a customer-facing incident affects (those Cheryl notifies); absent when none. */
  stakeholders?: string[];
}

/** One row of the `incidents` table. Times are ISO-8601 strings. */
export interface IncidentRecord {
  id: string;
  /** Normalized error signature, or the root cause a diagnosis set. */
  fingerprint: string;
  rootCause: string | null;
  /** Id of an earlier, resolved incident with the same fingerprint. */
  repeatOf: string | null;
  tenant: string | null;
  agent: string;
  workflow: string | null;
  jobId: string | null;
  /** Scenario failure id, when a rehearsal opened it. */
  failure: string | null;
  error: FailureError;
  impact: ImpactAssessment | null;
  severity: Severity | null;
  status: IncidentStatus;
  /** The XState state value, dotted (for example "executive.awaitingDecision"). */
  state: string;
  assignee: Responder | null;
  autoResolved: boolean;
  failureStartedAt: string;
  detectedAt: string;
  respondedAt: string | null;
  resolvedAt: string | null;
  closedAt: string | null;
  retries: RetryRecord[];
  escalations: EscalationRecord[];
  /** Further failures with the same fingerprint attached to this incident. */
  attached: number;
  slaBreaches: Array<{ kind: 'response' | 'resolution'; at: string }>;
  findings: string[];
  reviewId: string | null;
  /** States the incident machine passed through, in order (for the watcher's diagram). */
  path: Array<{ state: string; at: string }>;
  /** Scripted or diagnosed "5 Whys" chain: why/because pairs ending at the root cause. */
  whys: Array<{ why: string; because: string }>;
  /** Petra's coordination, once she has coordinated. */
  coordination: Coordination | null;
  /** Atlas's go/no-go decision, when one was needed. */
  decisionId: string | null;
  policy: PolicyConfig;
  /** XState persisted snapshot of the incident actor, for restore. */
  snapshot?: unknown;
}

export type AuditLevel = 'info' | 'warn' | 'error';

/** One row of `audit_log` (spec: "Audit Trail Logging"). */
export interface AuditEntry {
  id: string;
  ts: string;
  actor: Actor;
  entityType: 'incident' | 'job' | 'agent' | 'workflow' | 'decision' | 'document' | 'engine';
  entityId: string;
  action: string;
  level: AuditLevel;
  message: string;
  meta: Record<string, unknown>;
}

export type JobStatus = 'queued' | 'running' | 'succeeded' | 'failed';

export interface JobRecord {
  id: string;
  /** Name of the registered job runner, so retries can re-run it after a restart. */
  kind: string | null;
  input?: unknown;
  agent: string;
  workflow: string | null;
  tenant: string | null;
  status: JobStatus;
  attempts: number;
  createdAt: string;
  updatedAt: string;
  error: string | null;
  incidentId: string | null;
  /**
   * What the submit said of a failure, kept with a job the next engine can run (one with a
   * kind): its first run there, after a restart, fails as the caller said (the impact and its
   * severity, the root cause the fingerprint uses…), not as an unassessed P2.
   */
  failureSpec?: JobFailureSpec;
}

/** The parts of a submitted job that shape the incident its failure opens (`JobSpec`'s fields of these names). */
export interface JobFailureSpec {
  impact?: Partial<ImpactAssessment>;
  rootCause?: string;
  whys?: Array<{ why: string; because: string }>;
  failure?: string;
  startedAt?: number;
}

export interface AgentRecord {
  id: string;
  tenant: string | null;
  workflows: string[];
  status: 'active' | 'paused';
  pausedBy: string | null;
  updatedAt: string;
}

export interface WorkflowRecord {
  id: string;
  status: 'active' | 'paused';
  pausedBy: string | null;
  updatedAt: string;
}

export interface TenantRecord {
  id: string;
  admin: string;
}

export interface NotificationRecord {
  id: string;
  ts: string;
  from: Actor;
  to: string;
  channel: 'internal' | 'email' | 'memo' | 'status';
  subject: string;
  body: string;
  incidentId: string | null;
}

export interface KbDocument {
  id: string;
  tags: string[];
  title: string;
  /** Markdown. */
  body: string;
  createdAt: string;
  incidentId: string | null;
  /** Structured content the document was rendered from. */
  data?: unknown;
}

/** A deadline that must survive a restart (retry due, SLA, 2-hour rule, decision timeout). */
export interface DeadlineRecord {
  id: string;
  incidentId: string;
  kind: string;
  /** Epoch milliseconds. */
  dueAt: number;
  event: { type: string } & Record<string, unknown>;
}

/** A responder's load, visible in the store. */
export interface ResponderRecord {
  id: Responder;
  capacity: number;
  active: string[];
  queue: string[];
  updatedAt: string;
}

/**
 * A go/no-go decision's status: `withdrawn` when its incident was resolved before anyone
 * answered (nothing is left to decide; an answer after is refused).
 */
export type DecisionStatus = 'pending' | 'approved' | 'denied' | 'timed_out' | 'withdrawn';

/** How a decision was settled. */
export type SettledDecision = Exclude<DecisionStatus, 'pending'>;

export interface DecisionRecord {
  id: string;
  incidentId: string;
  action: string;
  status: DecisionStatus;
  requestedAt: string;
  answeredAt: string | null;
  by: string | null;
  timeoutAt: string;
}

export interface FollowUpRecord {
  id: string;
  incidentId: string;
  reviewId: string;
  action: string;
  owner: string;
  dueAt: string;
  status: 'open' | 'done';
  doneAt: string | null;
}
