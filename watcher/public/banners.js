import { get } from './api.js';
import { fill, fillKeepingFocus, h, responderName, severityBadge, SEVERITY_NAMES, time } from './dom.js';

/**
 * Spec "Monitoring Integration": every active incident (not resolved, auto-resolved or
 * closed) shows a banner with its severity, status and assigned responder.
 */
export async function renderBanners(container, onOpen) {
  const [{ rows, total }, decisions] = await Promise.all([get('incidents', { status: 'active', limit: 50 }), get('decisions')]);
  // An incident keeps its decisionId once answered (the review links it): wait only on a pending one.
  const pending = new Set(decisions.rows.map((d) => d.id));
  if (!rows.length) {
    fill(container, h('p', { class: 'calm' }, 'No active incidents.'));
    return;
  }
  // Worst first: P0 before P1…, untriaged after P3, then the oldest.
  const rank = (s) => (s ? Number(s.slice(1)) : 9);
  rows.sort((a, b) => rank(a.severity) - rank(b.severity) || (a.detectedAt < b.detectedAt ? -1 : 1));
  fillKeepingFocus(
    container, 'incident',
    rows.map((i) =>
      h('div', {
          class: `banner banner-${i.severity ?? 'none'}`,
          role: 'status',
          dataset: { incident: i.id, severity: i.severity ?? '' },
          tabindex: 0,
          onclick: () => onOpen(i.id),
          onkeydown: (e) => e.key === 'Enter' && onOpen(i.id),
        },
        severityBadge(i.severity),
        h('div', { class: 'banner-main' },
          h('div', { class: 'banner-title' },
            h('strong', null, i.severity ? SEVERITY_NAMES[i.severity] ?? i.severity : 'Untriaged'),
            ' · ', h('span', { class: 'mono' }, i.id),
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
