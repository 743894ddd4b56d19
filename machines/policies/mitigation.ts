/** What a mitigation pauses: an agent or a workflow. */
export type PauseKind = 'agent' | 'workflow';

/**
 * What Cheryl's mitigation pauses for a P0/P1 (spec, Step 3.3): the narrowest thing that stops
 * the damage, the incident's workflow, or its agent when it names none.
 * @example mitigationTarget({ agent: 'billing', workflow: 'invoice-run' }) // { kind: 'workflow', id: 'invoice-run' }
 */
export function mitigationTarget(incident: { agent: string; workflow: string | null }): { kind: PauseKind; id: string } {
  return incident.workflow ? { kind: 'workflow', id: incident.workflow } : { kind: 'agent', id: incident.agent };
}
