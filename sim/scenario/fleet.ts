import type { AgentSpec, TenantSpec } from './types.js';

export interface Fleet {
  agents: number;
  tenants: number;
  workflowsPerAgent: number;
}

/**
 * The tenants and agents a `fleet:` line stands for: tenant-01…, agent-001…, agents dealt
 * to tenants in turn, workflows `<agent>-wf1`…. Names are zero-padded so they sort.
 *
 * @example
 * expandFleet({ agents: 3, tenants: 2, workflowsPerAgent: 1 }).agents[2];
 * // { id: 'agent-003', tenant: 'tenant-01', workflows: ['agent-003-wf1'] }
 */
export function expandFleet(fleet: Fleet): { tenants: TenantSpec[]; agents: AgentSpec[] } {
  const name = (prefix: string, i: number, count: number, width: number) =>
    `${prefix}-${String(i + 1).padStart(Math.max(width, String(count).length), '0')}`;
  const tenants = Array.from({ length: fleet.tenants }, (_, i) => {
    const id = name('tenant', i, fleet.tenants, 2);
    return { id, admin: `ops@${id}.example` };
  });
  const agents = Array.from({ length: fleet.agents }, (_, i) => {
    const id = name('agent', i, fleet.agents, 3);
    const workflows = Array.from({ length: fleet.workflowsPerAgent }, (_, k) => `${id}-wf${k + 1}`);
    return { id, tenant: tenants[i % tenants.length]?.id ?? null, workflows };
  });
  return { tenants, agents };
}
