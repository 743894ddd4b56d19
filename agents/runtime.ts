import type { AuditEntry, Clock, PolicyConfig } from '../machines/types.js';
import { iso, type AuditParams } from '../machines/incidentContext.js';
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

export const isoAt = iso;

/** Writes one audit entry (the machine built its content; the shell adds id and time). */
export function writeAudit(rt: Runtime, entityType: AuditEntry['entityType'], entityId: string, p: AuditParams): AuditEntry {
  // Keys in sorted order: the store's canonical JSON then serializes it without a sorted copy.
  const entry: AuditEntry = {
    action: p.action,
    actor: p.actor,
    entityId,
    entityType,
    id: rt.ids('aud'),
    level: p.level,
    message: p.message,
    meta: p.meta,
    ts: isoAt(p.at),
  };
  rt.store.appendAudit(entry);
  rt.emit({ type: 'audit', entry });
  return entry;
}
