import { createActor, type Actor } from 'xstate';
import { responderMachine } from '../machines/responderMachine.js';
import type { Responder } from '../machines/types.js';
import { HAND_OVER, isoAt, type Runtime } from './runtime.js';
import type { ResponderSettings } from './types.js';


export const RESPONDERS: readonly Responder[] = ['cheryl', 'petra', 'atlas'];

/**
 * Cheryl, Petra and Atlas as long-lived actors on the engine's clock. Each has a
 * capacity and a latency; work beyond capacity queues, and the queue is kept in the
 * `responders` table so it is visible in the store.
 */
export class Responders {
  private readonly actors = new Map<Responder, Actor<typeof responderMachine>>();

  constructor(rt: Runtime, settings: Partial<Record<Responder, ResponderSettings>>, onAck: (responder: Responder, incidentId: string) => void) {
    for (const id of RESPONDERS) {
      const s = settings[id] ?? {};
      const ack = s.ack ?? 0;
      const machine = responderMachine.provide({
        actions: { acknowledge: (_, p) => onAck(id, p.incidentId) },
        delays: { ackLatency: () => Math.max(0, Math.round(typeof ack === 'number' ? ack : ack(rt.random))) },
      });
      const actor = createActor(machine, { input: { id, capacity: s.capacity ?? 5 }, clock: rt.clock });
      actor.subscribe((snap) => {
        const { capacity, active, queue } = snap.context;
        rt.store.put('responders', { id, capacity, active, queue, updatedAt: isoAt(rt.clock.now()) }, HAND_OVER);
      });
      actor.start();
      this.actors.set(id, actor);
    }
  }

  assign(responder: Responder, incidentId: string): void {
    this.actors.get(responder)!.send({ type: 'work.assign', incidentId });
  }

  /** Restores an acknowledged incident to its responder after a restart. */
  resume(responder: Responder, incidentId: string): void {
    this.actors.get(responder)!.send({ type: 'work.resume', incidentId });
  }

  release(responder: Responder, incidentId: string): void {
    this.actors.get(responder)!.send({ type: 'work.release', incidentId });
  }

  /** Current load: which incidents each responder has in hand and which wait. */
  load(responder: Responder): { active: string[]; queue: string[] } {
    const { active, queue } = this.actors.get(responder)!.getSnapshot().context;
    return { active, queue };
  }

  stop(): void {
    for (const actor of this.actors.values()) actor.stop();
  }
}
