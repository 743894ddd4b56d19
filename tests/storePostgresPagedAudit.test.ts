import pg from 'pg';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { IncidentRecord } from '../machines/types.js';
import { incidentMachine } from '../machines/incidentMachine.js';
import { openStore, StoreError } from '../store/index.js';
import type { AuditQuery, Store, StoreChange } from '../store/types.js';
import { createPool, parseTarget } from '../store/postgres/connection.js';
import { auditPageSql, pageAudit } from '../store/postgres/pageAudit.js';
import { appendAuditRows } from '../store/postgres/writeRows.js';
import { createRandom } from '../sim/random.js';
import { startWatcher } from '../watcher/index.js';
import { watchCommand } from '../watcher/watchCommand.js';
import { holdFirstSeq, notifyAudit, type PgStores, sql, withPgStores } from './helpers/pgSchema.js';
import { audit, job, until } from './helpers/storeContract.js';

/** A watcher over each store, closed after the test (before the stores). */
async function watchersOver(stores: Store[], later: PgStores['later']): Promise<Array<Awaited<ReturnType<typeof startWatcher>>>> {
  const watchers = [];
  for (const store of stores) {
    const watcher = await startWatcher({ store, machines: { incident: incidentMachine }, pollMs: 3_600_000 });
    later(() => watcher.close());
    watchers.push(watcher);
  }
  return watchers;
}

const Paged = suite('PostgreSQL follower with its audit left in the database (pagedAudit, the watcher\'s)');

const incident = (i: number): IncidentRecord => ({ id: `inc_${i}`, severity: 'P2', status: 'triaged', agent: 'mailer', detectedAt: '2026-01-01T00:00:00.000Z', closedAt: null } as unknown as IncidentRecord);

/** Queries the audit viewer and the incident detail ask. */
const QUERIES: AuditQuery[] = [
  {},
  { order: 'desc', limit: 50 },
  { agent: 'mailer', level: 'error', order: 'desc', limit: 7 },
  { entityId: 'inc_1', order: 'asc', limit: 1000 },
  { workflow: 'invoice-run', offset: 5, limit: 4 },
  { action: 'incident.escalated' },
  { text: 'entry 1' },
  { text: '50%_OFF' },
  { text: 'cheryl', order: 'desc', limit: 3 },
  { since: '2026-01-01T00:00:10.000Z', until: '2026-01-01T00:00:30.000Z' },
  { offset: 10_000 },
  { limit: 0 },
];

Paged('answers the audit as the store loaded in memory does: pages, filters, search, count, the watcher\'s answers', () => withPgStores('paged', async ({ open, later }) => {
  const writer = await open();
  for (let i = 0; i < 3; i++) writer.put('incidents', incident(i));
  for (let i = 0; i < 60; i++) writer.appendAudit(audit(i));
  await writer.flush();
  const loaded = await open({ readonly: true });
  const paged = await open({ readonly: true, pagedAudit: true });
  assert.is(paged.auditCount(), 60);
  for (const query of QUERIES) {
    const memory = loaded.queryAudit(query);
    assert.equal(await paged.pageAudit?.(query), memory, JSON.stringify(query));
  }
  // No row in memory to answer from: it says where to ask instead of answering wrongly.
  assert.throws(() => paged.queryAudit({}), (e: unknown) => e instanceof StoreError && /pageAudit/.test(e.message));

  const watchers = await watchersOver([loaded, paged], later);
  const ask = async (path: string) => Promise.all(watchers.map(async (w) => {
    const res = await fetch(`http://127.0.0.1:${w.port}/app/watcher/api${path}`);
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  }));
  for (const path of ['/incidents/inc_1', '/incidents/inc_9', '/audit?agent=mailer&level=error&order=desc&limit=5', '/audit?text=entry%205&offset=1', '/audit?entityId=inc_2']) {
    const [full, lazy] = await ask(path);
    assert.equal(lazy, full, path);
  }
  const [full, lazy] = await ask('/session');
  assert.is((lazy.body as { auditCount: number }).auditCount, 60);
  assert.equal(lazy, full);
}));

