import { announceMatches } from './announce.js';
import { get } from './api.js';
import { count as n, debounce, fill, h, incidentLink, redraw, responderName, severityBadge, statusWords, time, timeBounds } from './dom.js';

const STATUSES = ['detected', 'retrying', 'triaged', 'coordinated', 'executive', 'resolved', 'auto_resolved', 'closed'];

/**
 * Historical incidents, filtered on the server by severity, status, agent, workflow,
 * tenant and detection time. Clicking a row opens its detail.
 */
export function incidentList({ form, tbody, count, onOpen }) {
  const PAGE = 200;
  // The most rows the server sends for one request (MAX_INCIDENTS, watcher/queries.ts): past it, the filters narrow the list.
  const MOST = 5000;
  let selected = null;
  let limit = PAGE;
  const select = (name, options) =>
    h('select', { name }, h('option', { value: '' }, 'any'), options.map(([value, label]) => h('option', { value }, label)));
  fill(form,
    h('fieldset', { class: 'sev-filter' }, h('legend', null, 'Severity'),
      ['P0', 'P1', 'P2', 'P3'].map((s) => h('label', null, h('input', { type: 'checkbox', name: 'severity', value: s }), s))),
    h('label', null, 'Status', select('status', [['active', 'active (open)'], ...STATUSES.map((s) => [s, statusWords(s)])])),
    h('label', null, 'Agent', select('agent', [])),
    h('label', null, 'Workflow', select('workflow', [])),
    h('label', null, 'Tenant', select('tenant', [])),
    h('label', null, 'Detected from (UTC)', h('input', { name: 'since', type: 'datetime-local', step: 1 })),
    h('label', null, 'to (UTC)', h('input', { name: 'until', type: 'datetime-local', step: 1 })),
    h('button', { type: 'reset' }, 'Clear'));

  /**
   * Keeps the choice while the list of agents/workflows/tenants grows: a value first seen in a
   * live run goes in its sorted place (the server's order), the options already there stay.
   */
  function offer(name, values) {
    const el = form.elements[name];
    const current = el.value;
    const known = new Set([...el.options].map((o) => o.value));
    for (const v of values) {
      if (known.has(v)) continue;
      const next = [...el.options].find((o) => o.value !== '' && o.value > v);
      el.insertBefore(h('option', { value: v }, v), next ?? null);
    }
    el.value = current;
  }

  /** The filters as the server takes them, or null while a time typed cannot be read (its field says why). */
  function params() {
    const data = new FormData(form);
    const bounds = timeBounds(form);
    if (!bounds) return null;
    const out = { severity: data.getAll('severity').join(','), limit, ...bounds };
    for (const key of ['status', 'agent', 'workflow', 'tenant']) out[key] = data.get(key);
    return out;
  }

  // Only the newest load may draw: an answer a later one overtook (a live change's, asked before the
  // reader changed the filters) would bring back the rows of the filters as they were.
  let asked = 0;
  // The reader changed the filters: the load that draws next says how many match.
  let sayCount = false;
  async function load() {
    const query = params();
    if (!query) return;
    const mine = ++asked;
    const { rows, total, facets } = await get('incidents', query);
    if (mine !== asked) return;
    offer('agent', facets.agents);
    offer('workflow', facets.workflows);
    offer('tenant', facets.tenants);
    redraw(tbody, 'incident', rows.length ? rows.map(row) : h('tr', null, h('td', { colspan: 6, class: 'calm' }, 'No incident matches.')));
    // "show more" keeps the focus that pressed it; at the server's most it is not offered (it would show nothing more).
    const more = Math.min(PAGE, total - rows.length, MOST - rows.length);
    redraw(count, null, total > rows.length ? [`${n(rows.length)} shown of ${n(total)} matching `,
      more > 0
        ? h('button', { type: 'button', class: 'link', onclick: () => { limit = Math.min(limit + PAGE, MOST); load(); } }, `show ${more} more`)
        // Focusable (not a tab stop): the focus of the last "show more" pressed comes here, not to the page's top.
        : h('span', { class: 'muted', tabindex: -1 }, `(the list shows at most ${n(MOST)}: narrow it with the filters, the detection time for older ones)`)] : `${n(total)} matching`);
    if (sayCount) {
      sayCount = false;
      announceMatches(total, ['incident', 'incidents']);
    }
  }

  function row(i) {
    return h('tr', {
        class: `${i.active ? 'open' : 'done'}${i.id === selected ? ' selected' : ''}`,
        dataset: { incident: i.id },
        onclick: () => onOpen(i.id),
      },
      h('td', null, severityBadge(i.severity)),
      h('td', null, incidentLink(i.id, { 'aria-current': i.id === selected ? 'true' : null }), h('div', { class: 'msg' }, i.error)),
      h('td', null, statusWords(i.status)),
      h('td', null, responderName(i.assignee)),
      h('td', null, i.agent, i.workflow ? h('div', { class: 'muted' }, i.workflow) : null, i.tenant ? h('div', { class: 'muted' }, i.tenant) : null),
      h('td', { class: 'mono small' }, time(i.detectedAt)));
  }

  // The reader's own filter change is said (WCAG 4.1.3); the count under the list is no live region (a live run changes it).
  const reload = debounce(async () => {
    limit = PAGE;
    sayCount = true;
    await load();
  }, 200);
  form.addEventListener('input', reload);
  form.addEventListener('reset', () => setTimeout(reload));
  form.addEventListener('submit', (e) => e.preventDefault());
  return {
    load,
    select(id) {
      selected = id;
      for (const tr of tbody.rows) {
        tr.classList.toggle('selected', tr.dataset.incident === id);
        const link = tr.querySelector('.incident-link');
        if (tr.dataset.incident === id) link?.setAttribute('aria-current', 'true');
        else link?.removeAttribute('aria-current');
      }
    },
  };
}
