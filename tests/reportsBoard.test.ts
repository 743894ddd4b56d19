import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { buildBoardSummary, type BoardSummary } from '../reports/boardSummary.js';
import { ReportError } from '../reports/errors.js';
import { createMemoryStore } from '../store/memoryStore.js';
import type { Store } from '../store/types.js';
import { at, makeIncident, sequentialIds } from './fixtures/incidents.js';

// BASE (at(0)) is Monday 2026-03-02 09:00; the week runs 2026-03-02T00:00 .. 2026-03-09T00:00.
const WEEK_START = '2026-03-02T00:00:00.000Z';
const DAY = 24 * 60;

function seed(store: Store): void {
  store.put('incidents', makeIncident({ id: 'p0_done', severity: 'P0', status: 'closed', reviewId: 'doc_rev', rootCause: 'pool exhausted' }));
  store.put('incidents', makeIncident({ id: 'p0_open', severity: 'P0', status: 'executive', detectedAt: at(2 * DAY), resolvedAt: null, slaBreaches: [{ kind: 'resolution', at: at(2 * DAY + 60) }] }));
  store.put('incidents', makeIncident({ id: 'p0_old_open', severity: 'P0', status: 'coordinated', detectedAt: at(-3 * DAY), resolvedAt: null }));
  store.put('incidents', makeIncident({ id: 'p0_old_done', severity: 'P0', detectedAt: at(-3 * DAY), resolvedAt: at(-3 * DAY + 30) }));
  store.put('incidents', makeIncident({ id: 'p2', severity: 'P2', detectedAt: at(DAY), slaBreaches: [{ kind: 'response', at: at(DAY + 60) }] }));
  store.put('incidents', makeIncident({ id: 'auto', severity: null, detectedAt: at(3 * DAY), autoResolved: true }));
  store.put('incidents', makeIncident({ id: 'next_week', severity: 'P1', detectedAt: at(7 * DAY) }));
  store.put('kb_documents', { id: 'doc_rev', tags: ['post-incident-review'], title: 'r', body: '', createdAt: at(DAY), incidentId: 'p0_done' });
  store.put('followups', { id: 'fu_overdue', incidentId: 'p0_old_done', reviewId: 'doc_x', action: 'raise pool limit', owner: 'engineering', dueAt: at(DAY), status: 'open', doneAt: null });
  store.put('followups', { id: 'fu_open', incidentId: 'p0_done', reviewId: 'doc_rev', action: 'add alert', owner: 'petra', dueAt: at(10 * DAY), status: 'open', doneAt: null });
  store.put('followups', { id: 'fu_done', incidentId: 'p0_done', reviewId: 'doc_rev', action: 'x', owner: 'petra', dueAt: at(DAY), status: 'done', doneAt: at(0) });
}

const build = (store: Store) => buildBoardSummary(store, { weekStart: WEEK_START, now: at(6 * DAY), ids: sequentialIds() });

const Board = suite('buildBoardSummary');

Board('counts the week\'s incidents by severity and lists its SLA breaches', () => {
  const store = createMemoryStore();
  seed(store);
  const s = build(store).data as BoardSummary;
  assert.is(s.week, '2026-W10');
  assert.is(s.incidents, 4);
  assert.equal(s.bySeverity, { P0: 2, P1: 0, P2: 1, P3: 0, unclassified: 1 });
  assert.equal(s.slaBreaches.map((b) => [b.incidentId, b.kind]), [['p2', 'response'], ['p0_open', 'resolution']]);
});

Board('lists each P0 of the week and earlier P0s still open, with status and review link', () => {
  const store = createMemoryStore();
  seed(store);
  const s = build(store).data as BoardSummary;
  assert.equal(s.p0s.map((p) => [p.incidentId, p.status, p.reviewId]), [
    ['p0_old_open', 'coordinated', null],
    ['p0_done', 'closed', 'doc_rev'],
    ['p0_open', 'executive', null],
  ]);
});

Board('lists open follow-ups with the overdue ones flagged', () => {
  const store = createMemoryStore();
  seed(store);
  const doc = build(store);
  const s = doc.data as BoardSummary;
  assert.equal(s.followUps.map((f) => [f.id, f.overdue]), [['fu_overdue', true], ['fu_open', false]]);
  assert.match(doc.body, /\| fu_overdue \| p0_old_done \| raise pool limit \| engineering \| 2026-03-03 \| \*\*OVERDUE\*\* \|/);
  assert.match(doc.body, /\| p0_done \| closed \| .* \| pool exhausted \| doc_rev \|/);
});

Board('is a board-summary document and writes nothing to the store', () => {
  const store = createMemoryStore();
  seed(store);
  const docs = store.list('kb_documents').length;
  const doc = build(store);
  assert.equal(doc.tags, ['board-summary']);
  assert.is(doc.id, 'doc_1');
  assert.is(doc.title, 'Weekly incident summary 2026-W10');
  assert.is(doc.createdAt, at(6 * DAY));
  assert.is(store.list('kb_documents').length, docs);
  assert.is(build(store).body, doc.body);
});

Board('an empty week says so', () => {
  const doc = build(createMemoryStore());
  assert.match(doc.body, 'No P0 incident this week.');
  assert.match(doc.body, 'No SLA breach this week.');
  assert.match(doc.body, 'No open follow-up.');
});

Board('refuses a weekStart that is not ISO time', () => {
  assert.throws(
    () => buildBoardSummary(createMemoryStore(), { weekStart: 'monday', now: at(0), ids: sequentialIds() }),
    (e: unknown) => e instanceof ReportError && /monday/.test(e.message),
  );
});

Board.run();