Paged('sees the rows committed after it opened: counted, paged, told to subscribers once', () => withPgStores('paged', async ({ open }) => {
  const writer = await open();
  for (let i = 0; i < 5; i++) writer.appendAudit(audit(i));
  await writer.flush();
  const paged = await open({ readonly: true, pagedAudit: true });
  const heard: string[][] = [];
  paged.subscribe((change) => heard.push(change.audit.map((e) => e.id)));
  for (let i = 5; i < 8; i++) writer.appendAudit(audit(i));
  await writer.flush();
  // Before any refresh, an unfiltered page counts what it counted plus what committed since.
  assert.equal(await paged.pageAudit?.({ order: 'desc', limit: 1 }), { total: 8, rows: [audit(7)] });
  const change = await until(async () => {
    const c = await paged.refresh();
    return c.audit.length ? c : null;
  });
  assert.equal(change.audit, [audit(5), audit(6), audit(7)]);
  assert.is(paged.auditCount(), 8);
  assert.equal((await paged.pageAudit?.({ order: 'desc', limit: 2 }))?.rows.map((r) => r.id), ['aud_7', 'aud_6']);
  // A refresh with nothing new tells nothing again.
  assert.equal((await paged.refresh()).audit, []);
  assert.is(paged.auditCount(), 8);
  assert.equal(heard, [['aud_5', 'aud_6', 'aud_7']]);
}));

Paged('a row whose seq was taken before the open and that commits after it is read when it lands', () => withPgStores('paged', async ({ schema, open, writers }) => {
  const [slow, fast] = await writers();
  // `slow` takes seq 1 and commits after the open; `fast` takes seq 2 and commits before it.
  await holdFirstSeq(slow, fast);
  const paged = await open({ readonly: true, pagedAudit: true });
  assert.is(paged.auditCount(), 1);
  assert.is((await paged.pageAudit?.({}))?.total, 1);
  await notifyAudit(slow, schema.name);
  await slow.query('COMMIT');
  // Committed, not yet read: the unfiltered total has it (the gap is counted when it fills).
  assert.is((await paged.pageAudit?.({}))?.total, 2);
  const later = await until(async () => {
    const c = await paged.refresh();
    return c.audit.length ? c.audit.map((r) => r.id) : null;
  });
  assert.equal(later, ['aud_1']);
  assert.is(paged.auditCount(), 2);
  assert.equal((await paged.pageAudit?.({ order: 'desc' }))?.total, 2);
  // A number taken and rolled back is never counted.
  await fast.query('BEGIN');
  await appendAuditRows(fast, [audit(3)]);
  await fast.query('ROLLBACK');
  await appendAuditRows(fast, [audit(4)]);
  assert.is((await paged.pageAudit?.({}))?.total, 3);
}));

Paged('a row whose seq was taken more than 1,000 numbers before the newest at the open is read when it lands, as a loaded follower reads it', () => withPgStores('paged', async ({ schema, open, writers }) => {
  const [slow, fast] = await writers();
  // `slow` takes seq 1 and holds it while `fast` commits 1,500 rows (seq 2 to 1501).
  await holdFirstSeq(slow, fast, Array.from({ length: 1500 }, (_, i) => audit(i + 2)));
  const followers = [await open({ readonly: true }), await open({ readonly: true, pagedAudit: true })];
  for (const follower of followers) assert.is(follower.auditCount(), 1500);
  await notifyAudit(slow, schema.name);
  await slow.query('COMMIT');
  await appendAuditRows(fast, [audit(1502)]);
  await notifyAudit(fast, schema.name);
  assert.is((await followers[1].pageAudit?.({}))?.total, 1502);
  for (const follower of followers) {
    const arrived = await until(async () => {
      const c = await follower.refresh();
      return c.audit.length ? c.audit.map((r) => r.id) : null;
    });
    assert.equal(arrived, ['aud_1', 'aud_1502'], follower === followers[1] ? 'paged' : 'loaded');
    assert.is(follower.auditCount(), 1502);
  }
}));

