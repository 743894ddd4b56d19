import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { FollowUpRecord } from '../machines/types.js';
import { ReportError } from '../reports/errors.js';
import { completeFollowUp, overdueFollowUps, repeatsAgainstFollowUps } from '../reports/followups.js';
import { createMemoryStore } from '../store/memoryStore.js';
import { at, makeIncident } from './fixtures/incidents.js';

const followUp = (id: string, incidentId: string, dueMinutes: number, over: Partial<FollowUpRecord> = {}): FollowUpRecord => ({
  id, incidentId, reviewId: `doc_${incidentId}`, action: `action ${id}`, owner: 'petra',
  dueAt: at(dueMinutes), status: 'open', doneAt: null, ...over,
});

const Overdue = suite('overdueFollowUps');

Overdue('lists open follow-ups past due, earliest first; due exactly now is not overdue', () => {
  const store = createMemoryStore();
  store.put('followups', followUp('fu_late', 'inc_1', 50));
  store.put('followups', followUp('fu_later', 'inc_1', 10));
  store.put('followups', followUp('fu_now', 'inc_1', 100));
  store.put('followups', followUp('fu_future', 'inc_1', 200));
  store.put('followups', followUp('fu_done', 'inc_1', 5, { status: 'done', doneAt: at(4) }));
  assert.equal(overdueFollowUps(store, at(100)).map((f) => f.id), ['fu_later', 'fu_late']);
});

Overdue.run();

const Complete = suite('completeFollowUp');

Complete('marks the follow-up done at now and saves it', () => {
  const store = createMemoryStore();
  store.put('followups', followUp('fu_1', 'inc_1', 50));
  const done = completeFollowUp(store, 'fu_1', at(30));
  assert.equal({ status: done.status, doneAt: done.doneAt }, { status: 'done', doneAt: at(30) });
  assert.is(store.get('followups', 'fu_1')!.status, 'done');
  assert.equal(overdueFollowUps(store, at(100)), []);
});

Complete('completing twice keeps the first completion time', () => {
  const store = createMemoryStore();
  store.put('followups', followUp('fu_1', 'inc_1', 50));
  completeFollowUp(store, 'fu_1', at(30));
  assert.is(completeFollowUp(store, 'fu_1', at(90)).doneAt, at(30));
});

Complete('refuses an unknown follow-up by name', () => {
  assert.throws(() => completeFollowUp(createMemoryStore(), 'fu_x', at(0)), (e: unknown) => e instanceof ReportError && /fu_x/.test(e.message));
});

Complete.run();

const Repeats = suite('repeatsAgainstFollowUps');

Repeats('tells repeats that recurred while a fix was open from those whose fix did not hold', () => {
  const incidents = [
    makeIncident({ id: 'a', fingerprint: 'x', detectedAt: at(0) }),
    makeIncident({ id: 'b', fingerprint: 'x', repeatOf: 'a', detectedAt: at(100) }),
    makeIncident({ id: 'c', fingerprint: 'x', repeatOf: 'b', detectedAt: at(300) }),
    makeIncident({ id: 'd', fingerprint: 'y', detectedAt: at(10) }),
  ];
  const followups = [
    followUp('fu_a1', 'a', 500, { status: 'done', doneAt: at(200) }),
    followUp('fu_a2', 'a', 500),
    followUp('fu_d', 'd', 500),
  ];
  assert.equal(repeatsAgainstFollowUps(incidents, followups), [
    { incidentId: 'b', fingerprint: 'x', openAtRecurrence: ['fu_a1', 'fu_a2'], doneBeforeRecurrence: [] },
    { incidentId: 'c', fingerprint: 'x', openAtRecurrence: ['fu_a2'], doneBeforeRecurrence: ['fu_a1'] },
  ]);
});

Repeats.run();
