import { ApiError, get, post, token } from './api.js';
import { announce } from './announce.js';
import { h, redraw, time } from './dom.js';

/**
 * Atlas's pending go/no-go decisions with approve and deny buttons. Answering needs
 * the token and an engine in the watcher's process; the engine audits who answered.
 */
export function setupDecisions({ list, hint, byInput, onOpen, onAnswered }) {
  // The list is redrawn without the answered decision at once: what this page answered last
  // (`text`, for decision `id`) stays on top of it and, while `focus`, takes the focus from the
  // button that went, so the answer is confirmed where it was given. `refused`: the answer was
  // refused (answered elsewhere, timed out), said in the card while it stays, in the note once it goes.
  let answered = null;
  // The decisions the page has shown (null before the first draw, which announces nothing).
  let shown = null;
  byInput.value = localStorage.getItem('watcher-by') ?? '';
  byInput.addEventListener('change', () => localStorage.setItem('watcher-by', byInput.value.trim()));

  // The decisions this page answered or is answering: a second press (a double click, a press before
  // the card goes) sends nothing, or its refusal ("no longer pending") would replace the confirmation
  // of the answer that went through. A refused answer may be tried again.
  const sent = new Set();

  async function answer(decision, answer, status) {
    if (sent.has(decision.id)) return;
    const by = byInput.value.trim();
    if (!by) {
      status.textContent = 'Type your name above first: the audit log records who answered.';
      byInput.focus();
      return;
    }
    status.textContent = 'sending…';
    sent.add(decision.id);
    try {
      await post(`decisions/${encodeURIComponent(decision.id)}`, { answer, by });
      const text = `${answer === 'approve' ? 'Approved' : 'Denied'} "${decision.action}" for ${decision.incidentId}, as ${by}.`;
      status.textContent = text;
      answered = { text, id: decision.id, focus: true, refused: false };
      onAnswered();
    } catch (error) {
      status.textContent = error instanceof ApiError ? error.message : `Failed: ${error.message}`;
      status.classList.add('bad');
      sent.delete(decision.id);
      answered = { text: `Not answered: "${decision.action}" for ${decision.incidentId}. ${status.textContent}`, id: decision.id, focus: true, refused: true };
      onAnswered();
    }
  }

  // Only the newest draw may write: a slow answer for an earlier one would bring back a decision answered since.
  let latest = 0;
  return async function render() {
    const mine = ++latest;
    const { rows, canDecide, closed, tokenRefused } = await get('decisions');
    if (mine !== latest) return;
    const disabled = !canDecide || !token || tokenRefused;
    hint.hidden = !disabled;
    hint.textContent = closed
      ? `Read-only: ${closed}.`
      : !canDecide
        ? 'Read-only: this watcher reads a store file. Answer from the process that runs the engine.'
        : tokenRefused
          ? "Read-only: the watcher no longer takes this page's token (it was restarted, with a new one). Open the URL it printed at start (it carries ?token=…) to answer."
          : 'Read-only: open the URL printed at start (it carries ?token=…) to answer.';
    for (const d of shown ? rows.filter((d) => !shown.has(d.id)) : []) {
      announce(`Decision waiting: go/no-go on "${d.action}" for ${d.incidentId}, times out ${time(d.timeoutAt)}.`);
    }
    shown = new Set(rows.map((d) => d.id));
    // Not a live region: it is said when it takes the focus, or announced once (see below).
    const gone = !rows.some((d) => d.id === answered?.id);
    const note = answered && (gone || !answered.refused) ? h('li', { class: `answered${answered.refused ? ' bad' : ''}`, tabindex: -1 }, answered.text) : null;
    if (!rows.length) redraw(list, 'decision', note, h('li', { class: 'calm' }, 'No decision waiting.'));
    else redraw(list, 'decision', note, rows.map((d) => {
      const status = h('span', { class: 'answer-status', role: 'status' });
      const action = `decision-action-${d.id}`;
      return h('li', { class: 'card decision', dataset: { decision: d.id } },
        h('div', null, h('strong', null, 'Go/no-go: '), h('span', { class: 'decision-action', id: action }, d.action)),
        h('div', { class: 'muted' },
          'incident ', h('a', { href: `#incident=${encodeURIComponent(d.incidentId)}`, onclick: (e) => { e.preventDefault(); onOpen(d.incidentId); } }, d.incidentId),
          ` · asked ${time(d.requestedAt)} · times out ${time(d.timeoutAt)}`),
        h('div', { class: 'buttons' },
          // Two cards' buttons would both be "Approve": each is described by its action.
          h('button', { type: 'button', class: 'approve', disabled, 'aria-describedby': action, onclick: () => answer(d, 'approve', status) }, 'Approve'),
          h('button', { type: 'button', class: 'deny', disabled, 'aria-describedby': action, onclick: () => answer(d, 'deny', status) }, 'Deny'),
          status));
    }));
    if (answered?.focus && note && gone) {
      answered.focus = false;
      // The focus went with the button: the note takes it, and a screen reader says it as it does.
      // Elsewhere (the reader moved on while it was sent) the answer is announced instead.
      // Not the next card's button, where redraw would put it: a second Enter would answer another decision.
      const active = document.activeElement;
      if (!active || active === document.body || list.contains(active)) note.focus();
      else announce(answered.text);
    }
  };
}
