import { announce, announceMatches } from './announce.js';
import { get } from './api.js';
import { coalesce, count, debounce, fill, h, redraw, time, timeBounds } from './dom.js';

/**
 * One audit entry as a table row; error-level rows carry `level-error` and show red.
 * `compact` leaves out the entity (an incident's own timeline) and keeps time short.
 */
export function auditRow(entry, { compact = false } = {}) {
  return h('tr', { class: `level-${entry.level}`, dataset: { audit: entry.id } },
    h('td', { class: 'mono nowrap' }, compact ? time(entry.ts).slice(5) : time(entry.ts)),
    h('td', null, h('span', { class: `lvl lvl-${entry.level}` }, entry.level)),
    h('td', null, entry.actor),
    h('td', { class: 'mono' }, breakable(entry.action)),
    compact ? null : h('td', { class: 'mono' }, entry.entityId),
    h('td', { class: 'msg' }, entry.message));
}

/** A dotted name that may wrap after its dots (`incident.` / `communication_drafted`), never inside a word. */
function breakable(name) {
  const parts = String(name).split('.');
  return parts.map((part, n) => (n < parts.length - 1 ? [`${part}.`, h('wbr')] : part));
}

const LIVE_ROWS = 100;

/** The live feed: audit entries pushed by the server, newest on top, without reload. */
export function liveFeed(tbody) {
  return {
    async load() {
      const { rows } = await get('audit', { order: 'desc', limit: 30 });
      fill(tbody, rows.map(auditRow));
    },
    add(entries) {
      for (const entry of entries) tbody.prepend(auditRow(entry));
      while (tbody.rows.length > LIVE_ROWS) tbody.lastElementChild.remove();
    },
  };
}

/**
 * The audit-log viewer. Paging happens on the server (offset/limit), so 100,000
 * entries cost one page of rows per request.
 */
export function auditViewer({ form, pager, tbody }) {
  const state = { offset: 0, limit: 50, total: 0, unseen: 0 };
  const field = (name, label, input) => h('label', null, label, input(name));
  const text = (placeholder) => (name) => h('input', { name, placeholder, size: 14 });
  fill(form,
    field('level', 'Level', (name) => h('select', { name }, ['', 'info', 'warn', 'error'].map((v) => h('option', { value: v }, v || 'any')))),
    field('text', 'Search', text('message, action…')),
    field('action', 'Action', (name) => h('input', { name, placeholder: 'incident.escalated', size: 14, list: 'audit-actions' })),
    h('datalist', { id: 'audit-actions' }),
    field('entityId', 'Entity', text('inc_…')),
    field('agent', 'Agent', text('agent')),
    field('workflow', 'Workflow', text('workflow')),
    field('since', 'From (UTC)', () => h('input', { name: 'since', type: 'datetime-local', step: 1 })),
    field('until', 'To (UTC)', () => h('input', { name: 'until', type: 'datetime-local', step: 1 })),
    field('order', 'Order', (name) => h('select', { name }, h('option', { value: 'desc' }, 'newest first'), h('option', { value: 'asc' }, 'oldest first'))),
    field('limit', 'Rows', (name) => h('select', { name }, [50, 100, 200, 500].map((n) => h('option', { value: n }, n)))));

  /** The filters as the server takes them, or null while a time typed cannot be read (its field says why). */
  const params = () => {
    const bounds = timeBounds(form);
    if (!bounds) return null;
    const { since, until, ...data } = Object.fromEntries(new FormData(form));
    return { ...data, ...bounds, offset: state.offset };
  };

  // Loads asked for (`asked`) and the one whose rows are shown (`shown`): an answer a later
  // load overtook is dropped, and a count asked for one view is not applied to another.
  let [asked, shown] = [0, 0];

  async function load() {
    const query = params();
    // Not loaded: the reader's filter change is not counted (`reload`).
    if (!query) return 'unread';
    const mine = ++asked;
    let page;
    try {
      page = await get('audit', query);
    } catch (error) {
      // Not drawn: the rows shown stay the ones counts are of (else following would wait for good).
      if (mine === asked) asked = shown;
      throw error;
    }
    if (mine !== asked) return;
    shown = mine;
    state.total = page.total;
    state.limit = Number(form.elements.limit.value);
    state.unseen = 0;
    fill(tbody, page.rows.length ? page.rows.map(auditRow) : h('tr', null, h('td', { colspan: 6, class: 'calm' }, 'No audit entry matches.')));
    renderPager();
  }

  /** What the reader's own filter or page change brought (WCAG 4.1.3): the table itself is no live region. */
  const range = () => (state.total ? `${count(state.offset + 1)}–${count(Math.min(state.offset + state.limit, state.total))} of ${count(state.total)}` : '0 entries');

  async function go(offset) {
    state.offset = Math.max(0, Math.min(offset, Math.max(0, state.total - 1)));
    await load();
    announce(`Audit log: entries ${range()}.`);
  }

  function renderPager() {
    const { offset, limit, total } = state;
    const last = Math.max(0, Math.floor((total - 1) / limit) * limit);
    // Where a button goes is in the DOM (data-to), so redraw keeps a button only while it still goes there.
    const btn = (label, to, disabled) => h('button', { type: 'button', disabled, dataset: { to }, onclick: () => go(to) }, label);
    // Redrawn on every page and, on the newest page, on every new entry: the focused button keeps the focus.
    redraw(pager, null,
      btn('« First', 0, offset === 0), btn('‹ Prev', offset - limit, offset === 0),
      h('span', { class: 'page-info' }, range()),
      btn('Next ›', offset + limit, offset + limit >= total), btn('Last »', last, offset >= last),
      state.unseen ? h('button', { type: 'button', class: 'link', onclick: () => go(0) }, `${state.unseen} new — show`) : null);
  }

  // New entries go after an oldest-first list's rows, so its page stays: it is read again (the total
  // grows). Newest first, they go before: the top page follows them; a later page keeps its rows,
  // its offset moved by the entries the filters match (asked of the server), offered as "N new".
  const follow = coalesce(async () => {
    if (form.elements.order.value === 'asc' || state.offset === 0) return load();
    // A page still loading counts what arrived itself.
    const view = shown;
    if (view !== asked) return;
    const query = params();
    if (!query) return;
    const { total } = await get('audit', { ...query, offset: 0, limit: 1 });
    // The reader changed the filters or the page meanwhile: this count is of another view.
    if (view !== asked) return;
    const arrived = total - state.total;
    if (arrived <= 0) return;
    state.offset += arrived;
    state.total = total;
    state.unseen += arrived;
    renderPager();
  }, 500);

  const reload = debounce(async () => {
    state.offset = 0;
    if ((await load()) === 'unread') return;
    announceMatches(state.total, ['entry', 'entries'], 'Audit log: ');
  }, 300);
  form.addEventListener('input', reload);
  form.addEventListener('submit', (e) => e.preventDefault());

  return {
    load,
    /** The actions the engine writes, offered in the Action filter (it matches a whole name, not a part). */
    suggestActions(actions = []) {
      const list = form.querySelector('#audit-actions');
      if (!list.childElementCount) fill(list, actions.map((a) => h('option', { value: a })));
    },
    /** New entries arrived: follow them when looking at the newest page, else count those that match. */
    added() {
      follow();
    },
  };
}
