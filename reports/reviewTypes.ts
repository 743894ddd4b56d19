import type { AuditLevel, Actor, FollowUpRecord, Severity } from '../machines/types.js';

/** One line of the reconstructed timeline, straight from one audit entry. */
export interface TimelineRow {
  /** "T+mm:ss" from detection. */
  offset: string;
  offsetMs: number;
  ts: string;
  action: string;
  actor: Actor;
  level: AuditLevel;
  message: string;
  auditId: string;
}

export interface SlaMiss {
  kind: 'response' | 'resolution';
  dueAt: string;
  /** When the clock stopped (acknowledgement or resolution), null while it runs. */
  stoppedAt: string | null;
}

export interface ReviewImpact {
  tenants: string[];
  customerFacing: boolean;
  /** Tenants whose customers the failure reached (all affected tenants when customer-facing). */
  customerTenants: number;
  agents: string[];
  workflows: string[];
  /** `job.failed` audit entries of the jobs linked to the incident. */
  jobsFailed: number;
  jobsLinked: number;
  /** Petra's count of failed jobs, when she assessed it. */
  jobsFailedAssessed: number | null;
  /** Further failures with the same fingerprint attached to the incident. */
  attachedFailures: number;
  /** Detection → resolution, and failure start → resolution (to `now` while ongoing). */
  outageMs: { fromDetection: number; fromFailure: number; ongoing: boolean };
  financialUSD: number;
  dataCompromised: boolean;
  slaMissed: SlaMiss[];
}

export interface ProcessImprovement {
  area: 'monitoring' | 'escalation' | 'runbook';
  change: string;
  /** What happened that calls for it. */
  reason: string;
}

/** The structured post-incident review (`KbDocument.data`). */
export interface Review {
  incidentId: string;
  severity: Severity | null;
  status: string;
  agent: string;
  workflow: string | null;
  tenant: string | null;
  detectedAt: string;
  resolvedAt: string | null;
  writtenAt: string;
  timeline: TimelineRow[];
  whys: Array<{ why: string; because: string }>;
  /** 'scripted' when the incident carried its own 5 Whys, else derived from the failure data. */
  whysSource: 'scripted' | 'derived';
  rootCause: string;
  impact: ReviewImpact;
  correctiveActions: FollowUpRecord[];
  processImprovements: ProcessImprovement[];
}
