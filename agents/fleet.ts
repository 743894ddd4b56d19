import type { AgentRecord, IncidentRecord, WorkflowRecord } from '../machines/types.js';
import { isSerious } from '../machines/policies/severity.js';
import { mitigationTarget, type PauseKind } from '../machines/policies/mitigation.js';
import type { Runtime } from './runtime.js';
import { isoAt } from './runtime.js';

export { mitigationTarget, type PauseKind };

/** Pausing and resuming agents and workflows (Cheryl's mitigation); workers listen. */
export interface Fleet {
  pause(kind: PauseKind, id: string, incidentId: string): void;
  /** Resumes only what this incident paused. */
  resume(kind: PauseKind, id: string, incidentId: string): void;
  /** What `from` paused stays paused, now held by `to` (see `holdsPause`); nothing else changes. */
  handOver(kind: PauseKind, id: string, from: string, to: string): void;
}

/** The table of what a mitigation of each kind pauses. */
export const PAUSE_TABLE = { agent: 'agents', workflow: 'workflows' } as const satisfies Record<PauseKind, string>;

/**
 * The row of an agent or workflow the store holds none of (never paused, nor an agent the engine
 * was configured with): active, as is anything the fleet has not heard of, until a pause writes it.
 * @example unpausedRow('workflow', 'invoice-run', at) // { id: 'invoice-run', status: 'active', pausedBy: null, updatedAt: at }
 */
export function unpausedRow(kind: PauseKind, id: string, at: string): AgentRecord | WorkflowRecord {
  return kind === 'agent' ? { id, tenant: null, workflows: [], status: 'active', pausedBy: null, updatedAt: at } : { id, status: 'active', pausedBy: null, updatedAt: at };
}

/**
 * Whether an incident's mitigation still wants that agent or workflow paused: a P0/P1 Cheryl
 * triaged (her findings are in it: her triage paused its target) and not yet resolved; also one
 * a worse failure made a P0/P1 after her triage (that join paused its target, as her triage would
 * have: `incident.mitigated`), whose target stays paused while it is open. A row names one
 * incident (`pausedBy`); when two paused it, the one resolved first hands it to the other
 * instead of resuming it, so an open incident's mitigation is never lifted by another's fix.
 */
export function holdsPause(incident: Pick<IncidentRecord, 'agent' | 'workflow' | 'severity' | 'findings' | 'resolvedAt'>, kind: PauseKind, id: string): boolean {
  if (incident.resolvedAt !== null || !isSerious(incident.severity) || incident.findings.length === 0) return false;
  const target = mitigationTarget(incident);
  return target.kind === kind && target.id === id;
}

export function createFleet(rt: Runtime, onChange: (kind: PauseKind, id: string, paused: boolean) => void): Fleet {
  const set = (kind: PauseKind, id: string, from: string, pausedBy: string | null): void => {
    const at = isoAt(rt.clock.now());
    const paused = pausedBy !== null;
    const row = rt.store.get(PAUSE_TABLE[kind], id) ?? unpausedRow(kind, id, at);
    if (pausedBy !== from && row.pausedBy !== from) return;
    rt.store.put(PAUSE_TABLE[kind], { ...row, status: paused ? 'paused' : 'active', pausedBy, updatedAt: at });
    // A hand-over leaves the row paused: the workers have nothing to hear.
    if (pausedBy === from || !paused) onChange(kind, id, paused);
  };
  return {
    pause: (kind, id, incidentId) => set(kind, id, incidentId, incidentId),
    resume: (kind, id, incidentId) => set(kind, id, incidentId, null),
    handOver: (kind, id, from, to) => set(kind, id, from, to),
  };
}
