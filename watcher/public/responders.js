import { get } from './api.js';
import { fill, h, responderName } from './dom.js';

/** Each responder's load: busy while an incident is assigned, and what waits in the queue. */
export async function renderResponders(list) {
  const { rows } = await get('responders');
  if (!rows.length) return fill(list, h('li', { class: 'calm' }, 'No responder has taken an incident yet.'));
  fill(list, rows.map((r) =>
    h('li', { class: `card responder ${r.busy ? 'busy' : 'idle'}`, dataset: { responder: r.id } },
      h('div', { class: 'responder-head' },
        h('strong', null, responderName(r.id)),
        h('span', { class: `pill ${r.busy ? 'pill-busy' : 'pill-idle'}` }, r.busy ? 'busy' : 'idle')),
      // An unlimited capacity (Infinity) arrives as null through JSON.
      h('div', { class: 'muted' }, Number.isFinite(r.capacity) ? `working on ${r.active.length} of ${r.capacity}` : `working on ${r.active.length}`),
      r.active.length ? h('div', null, 'Active: ', h('span', { class: 'mono' }, r.active.join(', '))) : null,
      h('div', null, `Queue (${r.queue.length}): `, h('span', { class: 'mono' }, r.queue.length ? r.queue.join(', ') : 'empty')),
    )));
}
