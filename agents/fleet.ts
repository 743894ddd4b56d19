import type { Runtime } from './runtime.js';
import { isoAt } from './runtime.js';

/** Pausing and resuming agents and workflows (Cheryl's mitigation); workers listen. */
export interface Fleet {
  pause(kind: 'agent' | 'workflow', id: string, incidentId: string): void;
  /** Resumes only what this incident paused. */
  resume(kind: 'agent' | 'workflow', id: string, incidentId: string): void;
}

export function createFleet(rt: Runtime, onChange: (kind: 'agent' | 'workflow', id: string, paused: boolean) => void): Fleet {
  const set = (kind: 'agent' | 'workflow', id: string, incidentId: string, paused: boolean): void => {
    const at = isoAt(rt.clock.now());
    if (kind === 'agent') {
      const row = rt.store.get('agents', id) ?? { id, tenant: null, workflows: [], status: 'active' as const, pausedBy: null, updatedAt: at };
      if (!paused && row.pausedBy !== incidentId) return;
      rt.store.put('agents', { ...row, status: paused ? 'paused' : 'active', pausedBy: paused ? incidentId : null, updatedAt: at });
    } else {
      const row = rt.store.get('workflows', id) ?? { id, status: 'active' as const, pausedBy: null, updatedAt: at };
      if (!paused && row.pausedBy !== incidentId) return;
      rt.store.put('workflows', { ...row, status: paused ? 'paused' : 'active', pausedBy: paused ? incidentId : null, updatedAt: at });
    }
    onChange(kind, id, paused);
  };
  return {
    pause: (kind, id, incidentId) => set(kind, id, incidentId, true),
    resume: (kind, id, incidentId) => set(kind, id, incidentId, false),
  };
}
