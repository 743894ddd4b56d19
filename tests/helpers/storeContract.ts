import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { AuditEntry, JobRecord, KbDocument } from '../../machines/types.js';
import { StoreError } from '../../store/index.js';
import type { AuditQuery, Store, StoreChange } from '../../store/index.js';

/** A store kind under test: where one lives, opened as often as a test needs. */
export interface StoreKind {
  name: string;
  /** A new, empty location; `open` opens it (again), `cleanup` removes it. */
  fresh(): Promise<{
    open(opts?: { readonly?: boolean }): Promise<Store>;
    cleanup(): Promise<void>;
  }>;
  /** False for the memory store: nothing outlives it, and there is no second process. */
  durable: boolean;
}

export const audit = (i: number, over: Partial<AuditEntry> = {}): AuditEntry => ({
  id: `aud_${i}`,
  ts: new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString(),
  actor: i % 4 === 0 ? 'cheryl' : 'engine',
  entityType: 'incident',
  entityId: `inc_${i % 3}`,
  action: i % 5 === 0 ? 'incident.escalated' : 'incident.detected',
  level: i % 2 ? 'error' : 'info',
  message: `Entry ${i}${i === 7 ? ' 50%_off' : ''}`,
  meta: { agent: i % 2 ? 'mailer' : 'crm', workflow: i % 3 ? 'billing' : 'invoice-run', n: i, nested: { b: [1, 'x', null], a: true } },
  ...over,
});

export const job = (id: string, over: Partial<JobRecord> = {}): JobRecord => ({
  id, kind: null, agent: 'mailer', workflow: null, tenant: null, status: 'queued', attempts: 0,
  createdAt: '2026-01-01T00:00:00.000Z', updatedAt: '2026-01-01T00:00:00.000Z', error: null, incidentId: null, ...over,
});

/** Rows whose values test the edges of each store's encoding (columns, JSON, absent fields). */
const odd = {
  job: job('job_odd', { input: { z: 1, a: [1, 'two', null, { deep: -3.25 }] }, updatedAt: '2026-01-01', attempts: 2.5, tenant: 'acme', note: 'no column' } as Partial<JobRecord>),
  docNoData: { id: 'doc_1', tags: ['post-incident-review', 'p0'], title: 'Review', body: 'ünïcode ✓ "quotes" \\ back', createdAt: '2026-01-02T03:04:05.678Z', incidentId: 'inc_1' } satisfies KbDocument,
  docNullData: { id: 'doc_2', tags: [], title: 't', body: 'b', createdAt: '2026-01-02T03:04:05.678Z', incidentId: null, data: null } satisfies KbDocument,
  deadline: { id: 'dl_1', incidentId: 'inc_1', kind: 'ack', dueAt: 1_767_225_600_123, event: { type: 'ack.timeout', step: 2 } },
  responder: { id: 'cheryl' as const, capacity: 3, active: ['inc_1', 'inc_2'], queue: [], updatedAt: '2026-01-01T00:00:00.000Z' },
};

const QUERIES: AuditQuery[] = [
  {},
  { entityId: 'inc_1' },
  { agent: 'mailer', level: 'error' },
  { workflow: 'invoice-run', order: 'desc', limit: 3 },
  { action: 'incident.escalated', offset: 1, limit: 2 },
  { since: '2026-01-01T00:00:05.000Z', until: '2026-01-01T00:00:12.000Z' },
  { text: 'ENTRY 1' },
  { text: '50%_' },
  { text: 'cheryl', order: 'desc' },
  { agent: 'nobody' },
  { limit: 0 },
];

const flushed = (store: Store) => store.flush();
const byId = <R extends { id: string }>(rows: R[]) => rows.map((r) => r.id);

/**
 * The Store contract: what every store (memory, lowdb files, PostgreSQL) does alike.
 * One suite per kind; each test gets a fresh location.
 */
