import { ApiError, get, post, token } from './api.js';
import { fill, fillKeepingFocus, h, time } from './dom.js';

/**
 * Atlas's pending go/no-go decisions with approve and deny buttons. Answering needs
 * the token and an engine in the watcher's process; the engine audits who answered.
 */
export function setupDecisions({ list, hint, byInput, onOpen, onAnswered }) {
  // The list is redrawn without the answered decision at once: what this page answered stays
  // on top of it (and takes the focus from the button that went), so the answer is confirmed where it was given.
  let answered = null;
  let answeredId = null;
  let focusAnswered = false;
  byInput.value = localStorage.getItem('watcher-by') ?? '';
  byInput.addEventListener('change', () => localStorage.setItem('watcher-by', byInput.value.trim()));

  async function answer(decision, answer, status) {
    const by = byInput.value.trim();
    if (!by) {
      status.textContent = 'Type your name above first: the audit log records who answered.';
      byInput.focus();
      return;
    }
    status.textContent = 'sending…';
    try {
      await post(`decisions/${encodeURIComponent(decision.id)}`, { answer, by });
      answered = `${answer === 'approve' ? 'Approved' : 'Denied'} "${decision.action}" for ${decision.incidentId}, as ${by}.`;
      status.textContent = answered;
      answeredId = decision.id;
      focusAnswered = true;
      onAnswered();
    } catch (error) {
      status.textContent = error instanceof ApiError ? error.message : `Failed: ${error.message}`;
      status.classList.add('bad');
    }
  }

  return async function render() {
    const { rows, canDecide } = await get('decisions');
    const disabled = !canDecide || !token;
    hint.hidden = !disabled;
    hint.textContent = !canDecide
      ? 'Read-only: this watcher reads a store file. Answer from the process that runs the engine.'
      : 'Read-only: open the URL printed at start (it carries ?token=…) to answer.';
    const note = answered ? h('li', { class: 'answered', role: 'status', tabindex: -1 }, answered) : null;
    if (!rows.length) fill(list, note, h('li', { class: 'calm' }, 'No decision waiting.'));
    else fillKeepingFocus(list, 'decision', note, rows.map((d) => {
      const status = h('span', { class: 'answer-status', role: 'status' });
      return h('li', { class: 'card decision', dataset: { decision: d.id } },
        h('div', null, h('strong', null, 'Go/no-go: '), h('span', { class: 'decision-action' }, d.action)),
        h('div', { class: 'muted' },
          'incident ', h('a', { href: `#incident=${encodeURIComponent(d.incidentId)}`, onclick: (e) => { e.preventDefault(); onOpen(d.incidentId); } }, d.incidentId),
          ` · asked ${time(d.requestedAt)} · times out ${time(d.timeoutAt)}`),
        h('div', { class: 'buttons' },
          h('button', { type: 'button', class: 'approve', disabled, onclick: () => answer(d, 'approve', status) }, 'Approve'),
          h('button', { type: 'button', class: 'deny', disabled, onclick: () => answer(d, 'deny', status) }, 'Deny'),
          status));
    }));
    if (focusAnswered && note && !rows.some((d) => d.id === answeredId)) {
      focusAnswered = false;
      note.focus();
    }
  };
}