Paged('a deep page starts at its first seq (keyset), with the rows OFFSET gives: random pages, filters, holes in the numbering', async () => {
  // The page's own scan starts at the seq the skipped rows end on (found in an index), not at OFFSET.
  assert.match(auditPageSql({ order: 'desc', offset: 300, limit: 30 }).page, /WHERE seq <= \(SELECT seq FROM audit_log +ORDER BY seq DESC OFFSET 300 LIMIT 1\) ORDER BY seq DESC LIMIT 30$/);
  assert.match(auditPageSql({ agent: 'mailer', offset: 5 }).page, /WHERE agent = \$1 AND seq >= \(SELECT seq FROM audit_log WHERE agent = \$1 ORDER BY seq ASC OFFSET 5 LIMIT 1\) ORDER BY seq ASC$/);
  await withPgStores('paged', async ({ open, writers }) => {
    const [rollback] = await writers();
    const writer = await open();
    for (let i = 0; i < 400; i++) {
      writer.appendAudit(audit(i));
      if (i % 97 !== 0) continue;
      await writer.flush();
      // Numbers taken and given back: holes the keyset must step over as OFFSET does.
      await rollback.query('BEGIN');
      await appendAuditRows(rollback, [audit(10_000 + i), audit(20_000 + i)]);
      await rollback.query('ROLLBACK');
    }
    await writer.flush();
    const [loaded, paged] = [await open({ readonly: true }), await open({ readonly: true, pagedAudit: true })];
    const filters: AuditQuery[] = [{}, { agent: 'mailer' }, { level: 'error', agent: 'crm' }, { entityId: 'inc_1' }, { action: 'incident.escalated' }, { since: '2026-01-01T00:01:00.000Z', until: '2026-01-01T00:05:00.000Z' }, { text: 'entry 1' }];
    const random = createRandom(5);
    const pick = (n: number) => Math.floor(random() * n);
    for (let i = 0; i < 120; i++) {
      const query: AuditQuery = { ...filters[pick(filters.length)], order: random() < 0.5 ? 'asc' : 'desc', offset: pick(3) === 0 ? pick(3) : pick(420) };
      if (pick(4)) query.limit = pick(60);
      const memory = loaded.queryAudit(query);
      assert.equal(await paged.pageAudit?.(query), memory, JSON.stringify(query));
      assert.equal(await loaded.pageAudit?.(query), memory, JSON.stringify(query));
    }
  });
});

Paged('incident-flow watch over PostgreSQL opens the store paged: no audit row is read until a page asks', () => withPgStores('pagedwatch', async ({ schema, open, later }) => {
  const writer = await open();
  writer.put('incidents', incident(1));
  for (let i = 0; i < 3; i++) writer.appendAudit(audit(i));
  await writer.flush();
  // A row no read can turn back into an entry (a hand edit): an open that loads the audit
  // stops at it; one that leaves the audit in the database counts it and reads no row.
  await sql(`UPDATE ${schema.name}.audit_log SET ts = 'infinity' WHERE id = 'aud_0'`);
  await openStore(schema.url, { readonly: true }).then(
    (store) => store.close().then(() => assert.unreachable('the loaded open read the audit row')),
    (error: unknown) => assert.match(String(error), /Invalid time value/),
  );
  const watch = await watchCommand({ db: schema.url, port: 0, print: () => {} });
  later(() => watch.close());
  const api = `http://127.0.0.1:${watch.port}/app/watcher/api`;
  const session = (await (await fetch(`${api}/session`)).json()) as { auditCount: number };
  assert.is(session.auditCount, 3);
  const incidents = (await (await fetch(`${api}/incidents`)).json()) as { rows: Array<{ id: string }> };
  assert.equal(incidents.rows.map((r) => r.id), ['inc_1']);
  // Read when a page asks: the newest rows, and then the page holding the edited one.
  const newest = (await (await fetch(`${api}/audit?order=desc&limit=2`)).json()) as { total: number; rows: Array<{ id: string }> };
  assert.equal({ total: newest.total, ids: newest.rows.map((r) => r.id) }, { total: 3, ids: ['aud_2', 'aud_1'] });
  assert.is((await fetch(`${api}/audit?order=asc&limit=1`)).status, 503);
}));

