import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { SEVERITIES, type IncidentRecord, type IncidentStatus } from '../machines/types.js';
import { createRandom } from '../sim/random.js';
import { createMemoryStore } from '../store/memoryStore.js';
import type { Store } from '../store/types.js';
import { IncidentList } from '../watcher/incidentList.js';
import { matches, STATUSES, summarize, type IncidentFilter } from '../watcher/queries.js';
import { at, makeIncident } from './fixtures/incidents.js';

/** The list computed from scratch, as the watcher did on every request before. */
function recompute(store: Store, f: IncidentFilter) {
  const all = store.list('incidents');
  const newest = all.filter((i) => matches(i, f)).sort((a, b) => (a.detectedAt < b.detectedAt ? 1 : a.detectedAt > b.detectedAt ? -1 : 0));
  // Worst first: P0 … P3, the untriaged last; within a severity the oldest first.
  const rank = (i: IncidentRecord) => (i.severity ? Number(i.severity.slice(1)) : 9);
  const hits = f.order === 'worst' ? [...newest].reverse().sort((a, b) => rank(a) - rank(b)) : newest;
  const distinct = (pick: (i: IncidentRecord) => string | null) => [...new Set(all.map(pick).filter((v): v is string => !!v))].sort();
  return {
    total: hits.length,
    rows: hits.slice(f.offset, f.offset + f.limit).map(summarize),
    facets: { agents: distinct((i) => i.agent), workflows: distinct((i) => i.workflow), tenants: distinct((i) => i.tenant) },
  };
}

const Incremental = suite('watcher incident list kept from store changes');

Incremental('equals a full recomputation after random puts, updates and removals (seeded)', async () => {
  const random = createRandom(1414);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)];
  const store = createMemoryStore({ autoCommit: false });
  const early = new IncidentList(store);
  early.query({ severity: [], status: [], offset: 0, limit: 1 }); // built now, before any change
  const filters = (): IncidentFilter => ({
    severity: random() < 0.3 ? [pick(SEVERITIES)] : [],
    status: random() < 0.3 ? ['active'] : random() < 0.3 ? [pick(STATUSES), pick(STATUSES)] : [],
    agent: random() < 0.3 ? `agent-${Math.floor(random() * 6)}` : undefined,
    tenant: random() < 0.2 ? `tenant-${Math.floor(random() * 3)}` : undefined,
    since: random() < 0.2 ? at(Math.floor(random() * 60)) : undefined,
    offset: random() < 0.3 ? Math.floor(random() * 20) : 0,
    limit: 1 + Math.floor(random() * 40),
    order: random() < 0.3 ? 'worst' : 'newest',
  });
  for (let round = 0; round < 60; round++) {
    for (let k = 0; k < 25; k++) {
      const id = `inc_${Math.floor(random() * 120)}`;
      if (random() < 0.2) store.remove('incidents', id);
      else {
        // Few distinct times, so many incidents tie and table order decides.
        store.put('incidents', makeIncident({
          id,
          detectedAt: at(Math.floor(random() * 90)),
          status: pick(STATUSES) as IncidentStatus,
          severity: random() < 0.2 ? null : pick(SEVERITIES),
          agent: `agent-${Math.floor(random() * 6)}`,
          workflow: random() < 0.3 ? null : `wf-${Math.floor(random() * 8)}`,
          tenant: random() < 0.2 ? null : `tenant-${Math.floor(random() * 3)}`,
        }));
      }
    }
    await store.flush();
    const late = new IncidentList(store);
    for (let q = 0; q < 8; q++) {
      const f = filters();
      const expected = recompute(store, f);
      assert.equal(early.query(f), expected, `round ${round}, kept since the start: ${JSON.stringify(f)}`);
      assert.equal(late.query(f), expected, `round ${round}, built now: ${JSON.stringify(f)}`);
    }
    late.close();
  }
  early.close();
});

Incremental('an incident removed and put again moves to the end of table order', async () => {
  const store = createMemoryStore({ autoCommit: false });
  const list = new IncidentList(store);
  for (const id of ['a', 'b', 'c']) store.put('incidents', makeIncident({ id, detectedAt: at(5) }));
  await store.flush();
  const all: IncidentFilter = { severity: [], status: [], offset: 0, limit: 10 };
  assert.equal(list.query(all).rows.map((r) => r.id), ['a', 'b', 'c']);
  store.remove('incidents', 'a');
  store.put('incidents', makeIncident({ id: 'a', detectedAt: at(5) }));
  await store.flush();
  assert.equal(list.query(all).rows.map((r) => r.id), ['b', 'c', 'a']);
  assert.equal(list.query(all), recompute(store, all));
  list.close();
});

Incremental.run();
