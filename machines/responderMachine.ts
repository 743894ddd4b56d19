import { assign, cancel, enqueueActions, raise, setup } from 'xstate';
import type { Responder } from './types.js';

export interface ResponderContext {
  id: Responder;
  capacity: number;
  /** Incidents the responder is working on (at most `capacity`). */
  active: string[];
  /** Incidents waiting for a free hand, oldest first. */
  queue: string[];
}

export type ResponderEvent =
  | { type: 'work.assign'; incidentId: string }
  | { type: 'work.release'; incidentId: string }
  /** After a restart: an incident already acknowledged goes straight back into the responder's hands. */
  | { type: 'work.resume'; incidentId: string }
  | { type: 'ack.due'; incidentId: string };

/**
 * A responder (Cheryl, Petra, Atlas): a capacity and a response latency. Work
 * beyond capacity queues; each incident taken is acknowledged after the
 * `ackLatency` delay, and stays on the responder's hands until released.
 */
export const responderMachine = setup({
  types: {
    context: {} as ResponderContext,
    events: {} as ResponderEvent,
    input: {} as { id: Responder; capacity: number },
  },
  actions: {
    /** The responder picks the incident up: provided by agents/ (acknowledge, then do the duty). */
    acknowledge: (_, _params: { incidentId: string }) => {},
    take: enqueueActions(({ context, enqueue }) => {
      const active = [...context.active];
      const queue = [...context.queue];
      while (active.length < context.capacity && queue.length > 0) {
        const incidentId = queue.shift()!;
        active.push(incidentId);
        enqueue(raise({ type: 'ack.due', incidentId }, { delay: 'ackLatency', id: `ack:${incidentId}` }));
      }
      enqueue.assign({ active, queue });
    }),
  },
  delays: {
    /** Sampled per acknowledgement from the responder's latency distribution; provided. */
    ackLatency: () => 0,
  },
  guards: {
    hasWork: ({ context }) => context.active.length > 0,
  },
}).createMachine({
  id: 'responder',
  context: ({ input }) => ({ id: input.id, capacity: input.capacity, active: [], queue: [] }),
  initial: 'idle',
  on: {
    'work.assign': {
      guard: ({ context, event }) => !context.active.includes(event.incidentId) && !context.queue.includes(event.incidentId),
      actions: [assign({ queue: ({ context, event }) => [...context.queue, event.incidentId] }), 'take'],
      target: '.check',
    },
    'work.resume': {
      guard: ({ context, event }) => !context.active.includes(event.incidentId),
      actions: assign({ active: ({ context, event }) => [...context.active, event.incidentId] }),
      target: '.check',
    },
    'work.release': {
      actions: [
        cancel(({ event }) => `ack:${event.incidentId}`),
        assign({
          active: ({ context, event }) => context.active.filter((id) => id !== event.incidentId),
          queue: ({ context, event }) => context.queue.filter((id) => id !== event.incidentId),
        }),
        'take',
      ],
      target: '.check',
    },
    'ack.due': { actions: { type: 'acknowledge', params: ({ event }) => ({ incidentId: event.incidentId }) } },
  },
  states: {
    check: { always: [{ guard: 'hasWork', target: 'busy' }, { target: 'idle' }] },
    idle: {},
    busy: {},
  },
});
