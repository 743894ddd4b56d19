import pg from 'pg';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { openStore } from '../store/index.js';
import { auditPageSql } from '../store/postgres/pageAudit.js';
import type { AuditQuery } from '../store/types.js';
import { pgDatabase, sql, sqlIn } from './helpers/pgSchema.js';
import { audit } from './helpers/storeContract.js';

const test = suite('PostgreSQL audit search: a trigram index where pg_trgm can be had');

const SEARCHES: AuditQuery[] = [{ text: 'needle' }, { text: 'NEEDLE', order: 'desc', limit: 2 }, { text: '50%_' }, { text: 'cheryl' }, { text: 'nowhere' }];

/** A store in a database of its own, opened by `user`, with rows whose fields hold what the searches look for. */
async function storeWith(url: string) {
  const store = await openStore(url);
  store.appendAudit(audit(1, { message: 'found a needle here' }));
  store.appendAudit(audit(2, { action: 'needle.found' }));
  store.appendAudit(audit(3, { actor: 'cheryl' }));
  store.appendAudit(audit(4, { entityId: 'inc_needle' }));
  store.appendAudit(audit(5, { message: 'at 50%_ done' }));
  store.appendAudit(audit(6, { message: 'need', action: 'le.split' }));
  await store.flush();
  return store;
}

async function indexOf(url: string): Promise<string | null> {
  const { rows } = await sqlIn(url.replace(/\?.*$/, ''), `SELECT indexdef FROM pg_indexes WHERE schemaname = 's' AND indexname = 'audit_search'`);
  return (rows[0]?.indexdef as string | undefined) ?? null;
}

test('the search goes through the index, and answers as the in-memory query does', async () => {
  const db = await pgDatabase('search');
  try {
    const url = `${db.url}?schema=s`;
    const store = await storeWith(url);
    try {
      assert.match((await indexOf(url)) ?? '', /USING gin .*gin_trgm_ops/);
      for (const query of SEARCHES) assert.equal(await store.pageAudit!(query), store.queryAudit(query), JSON.stringify(query));
      // A match only across two fields' join (message 'need' + action 'le.split') is none.
      assert.is((await store.pageAudit!({ text: 'needle' })).rows.some((r) => r.id === 'aud_6'), false);
      // With sequential scans ruled out, the planner takes the index for the statement pageAudit sends: the
      // expression it searches is the index's (a difference would leave the index unused, silently).
      const client = new pg.Client({ connectionString: db.url, options: '-c search_path=s,public' });
      await client.connect();
      try {
        await client.query('SET enable_seqscan = off');
        const { count, values } = auditPageSql({ text: 'needle' });
        const plan = (await client.query(`EXPLAIN ${count}`, values)).rows.map((r) => r['QUERY PLAN']).join('\n');
        assert.match(plan, /audit_search/);
      } finally {
        await client.end();
      }
    } finally {
      await store.close();
    }
  } finally {
    await db.drop();
  }
});

test('a role given only its schema gets a store without the index, searching the same', async () => {
  const db = await pgDatabase('searchnoext');
  const role = `t_noext_${process.pid}`;
  try {
    await sql(`DROP ROLE IF EXISTS ${role}`);
    await sql(`CREATE ROLE ${role} LOGIN`);
    // A DBA's setup: the schema made for the role, no right to create anything else in the database
    // (a trusted extension such as pg_trgm needs that right). Its store is created and migrated all the same.
    await sqlIn(db.url, `CREATE SCHEMA s AUTHORIZATION ${role}`);
    const url = new URL(db.url);
    url.username = role;
    const at = `${url.href}?schema=s`;
    const store = await storeWith(at);
    try {
      assert.is(await indexOf(at), null);
      for (const query of SEARCHES) assert.equal(await store.pageAudit!(query), store.queryAudit(query), JSON.stringify(query));
    } finally {
      await store.close();
    }
  } finally {
    await db.drop();
    await sql(`DROP ROLE IF EXISTS ${role}`);
  }
});

test.run();
