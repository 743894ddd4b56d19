import { get } from './api.js';
import { announce } from './announce.js';
import { h, incidentLink, redraw, responderName, severityBadge, SEVERITY_NAMES, statusWords, time } from './dom.js';

/**
 * The active incidents already known to the page: there when it opened, or said since (null
 * before the first draw, which announces nothing). Added to, never replaced: an incident is new once.
 */
let known = null;
/**
 * An incident detected before this was active when the page opened, though not among the newest
 * 50 then: if it comes back among them (newer ones closed), it is not new ('' when the first
 * draw saw every active incident).
 */
let openedFloor = '';
/** Only the newest draw may write: a slow answer for an earlier one would bring back what has changed since. */
let latest = 0;

/**
 * Spec "Monitoring Integration": every active incident (not resolved, auto-resolved or
 * closed) shows a banner with its severity, status and assigned responder.
 */
export async function renderBanners(container, onOpen) {
  const mine = ++latest;
  // Worst first, from the server: P0 before P1…, untriaged after P3, then the oldest. Asked so, the
  // 50 drawn are the worst 50 (the newest 50 could leave out a P0 behind a burst of new P3s).
  // What is new is asked for apart, newest first: a new incident need not be among the worst 50,
  // and one that moves into them (its severity raised) is not new.
  const [{ rows, total }, newest, decisions] = await Promise.all([
    get('incidents', { status: 'active', limit: 50, order: 'worst' }),
    get('incidents', { status: 'active', limit: 50, order: 'newest' }),
    get('decisions'),
  ]);
  if (mine !== latest) return;
  // An incident keeps its decisionId once answered (the review links it): wait only on a pending one.
  const pending = new Set(decisions.rows.map((d) => d.id));
  announceNew(newest);
  if (!rows.length) return redraw(container, 'incident', h('p', { class: 'calm' }, 'No active incidents.'));
  // A click anywhere on a banner opens the incident; the id is its link, for the keyboard and a screen reader.
  redraw(container, 'incident',
    rows.map((i) =>
      h('div', {
          class: `banner banner-${i.severity ?? 'none'}`,
          dataset: { incident: i.id, severity: i.severity ?? '' },
          onclick: () => onOpen(i.id),
        },
        severityBadge(i.severity),
        h('div', { class: 'banner-main' },
          h('div', { class: 'banner-title' },
            h('strong', null, i.severity ? SEVERITY_NAMES[i.severity] ?? i.severity : 'Untriaged'),
            ' · ', incidentLink(i.id),
            ' · ', i.agent, i.workflow ? ` / ${i.workflow}` : '', i.tenant ? ` (${i.tenant})` : ''),
          h('div', { class: 'banner-error' }, i.error)),
        h('dl', { class: 'banner-facts' },
          h('dt', null, 'Status'), h('dd', { class: 'banner-status' }, statusWords(i.status)),
          h('dt', null, 'Responder'), h('dd', { class: 'banner-assignee' }, responderName(i.assignee)),
          h('dt', null, 'Since'), h('dd', null, time(i.detectedAt)),
          pending.has(i.decisionId) ? [h('dt', null, 'Waiting'), h('dd', { class: 'banner-waiting' }, "Atlas's decision")] : null),
      ),
    ),
    total > rows.length ? h('p', { class: 'muted' }, `…and ${total - rows.length} more active incidents.`) : null,
  );
}

/** Says which active incidents are new since the page opened, each once (a page just opened says nothing). */
function announceNew({ rows, total }) {
  if (known === null) {
    known = new Set(rows.map((i) => i.id));
    if (total > rows.length && rows.length) openedFloor = rows.at(-1).detectedAt;
    return;
  }
  // Newest first: said in the order they were detected.
  const fresh = rows.filter((i) => !known.has(i.id) && i.detectedAt >= openedFloor).reverse();
  for (const i of fresh) {
    known.add(i.id);
    announce(`New ${i.severity ?? 'untriaged'} incident ${i.id}${i.severity ? ` (${SEVERITY_NAMES[i.severity] ?? i.severity})` : ''}: ${i.agent}, ${responderName(i.assignee)}.`);
  }
}
