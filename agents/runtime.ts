import type { AuditEntry, Clock, PolicyConfig } from '../machines/types.js';
import { iso, type AuditParams } from '../machines/incidentContext.js';
import type { Store } from '../store/types.js';
import { nanoid } from 'nanoid';
import { resolvePolicy } from '../machines/policies/config.js';
import { createMemoryStore } from '../store/memoryStore.js';
import { RealClock } from './realClock.js';
import type { EngineEvent, EngineOptions } from './types.js';

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

/** `store.put`'s and `store.appendAudit`'s option for a row built for that call and never edited again: the store keeps it (no copy; an audit row unserialized until read). */
export const HAND_OVER = Object.freeze({ handOver: true });

/**
 * The runtime an engine's options ask for (defaults: a memory store, the real clock,
 * nanoid ids, Math.random), with `emit` supplied by the engine.
 */
export function runtimeOf(options: EngineOptions, emit: (event: EngineEvent) => void): Runtime {
  return {
    store: options.store ?? createMemoryStore(),
    clock: options.clock ?? new RealClock(),
    ids: options.ids ?? ((prefix) => `${prefix}_${nanoid(16)}`),
    random: options.random ?? Math.random,
    policy: resolvePolicy(options.config),
    emit,
  };
}

/** Writes one audit entry (the machine built its content; the shell adds id and time). */
export function writeAudit(rt: Runtime, entityType: AuditEntry['entityType'], entityId: string, p: AuditParams): AuditEntry {
  const entry = auditEntry(rt, entityType, entityId, p);
  // Built here and never edited again (frozen): a memory store keeps the object, unserialized.
  // An array or object in `meta` is not frozen (the incident's context and record hold the
  // same one): such a row is serialized at once, so no later edit of it reaches the row.
  rt.store.appendAudit(entry, flat(entry.meta) ? HAND_OVER : undefined);
  rt.emit({ type: 'audit', entry });
  return entry;
}

/** Whether every value of `meta` is a primitive (nothing nested that could change later). */
function flat(meta: Record<string, unknown>): boolean {
  for (const key in meta) {
    const value = meta[key];
    if (typeof value === 'object' && value !== null) return false;
  }
  return true;
}

/**
 * An audit entry as the store keeps it, not yet written (the cluster writes it in its
 * transaction). Frozen, with its `meta` (one level: see writeAudit), on either host: the
 * subscribe() listeners get it as it was written, and cannot edit it by mistake.
 */
export function auditEntry(rt: Pick<Runtime, 'ids'>, entityType: AuditEntry['entityType'], entityId: string, p: AuditParams): AuditEntry {
  Object.freeze(p.meta);
  // Keys in sorted order: the store's canonical JSON then serializes it without a sorted copy.
  return Object.freeze({
    action: p.action,
    actor: p.actor,
    entityId,
    entityType,
    id: rt.ids('aud'),
    level: p.level,
    message: p.message,
    meta: p.meta,
    ts: isoAt(p.at),
  });
}
