import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Chairman } from '../agents/chairman.js';
import { Deadlines } from '../agents/deadlines.js';
import type { Runtime } from '../agents/runtime.js';
import type { IncidentRecord, KbDocument } from '../machines/types.js';
import { resolvePolicy } from '../machines/policies/config.js';
import { buildBoardSummary } from '../reports/boardSummary.js';
import { VirtualClock } from '../sim/virtualClock.js';
import { createMemoryStore } from '../store/memoryStore.js';
import { at, BASE, makeIncident, MIN, sequentialIds } from './fixtures/incidents.js';

// BASE (at(0)) is Monday 2026-03-02 09:00; the week summarized runs 2026-03-02T00:00 .. 03-09T00:00.
const WEEK_START = Date.parse('2026-03-02T00:00:00.000Z');
const DAY = 24 * 60;

const Weekly = suite('Chairman: the weekly summary reads the incidents of its week');

Weekly('gives the summary a scan of every incident gives, reading only those saved in the week and the unresolved', () => {
  const store = createMemoryStore();
  const clock = new VirtualClock({ start: BASE - 5 * DAY * MIN });
  const rt: Runtime = { store, clock, ids: sequentialIds(), random: () => 0.5, policy: resolvePolicy(), emit: () => {} };
  const chairman = new Chairman(rt, new Deadlines(rt, () => {}));
  /** Saves an incident at virtual minute `minutes`, as the engine does on each of its transitions. */
  const save = (minutes: number, incident: IncidentRecord) => {
    clock.advanceTo(BASE + minutes * MIN);
    store.put('incidents', incident);
    chairman.saved(incident.id);
  };
  // Before the week: one closed (left out), one P0 still unresolved (must be listed).
  save(-3 * DAY, makeIncident({ id: 'old_p0_open', severity: 'P0', status: 'coordinated', detectedAt: at(-3 * DAY), resolvedAt: null }));
  save(-3 * DAY + 30, makeIncident({ id: 'old_done', severity: 'P0', detectedAt: at(-3 * DAY), resolvedAt: at(-3 * DAY + 30) }));
  save(-2 * DAY, makeIncident({ id: 'late', severity: 'P2', detectedAt: at(-2 * DAY), resolvedAt: null }));
  // In the week: detections, and a breach of the incident detected the week before.
  save(60, makeIncident({ id: 'p0_done', severity: 'P0', status: 'closed', rootCause: 'pool exhausted' }));
  save(DAY, { ...(store.get('incidents', 'late') as IncidentRecord), slaBreaches: [{ kind: 'resolution', at: at(DAY) }] });
  save(DAY + 60, makeIncident({ id: 'p2', severity: 'P2', detectedAt: at(DAY), slaBreaches: [{ kind: 'response', at: at(DAY + 60) }] }));
  save(3 * DAY, makeIncident({ id: 'auto', severity: null, detectedAt: at(3 * DAY), autoResolved: true }));
  clock.advanceTo(BASE + 6 * DAY * MIN);

  chairman.summarize(WEEK_START, clock.now());
  const written = store.list('kb_documents', { tags: ['board-summary'] })[0] as KbDocument;
  const scanned = buildBoardSummary(store, { weekStart: new Date(WEEK_START).toISOString(), now: at(6 * DAY), ids: sequentialIds() });
  assert.equal(written.data, scanned.data);
  assert.is(written.body, scanned.body);
  const data = written.data as { p0s: Array<{ incidentId: string }>; slaBreaches: Array<{ incidentId: string }>; incidents: number };
  assert.equal(data.p0s.map((p) => p.incidentId), ['old_p0_open', 'p0_done']);
  assert.equal(data.slaBreaches.map((b) => b.incidentId), ['late', 'p2']);
  assert.is(data.incidents, 3);
});

Weekly.run();
