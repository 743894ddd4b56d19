import { count } from './dom.js';

/**
 * The page's one live region (#announcer, role="log"): what is new in a live run is said
 * there once, as a line added (a new incident, a decision waiting). The panels themselves
 * are no live regions, since they are redrawn as a run goes and would be read out again.
 */
const KEPT = 10;

/**
 * Adds `text` to the live region, for a screen reader to say once.
 * @example announce('New P1 incident inc_7 (Data Integrity): billing-agent, Petra (PM).')
 */
export function announce(text) {
  const region = document.getElementById('announcer');
  if (!region || !text) return;
  const line = document.createElement('p');
  line.textContent = text;
  region.append(line);
  while (region.childElementCount > KEPT) region.firstElementChild.remove();
}

/**
 * Says how many rows a list has after the reader's own filter change (WCAG 4.1.3): the list
 * and the count beside it are no live region, since a live run changes them.
 * @example announceMatches(1200, ['entry', 'entries'], 'Audit log: ') // "Audit log: 1,200 entries match the filter."
 */
export function announceMatches(total, [one, many], prefix = '') {
  announce(`${prefix}${count(total)} ${total === 1 ? `${one} matches` : `${many} match`} the filter.`);
}
