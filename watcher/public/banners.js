import { get } from './api.js';
import { announce } from './announce.js';
import { h, incidentLink, redraw, responderName, severityBadge, SEVERITY_NAMES, time } from './dom.js';

/** The active incidents the page has shown (null before the first draw, which announces nothing). */
let shown = null;
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
  const [{ rows, total }, decisions] = await Promise.all([get('incidents', { status: 'active', limit: 50, order: 'worst' }), get('decisions')]);
  if (mine !== latest) return;
  // An incident keeps its decisionId once answered (the review links it): wait only on a pending one.
  const pending = new Set(decisions.rows.map((d) => d.id));
  announceNew(rows);
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
          h('dt', null, 'Status'), h('dd', { class: 'banner-status' }, i.status.replace('_', ' ')),
          h('dt', null, 'Responder'), h('dd', { class: 'banner-assignee' }, responderName(i.assignee)),
          h('dt', null, 'Since'), h('dd', null, time(i.detectedAt)),
          pending.has(i.decisionId) ? [h('dt', null, 'Waiting'), h('dd', { class: 'banner-waiting' }, "Atlas's decision")] : null),
      ),
    ),
    total > rows.length ? h('p', { class: 'muted' }, `…and ${total - rows.length} more active incidents.`) : null,
  );
}

/** Says which active incidents are new since the last draw (a page just opened says nothing). */
function announceNew(rows) {
  const fresh = shown ? rows.filter((i) => !shown.has(i.id)) : [];
  shown = new Set(rows.map((i) => i.id));
  for (const i of fresh) {
    announce(`New ${i.severity ?? 'untriaged'} incident ${i.id}${i.severity ? ` (${SEVERITY_NAMES[i.severity] ?? i.severity})` : ''}: ${i.agent}, ${responderName(i.assignee)}.`);
  }
}
