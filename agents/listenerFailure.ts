import type { AuditEntry } from '../machines/types.js';
import { messageOf, stackOf } from './errorText.js';
import { isoAt, type Runtime } from './runtime.js';
import type { EngineEvent } from './types.js';

/**
 * The audit row of a `subscribe()` listener that threw: level `error`, the event it was
 * given and what it threw. Written, never emitted: a listener that always throws must
 * not be called again about its own failure.
 * @example store.appendAudit(listenerFailed(rt, event, error))
 */
export function listenerFailed(rt: Pick<Runtime, 'ids' | 'clock'>, event: EngineEvent, error: unknown): AuditEntry {
  const about = event.type === 'audit' ? event.entry.action : event.type === 'incident' ? event.incident.id : event.type === 'decision' ? event.decision.id : `connection ${event.status}`;
  const message = messageOf(error);
  return {
    action: 'engine.listener_failed',
    actor: 'engine',
    entityId: 'subscribers',
    entityType: 'engine',
    id: rt.ids('aud'),
    level: 'error',
    message: `A subscribe() listener threw on a ${event.type} event (${about}): ${message}`,
    meta: { event: event.type, about, error: message, stack: stackOf(error) },
    ts: isoAt(rt.clock.now()),
  };
}
