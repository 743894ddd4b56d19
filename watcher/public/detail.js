import { get } from './api.js';
import { fill, h, redraw, responderName, severityBadge, SEVERITY_NAMES, statusWords, time } from './dom.js';
import { drawDiagram } from './diagram.js';
import { describedMachines } from './machines.js';
import { auditRow } from './log.js';
import { renderMarkdown } from './markdown.js';

/** Only the newest render may write: a slow answer for an earlier click must not overwrite it. */
let latest = 0;

/**
 * One incident: its facts, its state machine (current state lit, path taken), its
 * timeline (the audit entries about it) and its post-incident review when there is one.
 * `focus`: the reader opened it, and the focus goes to its heading.
 */
export async function renderDetail(container, id, { focus = false } = {}) {
  const mine = ++latest;
  const [detail, described] = await Promise.all([
    get(`incidents/${encodeURIComponent(id)}`),
    describedMachines(),
  ]);
  if (mine !== latest) return;
  // Until the new diagram is drawn it keeps the old one's height: the window would jump up.
  const height = container.querySelector('.diagram')?.offsetHeight ?? 0;
  // Another incident starts afresh: the last one's scroll, opened stack trace and focus are not its.
  if (container.dataset.incident !== id) container.replaceChildren();
  container.dataset.incident = id;
  const { incident: i, timeline, timelineTotal, review, decisions } = detail;
  const visited = (i.path ?? []).map((p) => p.state);
  // What the drawing shows is in its attributes: a redraw that leaves them alone keeps the drawn diagram.
  const diagram = h('div', { class: 'diagram', role: 'img', 'aria-label': `state machine diagram, current state ${i.state}`, dataset: { machine: detail.machine ?? '', current: i.state, visited: visited.join(' ') } });
  // A live run redraws the open incident as it changes: redraw keeps the reader's place (focus, stack trace, scroll).
  redraw(container, null,
    h('header', { class: 'detail-head' },
      severityBadge(i.severity),
      // The focus comes here when the reader opens the incident (tabindex -1: not a stop of its own).
      h('h3', { tabindex: -1 }, h('span', { class: 'mono' }, i.id), i.severity ? ` · ${SEVERITY_NAMES[i.severity] ?? ''}` : ''),
      h('span', { class: `pill status-${i.status}` }, statusWords(i.status))),
    h('p', { class: 'detail-error' }, i.error?.name ? `${i.error.name}: ` : '', i.error?.message ?? ''),
    i.error?.stack ? h('details', null, h('summary', null, 'Stack trace'), h('pre', { class: 'mono small' }, i.error.stack)) : null,
    facts(i),
    h('h4', null, 'State machine'),
    diagram,
    path(i),
    decisions.length ? [h('h4', null, 'Decisions'), h('ul', null, decisions.map((d) =>
      h('li', null, `${d.action}: ${statusWords(d.status)}`, d.by ? ` by ${d.by}` : '', d.answeredAt ? ` at ${time(d.answeredAt)}` : '')))] : null,
    h('h4', null, `Timeline (${timelineTotal} audit entries)`),
    h('div', { class: 'scroll short', tabindex: 0, role: 'group', 'aria-label': 'timeline, scrolls' }, h('table', { class: 'log' }, timelineHead(), h('tbody', null, timeline.map((e) => auditRow(e, { compact: true }))))),
    timelineTotal > timeline.length ? h('p', { class: 'muted' }, 'Older entries are in the audit log below (filter by this entity).') : null,
    h('h4', null, 'Post-incident review'),
    review
      ? h('div', { class: 'review' }, h('p', { class: 'muted' }, review.title, ` · ${time(review.createdAt)}`), renderMarkdown(review.body))
      : h('p', { class: 'muted' }, i.status === 'closed' || i.status === 'resolved' ? 'No review for this incident.' : 'No review yet.'),
  );
  // Opened by the reader: the focus goes to its heading, at once (not after the diagram, by when they may have moved on).
  if (focus) container.querySelector('h3')?.focus();
  if (!diagram.isConnected) return; // the same drawing as before: it stayed
  const description = detail.machine ? described[detail.machine] : null;
  if (!description) return fill(diagram, h('p', { class: 'muted' }, 'No machine definition in this process: start the watcher with the engine (or pass machines) to draw it.'));
  diagram.style.minHeight = `${height}px`;
  await drawDiagram(diagram, description, { current: i.state, visited });
  diagram.style.minHeight = '';
}

/** The timeline's column headers (the entity column is left out: it is this incident). */
function timelineHead() {
  return h('thead', null, h('tr', null, ['Time', 'Level', 'Actor', 'Action', 'Message'].map((t) => h('th', { scope: 'col' }, t))));
}

function facts(i) {
  const rows = [
    ['Agent', [i.agent, i.workflow ? ` / ${i.workflow}` : '', i.tenant ? ` · tenant ${i.tenant}` : '']],
    ['Responder', responderName(i.assignee)],
    ['State', i.state],
    ['Failure started', time(i.failureStartedAt)],
    ['Detected', time(i.detectedAt)],
    ['Responded', time(i.respondedAt) || '—'],
    ['Resolved', time(i.resolvedAt) || '—'],
    ['Retries', i.retries?.map((r) => `#${r.attempt} ${r.outcome}`).join(', ') || 'none'],
    ['Escalations', i.escalations?.map((e) => `${e.from} → ${e.to} (${e.criteria.join(', ')})`).join('; ') || 'none'],
    ['SLA breaches', i.slaBreaches?.map((b) => `${b.kind} at ${time(b.at)}`).join(', ') || 'none'],
    ['Root cause', i.rootCause ?? '—'],
    ['Repeat of', i.repeatOf ?? '—'],
  ];
  if (i.findings?.length) rows.push(['Findings', i.findings.join('; ')]);
  if (i.coordination?.workaround) rows.push(['Workaround', i.coordination.workaround]);
  return h('dl', { class: 'facts-grid' }, rows.map(([k, v]) => [h('dt', null, k), h('dd', null, v)]));
}

function path(i) {
  if (!i.path?.length) return null;
  return h('ol', { class: 'path' }, i.path.map((p, n) =>
    h('li', { class: n === i.path.length - 1 ? 'here' : '' }, h('span', { class: 'mono' }, p.state), h('span', { class: 'muted' }, ` ${time(p.at)}`))));
}
