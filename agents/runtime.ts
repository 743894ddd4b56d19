import type { AuditEntry, Clock, PolicyConfig } from '../machines/types.js';
import type { AuditParams } from '../machines/incidentContext.js';
import type { Store } from '../store/types.js';
import type { EngineEvent } from './types.js';

/**
 * What every part of the engine shares: the store, the clock, the id and random
 * sources, the policies in force, and the event stream subscribers read.
 */
export interface Runtime {
  store: Store;
  clock: Clock;
  ids: (prefix: string) => string;
  random: () => number;
  policy: PolicyConfig;
  emit(event: EngineEvent): void;
}

export const isoAt = (t: number): string => new Date(t).toISOString();

/** Writes one audit entry (the machine built its content; the shell adds id and time). */
export function writeAudit(rt: Runtime, entityType: AuditEntry['entityType'], entityId: string, p: AuditParams): AuditEntry {
  const entry: AuditEntry = {
    id: rt.ids('aud'),
    ts: isoAt(p.at),
    actor: p.actor,
    entityType,
    entityId,
    action: p.action,
    level: p.level,
    message: p.message,
    meta: p.meta,
  };
  rt.store.appendAudit(entry);
  rt.emit({ type: 'audit', entry });
  return entry;
}
