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

/**
 * `fill`, for a list a live run redraws: the focused item (found by its `data-<key>`), or the
 * same button in it, is focused again in the new list, so a keyboard user keeps their place.
 */
export function fillKeepingFocus(el, key, ...children) {
  const focused = el.contains(document.activeElement) ? document.activeElement : null;
  const item = focused?.closest(`[data-${key}]`);
  const inside = (node) => [node, ...node.querySelectorAll('button, a, [tabindex]')];
  const at = item ? inside(item).indexOf(focused) : -1;
  fill(el, ...children);
  if (!item) return;
  const again = [...el.querySelectorAll(`[data-${key}]`)].find((node) => node.dataset[key] === item.dataset[key]);
  if (again) inside(again)[at]?.focus({ preventScroll: true });
}

/** ISO time as "2025-03-04 12:34:56" (UTC, like the audit log), or '' when absent. */
export function time(iso) {
  if (!iso) return '';
  return String(iso).replace('T', ' ').replace(/\.\d+Z$|Z$/, '');
}

export const SEVERITY_NAMES = { P0: 'System Down', P1: 'Data Integrity', P2: 'Feature Broken', P3: 'Cosmetic/Minor' };
export const RESPONDER_NAMES = { cheryl: 'Cheryl (Support)', petra: 'Petra (PM)', atlas: 'Atlas (CEO)', human: 'Human developer' };

export function responderName(id) {
  return id ? RESPONDER_NAMES[id] ?? String(id) : 'unassigned';
}

/** A severity badge; unknown severities (not yet triaged) read "untriaged". */
export function severityBadge(severity) {
  const known = Object.hasOwn(SEVERITY_NAMES, severity ?? '');
  return h('span', { class: `sev sev-${known ? severity : 'none'}`, title: known ? SEVERITY_NAMES[severity] : 'not triaged yet' }, known ? severity : '—');
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