Paged('a page and its total come from one snapshot: a row committed between the count and the page is in neither', () => withPgStores('snapshot', async ({ schema, open, later }) => {
  const writer = await open();
  const target = parseTarget(schema.url);
  const pool = createPool(target);
  later(() => pool.end());
  for (let i = 0; i < 3; i++) writer.appendAudit(audit(i));
  await writer.flush();
  // Right after the total's count answers, another writer commits a row.
  let counted = false;
  const afterCount = async <T>(text: unknown, result: T): Promise<T> => {
    if (!counted && String(text).includes('count(*)')) {
      counted = true;
      writer.appendAudit(audit(3));
      await writer.flush();
    }
    return result;
  };
  const hooked = (q: (...args: unknown[]) => Promise<unknown>) => async (...args: unknown[]) => afterCount(args[0], await q(...args));
  const racing = {
    query: hooked(pool.query.bind(pool) as never),
    connect: async () => {
      const client = await pool.connect();
      return Object.assign(Object.create(client), { query: hooked(client.query.bind(client) as never), release: client.release.bind(client) });
    },
  } as unknown as pg.Pool;
  const page = await pageAudit(racing, target, {});
  assert.ok(counted, 'the row was committed between the count and the page');
  assert.is(page.rows.length, page.total, `the page has ${page.rows.length} rows, its total says ${page.total}`);
  assert.is(page.total, 3);
  assert.is((await pageAudit(pool, target, {})).total, 4);
}));

/** Rows of every table whose rows may be done with, changed at random by `step` (seeded). */
function doneRowsWorld(writer: Store, seed: number) {
  const random = createRandom(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];
  const ts = (n: number) => new Date(Date.UTC(2026, 0, 1) + n * 60_000).toISOString();
  let n = 0;
  const incidentRow = (i: number, status: IncidentRecord['status']): IncidentRecord => ({
    ...incident(i), status, severity: pick(['P0', 'P1', 'P2'] as const), agent: pick(['mailer', 'crm']), detectedAt: ts(i),
    closedAt: status === 'closed' ? ts(i + 5) : null, reviewId: null, error: { message: `failure ${i}`, code: i }, findings: [`note ${n}`],
  } as unknown as IncidentRecord);
  const step = () => {
    n++;
    const ids = writer.list('incidents').map((row) => row.id);
    const i = ids.length ? Number(pick(ids).slice(4)) : 0;
    switch (ids.length < 6 ? 0 : Math.floor(random() * 9)) {
      case 0:
        writer.put('incidents', incidentRow(100 + n, pick(['triaged', 'closed'] as const)));
        break;
      case 1: // closes an incident: done with
        writer.put('incidents', incidentRow(i, 'closed'));
        break;
      case 2: // a done row changed all the same (its glance and the rest)
        writer.put('incidents', { ...(writer.get('incidents', `inc_${i}`) as IncidentRecord), findings: [`changed ${n}`], assignee: pick(['cheryl', 'atlas']) } as IncidentRecord);
        break;
      case 3:
        writer.put('decisions', { id: `dec_${n}`, incidentId: `inc_${i}`, action: 'rollback', status: 'pending', requestedAt: ts(n), answeredAt: null, by: null, timeoutAt: ts(n + 60) });
        break;
      case 4: {
        const pending = writer.list('decisions', { status: 'pending' });
        if (pending.length) writer.put('decisions', { ...pick(pending), status: pick(['approved', 'denied'] as const), answeredAt: ts(n), by: 'petra' });
        break;
      }
      case 5: {
        const review = { id: `doc_${n}`, tags: pick([['post-incident-review'], ['note']]), title: `Review ${n}`, body: `body ${n}`, createdAt: ts(n), incidentId: `inc_${i}` };
        writer.put('kb_documents', review);
        if (random() < 0.5) writer.put('incidents', { ...(writer.get('incidents', `inc_${i}`) as IncidentRecord), reviewId: review.id });
        break;
      }
      case 6:
        writer.put('jobs', job(`job_${n}`, { incidentId: `inc_${i}`, status: pick(['queued', 'succeeded', 'failed'] as const) }));
        writer.put('notifications', { id: `ntf_${n}`, ts: ts(n), from: 'cheryl', to: 'ops', channel: 'email', subject: `s ${n}`, body: 'b', incidentId: `inc_${i}` });
        break;
      case 7: // removed, or removed and put again (it goes last)
        writer.remove('incidents', `inc_${i}`);
        if (random() < 0.5) writer.put('incidents', incidentRow(i, pick(['triaged', 'closed'] as const)));
        break;
      default: // opened again
        writer.put('incidents', incidentRow(i, 'triaged'));
    }
    writer.setMeta('step', n);
    return n;
  };
  return { step };
}

