import { announce } from './announce.js';
import { get, listen, token } from './api.js';
import { renderBanners } from './banners.js';
import { setupDecisions } from './decisions.js';
import { renderDetail } from './detail.js';
import { coalesce, count, fill, h } from './dom.js';
import { incidentList } from './incidents.js';
import { renderInspected } from './inspected.js';
import { renderMachines } from './machines.js';
import { auditViewer, liveFeed } from './log.js';
import { renderResponders } from './responders.js';
import { virtualNow } from './virtualNow.js';

/**
 * The Agent Watcher page: loads every panel, then follows the server's event stream
 * and refreshes only what a change touched. No reload, no build step.
 */
const $ = (id) => document.getElementById(id);
let openId = null;

let hideWarning = null;
/** Shows a problem for a while: most are passing (a refresh that raced a write, a restart). */
function report(error) {
  const box = $('warning');
  box.hidden = false;
  // A live region: the same warning again is not said again.
  const text = `Watcher: ${error.message ?? error}`;
  if (box.textContent !== text) box.textContent = text;
  clearTimeout(hideWarning);
  hideWarning = setTimeout(() => (box.hidden = true), 15_000);
}
const safe = (fn) => (...args) => Promise.resolve().then(() => fn(...args)).catch(report);

/** Opens an incident's detail; `focus` (the reader asked for it) takes the focus there, a live redraw does not. */
const open = safe(async (id, focus = false) => {
  openId = id;
  if (location.hash !== `#incident=${encodeURIComponent(id)}`) history.replaceState(null, '', `#incident=${encodeURIComponent(id)}`);
  incidents.select(id);
  // The detail takes the section's full width under the list: its timeline needs the room.
  $('incident-split').classList.add('open');
  await renderDetail($('detail'), id, { focus });
});
const openAsked = (id) => open(id, true);

const banners = safe(() => renderBanners($('banners'), openAsked));
const responders = safe(() => renderResponders($('responder-list')));
const decisions = safe(setupDecisions({
  list: $('decision-list'), hint: $('decide-hint'), byInput: $('by'), onOpen: openAsked,
  onAnswered: () => refresh(['decisions', 'incidents']),
}));
const inspected = safe(() => renderInspected($('inspected-rows'), $('inspect-hint')));
const live = liveFeed($('live-rows'));
const audit = auditViewer({ form: $('audit-filter'), pager: $('audit-pager'), tbody: $('audit-rows') });
const incidents = incidentList({ form: $('incident-filter'), tbody: $('incident-rows'), count: $('incident-count'), onOpen: openAsked });

const showVirtualNow = virtualNow($('virtual-now'));
// Whether the engine could answer at the last read: a run that ends takes Approve and Deny away.
let closedBefore = null;
const session = safe(async () => {
  const s = await get('session');
  if ((s.decisionsClosed ?? null) !== closedBefore) {
    closedBefore = s.decisionsClosed ?? null;
    decisions();
  }
  showVirtualNow(s.virtualTime);
  audit.suggestActions(s.auditActions);
  // `watch --db` before anything wrote the store: say so rather than show empty panels.
  // A live region: written only when it says something else, or a screen reader repeats it on every poll.
  const waiting = $('waiting');
  if (waiting.hidden !== !s.waiting) waiting.hidden = !s.waiting;
  if (waiting.textContent !== (s.waiting ?? '')) waiting.textContent = s.waiting ?? '';
  fill($('store-info'),
    s.waiting ? 'no store yet' : s.storePath ? h('span', { class: 'mono' }, s.storePath) : 'memory store',
    s.readonly ? ' · read-only' : '', s.scenario ? ` · scenario ${s.scenario}` : '',
    ` · ${count(s.auditCount)} audit entries`);
  const pill = $('token-info');
  pill.textContent = s.decisionsClosed ? 'run over: read-only' : !s.canDecide ? 'no engine here: read-only' : !token ? 'no token: read-only' : s.tokenRefused ? 'token refused: read-only' : 'token: can answer decisions';
  pill.className = `pill ${s.canDecide && token && !s.tokenRefused ? 'pill-idle' : 'pill-wait'}`;
});

/** Refetches the panels that read `tables`; coalesced so a burst of commits is one round. */
const pending = new Set();
// Redraw the open incident only when it changed, and at most once a second: its diagram is costly.
const redrawOpen = coalesce(() => openId && open(openId), 1000);
const flush = coalesce(() => {
  const t = new Set(pending);
  pending.clear();
  if (t.has('incidents') || t.has('decisions')) banners();
  if (t.has('incidents')) {
    safe(incidents.load)();
  }
  if (t.has('responders')) responders();
  if (t.has('decisions') || t.has('incidents')) decisions();
  if (t.has('inspected')) inspected();
  // The audit count, and a paced run's clock and whether it can still answer (the run may be over).
  session();
}, 250);
function refresh(tables) {
  for (const t of tables) pending.add(t);
  flush();
}

let connection = 'connecting';
listen({
  onChange(change) {
    if (openId && ((change.ids.incidents ?? []).includes(openId)
      || change.audit.some((e) => e.entityId === openId)
      || change.tables.includes('kb_documents'))) redrawOpen();
    if (change.audit.length) {
      live.add(change.audit);
      audit.added();
    }
    refresh([...change.tables, ...(change.audit.length ? ['audit'] : []), ...(change.inspected.length ? ['inspected'] : [])]);
  },
  onWarning: (message) => report(message),
  onStatus(status) {
    // Back after a break (the watcher restarted, the laptop slept): what changed meanwhile was missed.
    if (status === 'live' && connection === 'reconnecting') {
      refresh(['incidents', 'responders', 'decisions', 'inspected', 'audit']);
      // The open incident too: a restarted engine moves it on (a deadline due meanwhile) before the page is back.
      if (openId) redrawOpen();
      safe(live.load)();
      safe(audit.load)();
    }
    // The pill shows it; a screen reader is told when the page loses the stream and when it is back.
    if (status === 'reconnecting' && connection === 'live') announce('Connection to the watcher lost: reconnecting. The panels may be out of date.');
    if (status === 'live' && connection === 'reconnecting') announce('Connected again: the panels are reloaded.');
    connection = status;
    const pill = $('conn');
    // The dot is for the eye: a screen reader would say "black circle".
    fill(pill, h('span', { 'aria-hidden': 'true' }, status === 'live' ? '●' : '○'), status === 'live' ? ' live' : ' reconnecting…');
    pill.className = `pill ${status === 'live' ? 'pill-live' : 'pill-wait'}`;
  },
});

session();
banners();
responders();
decisions();
inspected();
safe(renderMachines)($('machine-list'));
safe(live.load)();
safe(audit.load)();
safe(incidents.load)();
const fromHash = /^#incident=(.+)$/.exec(location.hash);
if (fromHash) open(decodeURIComponent(fromHash[1]));
