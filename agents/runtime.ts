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
  const plain = freezeMeta(p.meta);
  const entry = entryOf(rt, entityType, entityId, p);
  // Built here and never edited again (frozen, `meta` to its last value): a memory store keeps
  // the object, unserialized. A `meta` holding more than plain data is serialized at once.
  rt.store.appendAudit(entry, plain ? HAND_OVER : undefined);
  rt.emit({ type: 'audit', entry });
  return entry;
}

/** How deep freezeData goes before it calls a value not plain data (a cycle has no end). */
const FREEZE_DEPTH = 32;

/**
 * Freezes `value` and every object and array in it, in place, and says whether it is plain
 * data: objects with no prototype but Object's (or none) and arrays, down to strings, numbers,
 * booleans and null. Anything else (a Date, a class's instance, a typed array) is left as it
 * is below its parent, and the answer is false.
 * @example freezeData({ findings: [{ kind: 'dns' }] }) // true, and the array and its object are frozen
 */
export function freezeData(value: unknown, depth = 0): boolean {
  if (value === null || typeof value !== 'object') return isPlainLeaf(value);
  if (depth > FREEZE_DEPTH) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  if (Array.isArray(value)) {
    if (proto !== Array.prototype) return false;
  } else if (proto !== Object.prototype && proto !== null) return false;
  let plain = true;
  for (const key in value) {
    const child: unknown = (value as Record<string, unknown>)[key];
    // Most values are strings, numbers and null: told apart here, without a call.
    if (typeof child === 'object' && child !== null ? !freezeData(child, depth + 1) : !isPlainLeaf(child)) plain = false;
  }
  Object.freeze(value);
  return plain;
}

/** A value JSON writes as it is (or leaves out): not a function, symbol or bigint. */
function isPlainLeaf(value: unknown): boolean {
  const type = typeof value;
  return type !== 'function' && type !== 'symbol' && type !== 'bigint';
}

/**
 * An audit entry as the store keeps it, not yet written (the cluster writes it in its
 * transaction). Frozen on either host, with its `meta` and what is in it (the incident's
 * findings, impact, coordination: the context and the record hold the same objects): the
 * subscribe() listeners get it as it was written and cannot edit it, nor can any later
 * edit of the incident's own objects change a row already written.
 */
export function auditEntry(rt: Pick<Runtime, 'ids'>, entityType: AuditEntry['entityType'], entityId: string, p: AuditParams): AuditEntry {
  freezeMeta(p.meta);
  return entryOf(rt, entityType, entityId, p);
}

/** Freezes `meta` and the plain data in it (see freezeData); whether all of it is plain data. */
function freezeMeta(meta: Record<string, unknown>): boolean {
  if (freezeData(meta)) return true;
  Object.freeze(meta);
  return false;
}

/** The entry itself, frozen. */
function entryOf(rt: Pick<Runtime, 'ids'>, entityType: AuditEntry['entityType'], entityId: string, p: AuditParams): AuditEntry {
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