/** Refreshes `store` until it has read the writer's step `n` (notices arrive on their own time). */
const caughtUp = (store: Store, n: number) => until(async () => (await store.refresh(), store.getMeta('step') === n ? true : null));

Paged('holds its done rows as their glance: the watcher\'s answers and fetch equal a loaded store\'s through random changes', () => withPgStores('donerows', async ({ schema, open, later }) => {
  const writer = await open();
  const world = doneRowsWorld(writer, 14);
  for (let k = 0; k < 30; k++) world.step();
  await writer.flush();
  const followers = [await open({ readonly: true }), await open({ readonly: true, pagedAudit: true })];
  const [loaded, paged] = followers;
  const watchers = await watchersOver(followers, later);
  const ask = (path: string) => Promise.all(watchers.map(async (w) => {
    const res = await fetch(`http://127.0.0.1:${w.port}/app/watcher/api${path}`);
    return { status: res.status, body: (await res.json()) as unknown };
  }));
  let refused = 0;
  for (let round = 0; round < 12; round++) {
    let n = 0;
    for (let k = 0; k < 8; k++) n = world.step();
    await writer.flush();
    // Now and then a notice that says "read everything" (as after a lost connection).
    if (round % 4 === 3) await sql('SELECT pg_notify($1, $2)', [`incident_flow:${schema.name}`, '{"all":true}']);
    for (const store of followers) await caughtUp(store, n);
    for (const path of ['/incidents?limit=5000', '/incidents?status=closed', '/decisions', '/responders']) {
      const [full, lazy] = await ask(path);
      assert.equal(lazy, full, path);
    }
    for (const id of [...loaded.list('incidents').map((row) => row.id), 'inc_none']) {
      const [full, lazy] = await ask(`/incidents/${id}`);
      assert.equal(lazy, full, `round ${round}: /incidents/${id}`);
    }
    for (const table of ['incidents', 'decisions', 'kb_documents', 'jobs', 'notifications'] as const) {
      assert.equal(await paged.fetchList?.(table), loaded.list(table), table);
      for (const row of loaded.list(table)) {
        assert.equal(await paged.fetch?.(table, row.id), row, `${table} ${row.id}`);
        try {
          assert.equal(paged.get(table, row.id), row);
        } catch (error) {
          assert.instance(error, StoreError);
          refused++;
        }
      }
    }
    assert.equal(await paged.fetchList?.('decisions', { incidentId: 'inc_1', status: 'approved' }), loaded.list('decisions', { incidentId: 'inc_1', status: 'approved' }));
    assert.equal(await paged.fetchList?.('kb_documents', { title: 'Review 40' }), loaded.list('kb_documents', { title: 'Review 40' }));
    assert.equal(await paged.fetchList?.('incidents', { agent: 'crm' }, { last: 2 }), loaded.list('incidents', { agent: 'crm' }, { last: 2 }));
  }
  assert.ok(refused > 0, 'some rows were held as their glance');
}));

