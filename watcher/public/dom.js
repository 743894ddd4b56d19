/**
 * DOM helpers. Everything that comes from the server becomes a text node or an
 * attribute value: no innerHTML anywhere, so `<img src=x onerror=…>` in an error
 * message stays characters on the screen.
 */

/**
 * Creates an element. Props: `class`, `text`, `on<event>` handlers, `dataset`, other
 * attributes (set as strings). Children: nodes or strings (strings become text nodes).
 * @example h('td', { class: 'sev' }, incident.severity)
 */
export function h(tag, props, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props ?? {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key === 'class') el.className = value;
    else if (key === 'text') el.textContent = String(value);
    else if (key === 'dataset') Object.assign(el.dataset, value);
    else if (key.startsWith('on')) el.addEventListener(key.slice(2), value);
    else el.setAttribute(key, value === true ? '' : String(value));
  }
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : String(child));
  }
  return el;
}

/** Replaces an element's children. */
export function fill(el, ...children) {
  el.replaceChildren(...children.flat(Infinity).filter((c) => c !== null && c !== undefined && c !== false));
}

/** Each node `redraw` put in, as it was drawn: the page and the reader change the live node (a class, an opened <details>, a status line). */
const drawnAs = new WeakMap();
const FOCUSABLE = 'a, button, input, select, textarea, summary, .scroll, [tabindex]';

/**
 * `fill`, for a panel a live run redraws, keeping the reader's place. A child drawn the same
 * as last time (matched by its `data-<key>`, else by its position) stays the very node: a
 * redraw that changes nothing touches no DOM, so a screen reader hears nothing again and the
 * focus, an opened <details> and a scroll stay. A changed child is replaced; if it held the
 * focus, the control at the same place in the new one (or in `el` when no key) is focused,
 * or in the item now in its place when it went; the scroll and opened <details> of what was
 * replaced are carried over by position.
 * @example redraw(tbody, 'incident', rows.map(row))   // rows carry data-incident
 */
export function redraw(el, key, ...children) {
  const focused = el.contains(document.activeElement) ? document.activeElement : null;
  const item = key ? focused?.closest(`[data-${key}]`) : null;
  const base = item && el.contains(item) ? item : el;
  const focusables = (node) => [...node.querySelectorAll(FOCUSABLE)];
  const at = focused ? focusables(base).indexOf(focused) : -1;
  const items = () => (key ? [...el.querySelectorAll(`[data-${key}]`)] : []);
  const place = base === el ? -1 : items().indexOf(base);
  const scrolls = [...el.querySelectorAll('.scroll')];
  const scrollTops = scrolls.map((s) => s.scrollTop);
  const details = [...el.querySelectorAll('details')];
  const opened = details.map((d) => d.open);

  patch(el, key, children);

  el.querySelectorAll('.scroll').forEach((s, n) => { if (s !== scrolls[n] && scrollTops[n]) s.scrollTop = scrollTops[n]; });
  el.querySelectorAll('details').forEach((d, n) => { if (d !== details[n] && n < opened.length) d.open = opened[n]; });
  if (!focused || focused.isConnected) return;
  // The same item drawn anew; gone (an incident resolved), the one now in its place, or the last.
  const now = items();
  const again = base === el ? el : now.find((node) => node.dataset[key] === item.dataset[key]) ?? now[Math.min(place, now.length - 1)];
  if (!again) return;
  // The same place; else (a pager's Next now disabled) the nearest control before it, or after it, in the panel.
  const controls = focusables(again);
  const usable = (node) => node !== undefined && !node.disabled;
  const target = usable(controls[at]) ? controls[at]
    : base === el ? [...controls.slice(0, at).reverse(), ...controls.slice(at)].find(usable) : null;
  target?.focus({ preventScroll: true });
}

/** Makes `el`'s children `children`, reusing each old child drawn the same and moving nothing that stays. */
function patch(el, key, children) {
  const wanted = children.flat(Infinity).filter((c) => c !== null && c !== undefined && c !== false)
    .map((c) => (c instanceof Node ? c : document.createTextNode(String(c))));
  const keyOf = (node) => (key && node.nodeType === Node.ELEMENT_NODE ? node.dataset[key] ?? null : null);
  const byKey = new Map();
  const unkeyed = [];
  for (const node of el.childNodes) {
    if (keyOf(node) === null) unkeyed.push(node);
    else byKey.set(keyOf(node), node);
  }
  let u = 0;
  const next = wanted.map((node) => {
    const before = keyOf(node) === null ? unkeyed[u++] : byKey.get(keyOf(node));
    if (before && drawnAs.get(before)?.isEqualNode(node)) return before;
    drawnAs.set(node, node.cloneNode(true));
    return node;
  });
  const keep = new Set(next);
  for (const node of [...el.childNodes]) if (!keep.has(node)) node.remove();
  next.forEach((node, n) => { if (el.childNodes[n] !== node) el.insertBefore(node, el.childNodes[n] ?? null); });
}

