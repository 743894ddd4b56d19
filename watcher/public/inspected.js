import { get } from './api.js';
import { fill, h, time } from './dom.js';

/**
 * Actors that XState programs report through @statelyai/inspect's
 * createWebSocketInspector pointed at ws://HOST:PORT/app/watcher/inspect.
 */
export async function renderInspected(tbody, hint) {
  hint.textContent = `Point an XState v5 program here: createWebSocketInspector({ url: '${location.origin.replace(/^http/, 'ws')}/app/watcher/inspect' }).`;
  const { rows } = await get('inspected');
  if (!rows.length) return fill(tbody, h('tr', null, h('td', { colspan: 5, class: 'calm' }, 'No inspected actor yet.')));
  rows.sort((a, b) => b.updatedAt - a.updatedAt);
  fill(tbody, rows.map((a) =>
    h('tr', { dataset: { actor: a.key, session: a.sessionId } },
      // Session ids repeat across programs (each starts at x:0): the program number tells them apart.
      h('td', null, h('strong', null, a.name), h('div', { class: 'mono muted small' }, `program ${a.connection} · ${a.sessionId}`, a.parentId ? ` ← ${a.parentId}` : '')),
      h('td', null, h('span', { class: `pill actor-${a.status}` }, a.status)),
      h('td', { class: 'mono actor-value' }, a.value || '—'),
      h('td', null, h('ul', { class: 'events' }, a.events.slice().reverse().map((e) =>
        h('li', null, h('span', { class: 'mono' }, e.type), h('span', { class: 'muted small' }, ` ${time(new Date(e.at).toISOString())}`))))),
      h('td', null, h('code', { class: 'small' }, a.context)))));
}