Paged('a done row is held as its glance: a synchronous read of it refuses, naming fetch; listings of glanced fields answer', () => withPgStores('donerows', async ({ open }) => {
  const writer = await open();
  writer.put('incidents', { ...incident(1), status: 'closed', closedAt: '2026-01-01T01:00:00.000Z' });
  writer.put('incidents', incident(2));
  // A glanced value its column cannot hold (kept in `extra`), a glanced field the row lacks, a timestamp as toISOString writes it.
  const { workflow: _none, ...odd } = { ...incident(3), status: 'closed', detectedAt: '2026-01-02', resolvedAt: '0999-12-31T23:59:59.999Z', attached: 2.5 } as IncidentRecord;
  writer.put('incidents', odd as IncidentRecord);
  writer.put('decisions', { id: 'dec_1', incidentId: 'inc_1', action: 'rollback', status: 'approved', requestedAt: '2026-01-01T00:00:00.000Z', answeredAt: '2026-01-01T00:01:00.000Z', by: 'petra', timeoutAt: '2026-01-01T01:00:00.000Z' });
  writer.put('decisions', { id: 'dec_2', incidentId: 'inc_2', action: 'rollback', status: 'pending', requestedAt: '2026-01-01T00:00:00.000Z', answeredAt: null, by: null, timeoutAt: '2026-01-01T01:00:00.000Z' });
  await writer.flush();
  const store = await open({ readonly: true, pagedAudit: true });
  const refusal = (e: unknown) => e instanceof StoreError && /tables\.incidents\["inc_1"\] is held as its glance only.*use fetch or fetchList/.test(e.message);
  assert.throws(() => store.get('incidents', 'inc_1'), refusal);
  assert.throws(() => store.list('incidents'), refusal);
  assert.throws(() => [...store.each('incidents')], refusal);
  assert.throws(() => store.list('decisions', { incidentId: 'inc_1' }), /dec_1.*use fetch/);
  // Open rows are whole; listings on glanced fields are answered from the glances.
  assert.is(store.get('incidents', 'inc_2')?.status, 'triaged');
  assert.equal(store.list('decisions', { status: 'pending' }).map((d) => d.id), ['dec_2']);
  assert.equal(store.glance?.('incidents').map((g) => [g.id, g.status, g.closedAt]), [['inc_1', 'closed', '2026-01-01T01:00:00.000Z'], ['inc_2', 'triaged', null], ['inc_3', 'closed', null]]);
  const glance = store.glance?.('incidents')[2] as unknown as Record<string, unknown>;
  assert.equal([glance.detectedAt, glance.resolvedAt, glance.attached, 'workflow' in glance ? glance.workflow : 'none'], ['2026-01-02', '0999-12-31T23:59:59.999Z', 2.5, undefined]);
  assert.equal(await store.fetch?.('incidents', 'inc_3'), odd);
  assert.is((await store.fetch?.('incidents', 'inc_1'))?.closedAt, '2026-01-01T01:00:00.000Z');
  assert.equal((await store.fetchList?.('decisions', { incidentId: 'inc_1' }))?.map((d) => d.by), ['petra']);
}));

/** inc_1, as `incident(1)` gives it, closed. */
const closedIncident = { ...incident(1), status: 'closed', closedAt: '2026-01-01T01:00:00.000Z' } as IncidentRecord;

/**
 * A writer with inc_1 open (meta step 0) and a paged follower opened over it, whose every
 * change's rows land in `heard`; closed and dropped after `run`.
 */
function overOpenIncident(run: (ctx: { schema: { name: string }; writer: Store; store: Store; heard: StoreChange['rows'] }) => Promise<void>): Promise<void> {
  return withPgStores('donerows', async ({ schema, open }) => {
    const writer = await open();
    writer.put('incidents', incident(1));
    writer.setMeta('step', 0);
    await writer.flush();
    const store = await open({ readonly: true, pagedAudit: true });
    const heard: StoreChange['rows'] = [];
    store.subscribe((change) => heard.push(...change.rows));
    await run({ schema, writer, store, heard });
  });
}