/** ISO time as "2025-03-04 12:34:56" (UTC, like the audit log), or '' when absent. */
export function time(iso) {
  if (!iso) return '';
  return String(iso).replace('T', ' ').replace(/\.\d+Z$|Z$/, '');
}

/**
 * A datetime-local field's value (no zone) read as UTC, the zone every time on the page is shown
 * in (`time`): the browser's own zone would move the bound away from the times the reader sees.
 * `end`: the end of what was typed, the second (the minute when no seconds are typed), for an
 * exclusive upper bound that keeps the rows the page shows at that time (theirs have milliseconds).
 * @example utc('2026-03-02T14:00') // '2026-03-02T14:00:00.000Z'
 * @example utc('2026-03-02T14:00', true) // '2026-03-02T14:01:00.000Z'
 */
export function utc(value, end = false) {
  const start = Date.parse(`${value}Z`);
  if (!end) return new Date(start).toISOString();
  const fraction = value.split('.')[1];
  const unit = fraction ? 1000 / 10 ** fraction.length : value.length <= 16 ? 60_000 : 1000;
  return new Date(start + unit).toISOString();
}

/**
 * A filter form's `since` and `until` fields read as UTC (`utc`, `until` to the end of what was
 * typed), or null when one cannot be: that field is marked invalid, saying what it expects
 * (a five-digit year, which the field takes, is no time the server or a Date reads).
 */
export function timeBounds(form) {
  const out = {};
  for (const name of ['since', 'until']) {
    const input = form.elements[name];
    const { value } = input;
    const problem = value && !/^\d{4}-/.test(value) ? `Expected a year of four digits (up to 9999), got ${value.split('-')[0]}.` : '';
    input.setCustomValidity(problem);
    input.setAttribute('aria-invalid', String(Boolean(problem)));
    if (problem) {
      input.reportValidity();
      return null;
    }
    if (value) out[name] = utc(value, name === 'until');
  }
  return out;
}

/** A count with thousands separators, as every count on the page is shown: 12,345. */
export function count(n) {
  return n.toLocaleString('en');
}

/** A status in the operator's words: `timed_out` reads "timed out" (agents/engineCalls.ts's statusWords, for the page). */
export const statusWords = (status) => status.replaceAll('_', ' ');

export const SEVERITY_NAMES = { P0: 'System Down', P1: 'Data Integrity', P2: 'Feature Broken', P3: 'Cosmetic/Minor' };
export const RESPONDER_NAMES = { cheryl: 'Cheryl (Support)', petra: 'Petra (PM)', atlas: 'Atlas (CEO)', human: 'Human developer' };

export function responderName(id) {
  return id ? RESPONDER_NAMES[id] ?? String(id) : 'unassigned';
}

/**
 * An incident's id as a link to it, for the keyboard and a screen reader; the row or banner
 * around it opens the incident on the click (the link's own navigation is cancelled).
 * @example h('td', null, incidentLink('inc_7'))
 */
export function incidentLink(id, props = {}) {
  return h('a', { class: 'mono incident-link', href: `#incident=${encodeURIComponent(id)}`, onclick: (e) => e.preventDefault(), ...props }, id);
}

/** A severity badge; unknown severities (not yet triaged) read "untriaged". */
export function severityBadge(severity) {
  const known = Object.hasOwn(SEVERITY_NAMES, severity ?? '');
  if (known) return h('span', { class: `sev sev-${severity}`, title: SEVERITY_NAMES[severity] }, severity);
  // A screen reader would say "em dash" (a title is not read): it hears "untriaged".
  return h('span', { class: 'sev sev-none', title: 'not triaged yet' }, h('span', { 'aria-hidden': 'true' }, '—'), h('span', { class: 'visually-hidden' }, 'untriaged'));
}

/** Calls `fn` once input has been quiet for `ms` (typing in a filter). */
export function debounce(fn, ms) {
  let timer = null;
  return (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
}

/**
 * Calls `fn` at most once per `ms`, at the end of the window that opened with the first
 * call. Unlike debounce it cannot starve: a rehearsal that commits without pause still
 * gets its panels refreshed every `ms`.
 */
export function coalesce(fn, ms) {
  let timer = null;
  return () => {
    timer ??= setTimeout(() => {
      timer = null;
      fn();
    }, ms);
  };
}