export function storeContract(kind: StoreKind): void {
  const test = suite(`Store contract: ${kind.name}`);
  const places: Array<{ cleanup(): Promise<void> }> = [];
  const fresh = async () => {
    const place = await kind.fresh();
    places.push(place);
    return place;
  };
  test.after(async () => {
    for (const place of places.splice(0)) await place.cleanup();
  });

  test('puts, gets, lists in insertion order (a row removed and put again goes last), removes', async () => {
    const place = await fresh();
    const store = await place.open();
    for (const id of ['job_c', 'job_a', 'job_b']) store.put('jobs', job(id));
    store.put('jobs', job('job_a', { status: 'running' }));
    store.remove('jobs', 'job_c');
    store.put('jobs', job('job_c', { agent: 'crm' }));
    store.remove('jobs', 'job_b');
    await flushed(store);
    const check = (s: Store) => {
      assert.equal(byId(s.list('jobs')), ['job_a', 'job_c']);
      assert.is(s.get('jobs', 'job_a')?.status, 'running');
      assert.is(s.get('jobs', 'job_b'), undefined);
      assert.equal(byId(s.list('jobs', { agent: 'crm' })), ['job_c']);
      assert.equal(byId(s.list('jobs', { agent: 'mailer', status: 'running' })), ['job_a']);
    };
    check(store);
    await store.close();
    if (!kind.durable) return;
    const again = await place.open();
    check(again);
    await again.close();
  });

  test('each gives the rows list gives, one at a time, committed ones included; a row changed during the pass comes as it is when its turn comes', async () => {
    const place = await fresh();
    const store = await place.open();
    // Settled jobs are done with: a file store's writer keeps them on disk once committed.
    for (const [id, status, agent] of [['job_1', 'succeeded', 'mailer'], ['job_2', 'running', 'crm'], ['job_3', 'failed', 'mailer'], ['job_4', 'queued', 'mailer'], ['job_5', 'succeeded', 'crm']] as const) {
      store.put('jobs', job(id, { status, agent }));
    }
    store.remove('jobs', 'job_2');
    store.put('jobs', job('job_2', { status: 'failed', agent: 'crm' }));
    await flushed(store);
    const passes = (s: Store) => {
      for (const where of [undefined, {}, { agent: 'mailer' }, { agent: 'crm', status: 'failed' as const }, { agent: 'nobody' }, { input: undefined }]) {
        assert.equal([...s.each('jobs', where)], s.list('jobs', where), JSON.stringify(where));
      }
      assert.equal(byId([...s.each('jobs')]), ['job_1', 'job_3', 'job_4', 'job_5', 'job_2']);
    };
    passes(store);

    const pass = store.each('jobs', { agent: 'mailer' });
    assert.is(pass.next().value?.id, 'job_1');
    store.put('jobs', job('job_3', { status: 'failed', agent: 'mailer', attempts: 7 }));
    store.put('jobs', job('job_4', { agent: 'crm' }));
    store.put('jobs', job('job_6', { agent: 'mailer' }));
    store.remove('jobs', 'job_1');
    const rest = [...pass];
    assert.equal(byId(rest), ['job_3'], 'job_4 no longer matches, job_6 came after the call');
    assert.is(rest[0].attempts, 7);
    const everything = store.each('jobs');
    store.remove('jobs', 'job_5');
    assert.equal(byId([...everything]), ['job_3', 'job_4', 'job_2', 'job_6']);
    assert.equal([...store.each('decisions')], []);
    await store.close();
    if (!kind.durable) return;
    const reader = await place.open({ readonly: true });
    assert.equal(byId([...reader.each('jobs')]), ['job_3', 'job_4', 'job_2', 'job_6']);
    assert.equal([...reader.each('jobs', { agent: 'crm' })], reader.list('jobs', { agent: 'crm' }));
    await reader.close();
    const writer = await place.open();
    assert.equal([...writer.each('jobs', { status: 'failed' })], writer.list('jobs', { status: 'failed' }));
    assert.equal(byId([...writer.each('jobs', { status: 'failed' })]), ['job_3', 'job_2']);
    await writer.close();
  });

  test('rows read back equal, whatever their values (JSON parts, odd types, absent and null fields)', async () => {
    const place = await fresh();
    const store = await place.open();
    store.put('jobs', odd.job);
    store.put('kb_documents', odd.docNoData);
    store.put('kb_documents', odd.docNullData);
    store.put('deadlines', odd.deadline);
    store.put('responders', odd.responder);
    await store.close();
    const again = kind.durable ? await place.open({ readonly: true }) : store;
    assert.equal(again.get('jobs', 'job_odd'), odd.job);
    assert.equal(again.get('kb_documents', 'doc_1'), odd.docNoData);
    assert.ok(!('data' in (again.get('kb_documents', 'doc_1') as object)));
    assert.equal(again.get('kb_documents', 'doc_2'), odd.docNullData);
    assert.equal(again.get('deadlines', 'dl_1'), odd.deadline);
    assert.equal(again.get('responders', 'cheryl'), odd.responder);
    assert.equal(byId(again.list('kb_documents', { tags: ['post-incident-review', 'p0'] })), ['doc_1']);
    if (again !== store) await again.close();
  });

  test('meta values are set, read, deleted and kept', async () => {
    const place = await fresh();
    const store = await place.open();
    store.setMeta('scenario', { name: 'p0', seed: 7 });
    store.setMeta('gone', 1);
    store.setMeta('gone', undefined);
    await store.close();
    const again = kind.durable ? await place.open({ readonly: true }) : store;
    assert.equal(again.getMeta('scenario'), { name: 'p0', seed: 7 });
    assert.is(again.getMeta('gone'), undefined);
    if (again !== store) await again.close();
  });

  test('audit queries: filters, time range, text, order and pages; pageAudit answers alike', async () => {
    const place = await fresh();
    const store = await place.open();
    for (let i = 0; i < 20; i++) store.appendAudit(audit(i));
    await store.flush();
    const reader = kind.durable ? await place.open({ readonly: true }) : store;
    for (const s of [store, reader]) {
      assert.is(s.auditCount(), 20);
      assert.equal(s.queryAudit({ entityId: 'inc_1' }).rows.map((r) => r.id), ['aud_1', 'aud_4', 'aud_7', 'aud_10', 'aud_13', 'aud_16', 'aud_19']);
      assert.equal(s.queryAudit({ workflow: 'invoice-run', order: 'desc', limit: 3 }).rows.map((r) => r.id), ['aud_18', 'aud_15', 'aud_12']);
      assert.equal(s.queryAudit({ since: '2026-01-01T00:00:05.000Z', until: '2026-01-01T00:00:08.000Z' }).total, 3);
      assert.equal(s.queryAudit({ text: '50%_' }).rows.map((r) => r.id), ['aud_7']);
      assert.equal(s.queryAudit().rows[3], audit(3));
      for (const query of QUERIES) {
        assert.ok(s.pageAudit, 'pageAudit is implemented');
        assert.equal(await s.pageAudit!(query), s.queryAudit(query), JSON.stringify(query));
      }
    }
    if (reader !== store) await reader.close();
    await store.close();
  });

  test('subscribers hear each commit once, with its audit rows and changed rows', async () => {
    const place = await fresh();
    const store = await place.open();
    const heard: StoreChange[] = [];
    const stop = store.subscribe((change) => heard.push(change));
    store.appendAudit(audit(1));
    store.put('jobs', job('job_1'));
    await store.flush();
    stop();
    store.put('jobs', job('job_2'));
    await store.flush();
    assert.is(heard.length, 1);
    assert.equal(heard[0].audit, [audit(1)]);
    assert.equal(heard[0].rows, [{ table: 'jobs', id: 'job_1', row: job('job_1') }]);
    await store.close();
  });

  test('a closed store refuses mutations; a read-only one too, and never writes', async () => {
    const place = await fresh();
    const store = await place.open();
    store.put('jobs', job('job_1'));
    await store.close();
    assert.throws(() => store.put('jobs', job('job_2')), (e: unknown) => e instanceof StoreError && e.code === 'closed');
    if (!kind.durable) return;
    const reader = await place.open({ readonly: true });
    assert.ok(reader.readonly);
    assert.throws(() => reader.put('jobs', job('job_2')), (e: unknown) => e instanceof StoreError && e.code === 'readonly');
    assert.throws(() => reader.appendAudit(audit(1)), (e: unknown) => e instanceof StoreError && e.code === 'readonly');
    assert.throws(() => reader.setMeta('k', 1), (e: unknown) => e instanceof StoreError && e.code === 'readonly');
    await reader.close();
  });

  if (!kind.durable) return test.run();

  test('a second writer is refused while the first is open', async () => {
    const place = await fresh();
    const store = await place.open();
    try {
      await place.open();
      assert.unreachable('a second writer opened');
    } catch (error) {
      assert.instance(error, StoreError);
      assert.is((error as StoreError).code, 'locked');
    }
    await store.close();
    const next = await place.open();
    await next.close();
  });

  test('a read-only follower picks up another writer\'s commits with refresh()', async () => {
    const place = await fresh();
    const writer = await place.open();
    writer.put('jobs', job('job_1'));
    writer.put('jobs', job('job_2'));
    await writer.flush();
    const reader = await place.open({ readonly: true });
    const heard: StoreChange[] = [];
    reader.subscribe((change) => heard.push(change));
    assert.equal(byId(reader.list('jobs')), ['job_1', 'job_2']);

    writer.put('jobs', job('job_1', { status: 'failed' }));
    writer.remove('jobs', 'job_2');
    writer.put('jobs', job('job_3', { agent: 'crm' }));
    writer.appendAudit(audit(1));
    writer.appendAudit(audit(2));
    writer.setMeta('scenario', 'x');
    await writer.flush();
    const change = await until(async () => {
      const c = await reader.refresh();
      return c.audit.length || c.rows.length ? c : null;
    });
    assert.equal(change.audit.map((a) => a.id), ['aud_1', 'aud_2']);
    assert.equal(new Set(change.rows.map((r) => `${r.id}:${r.row === null ? 'gone' : 'here'}`)), new Set(['job_1:here', 'job_2:gone', 'job_3:here']));
    assert.equal(byId(reader.list('jobs')), ['job_1', 'job_3']);
    assert.is(reader.get('jobs', 'job_1')?.status, 'failed');
    assert.equal(byId(reader.list('jobs', { agent: 'crm' })), ['job_3']);
    assert.is(reader.getMeta('scenario'), 'x');
    assert.is(reader.queryAudit({ entityId: 'inc_2' }).rows[0]?.id, 'aud_2');
    assert.is(heard.length, 1);
    // Nothing new: an empty change.
    assert.equal(await reader.refresh(), { audit: [], rows: [] });
    await reader.close();
    await writer.close();
  });

  test.run();
}

/** Polls `probe` (a follower may hear of a commit a moment after it lands). */
export async function until<T>(probe: () => Promise<T | null>, ms = 5000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== null) return value;
    if (Date.now() > end) throw new Error('nothing arrived in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