Paged('refresh: a row that becomes done is handed over whole, then held as its glance; a new open row is read whole', () => overOpenIncident(async ({ writer, store, heard }) => {
  const closed = closedIncident;
  writer.put('incidents', closed);
  writer.put('incidents', incident(2));
  writer.setMeta('step', 1);
  await writer.flush();
  await caughtUp(store, 1);
  assert.equal(heard.map((r) => r.row), [closed, incident(2)]);
  // Held whole until the next read, which drops it to its glance.
  assert.equal(store.get('incidents', 'inc_1'), closed);
  writer.setMeta('step', 2);
  await writer.flush();
  await caughtUp(store, 2);
  assert.throws(() => store.get('incidents', 'inc_1'), /use fetch/);
  assert.equal(await store.fetch?.('incidents', 'inc_1'), closed);
  assert.equal(store.get('incidents', 'inc_2'), incident(2));
  assert.equal(store.list('incidents', { status: 'triaged' }).map((i) => i.id), ['inc_2']);
  // Opened again: read whole, readable at once.
  writer.put('incidents', incident(1));
  writer.setMeta('step', 3);
  await writer.flush();
  await caughtUp(store, 3);
  assert.equal(store.get('incidents', 'inc_1'), incident(1));
  assert.equal(store.list('incidents', { status: 'triaged' }).map((i) => i.id), ['inc_1', 'inc_2']);
}));

Paged('a read that fails partway (its audit read) changes nothing held: the next one hands the listeners the closed row whole, never its slot', () => overOpenIncident(async ({ schema, writer, store, heard }) => {
  // The audit table is away while the follower reads: its tables are read, then the audit read fails.
  await sql(`ALTER TABLE ${schema.name}.audit_log RENAME TO audit_away`);
  writer.put('incidents', closedIncident);
  writer.setMeta('step', 1);
  await writer.flush();
  const failed = await until(async () => store.refresh().then(() => null, (error: unknown) => error));
  assert.match(String(failed), /audit_log/);
  // Read everything after a failure, and that fails too.
  await store.refresh().then(() => assert.unreachable('the audit table is away'), (error: unknown) => assert.match(String(error), /audit_log/));
  assert.equal(heard, []);
  assert.equal(store.get('incidents', 'inc_1'), incident(1));
  await sql(`ALTER TABLE ${schema.name}.audit_away RENAME TO audit_log`);
  const change = await store.refresh();
  assert.equal(change.rows, [{ table: 'incidents', id: 'inc_1', row: closedIncident }]);
  assert.equal(heard, change.rows);
  assert.is(store.getMeta('step'), 1);
  // The next read holds it as its glance, and hands nothing over.
  writer.setMeta('step', 2);
  await writer.flush();
  await caughtUp(store, 2);
  assert.equal(heard, change.rows);
  assert.throws(() => store.get('incidents', 'inc_1'), /use fetch/);
  assert.equal(store.glance?.('incidents').map((g) => [g.id, g.status]), [['inc_1', 'closed']]);
}));

Paged('reading everything keeps the slot of a done row lacking a glanced field (an incident with no `error`): nothing is handed over again', () => overOpenIncident(async ({ schema, writer, store, heard }) => {
  assert.not.ok('error' in closedIncident);
  writer.put('incidents', closedIncident);
  writer.setMeta('step', 1);
  await writer.flush();
  await caughtUp(store, 1);
  assert.equal(heard, [{ table: 'incidents', id: 'inc_1', row: closedIncident }]);
  // A notice that says "read everything", then a commit: the read of it dropped inc_1 to its glance first.
  await sql('SELECT pg_notify($1, $2)', [`incident_flow:${schema.name}`, '{"all":true}']);
  writer.setMeta('step', 2);
  await writer.flush();
  await caughtUp(store, 2);
  assert.equal(heard, [{ table: 'incidents', id: 'inc_1', row: closedIncident }]);
  assert.throws(() => store.get('incidents', 'inc_1'), /use fetch/);
  assert.equal(store.glance?.('incidents').map((g) => [g.id, g.status, g.error]), [['inc_1', 'closed', null]]);
}));

Paged.run();
