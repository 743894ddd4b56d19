import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { request } from 'node:http';
import { incidentMachine } from '../machines/index.js';
import type { Store, TableName } from '../store/types.js';
import { startWatcher, WatcherListenError, type WatcherServer } from '../watcher/server.js';
import { createWatcherHandler } from '../watcher/handler.js';
import { createMemoryStore } from '../store/index.js';
import { at, auditEntry, createFakeEngine, createFakeStore, seedStore } from './watcher.fakes.js';

/**
 * The watcher's HTTP surface without a browser: the JSON API, the token, the event
 * stream. Over the project's memory store; a fake stands in for a read-only store.
 */

interface Ctx { store: Store; watcher: WatcherServer; base: string; engine: ReturnType<typeof createFakeEngine> }

function withWatcher(name: string) {
  const s = suite<Ctx>(name, {} as Ctx);
  s.before.each(async (ctx) => {
    ctx.store = createMemoryStore();
    seedStore(ctx.store);
    ctx.engine = createFakeEngine(ctx.store, { incident: incidentMachine });
    ctx.watcher = await startWatcher({ store: ctx.store, engine: ctx.engine });
    ctx.base = `http://127.0.0.1:${ctx.watcher.port}/app/watcher`;
  });
  s.after.each(async (ctx) => ctx.watcher.close());
  return s;
}

const json = async (url: string, init?: RequestInit) => {
  const res = await fetch(url, init);
  return { status: res.status, body: (await res.json()) as any };
};

const api = withWatcher('watcher API');

api('binds to 127.0.0.1 and prints a URL that carries the token', ({ watcher }) => {
  assert.match(watcher.url, new RegExp(`^http://127\\.0\\.0\\.1:${watcher.port}/app/watcher\\?token=[\\w-]{20,}$`));
  assert.ok(watcher.url.endsWith(encodeURIComponent(watcher.token)));
});

api('serves the page, its modules and mermaid from disk', async ({ base }) => {
  const page = await fetch(base);
  assert.is(page.status, 200);
  assert.match(page.headers.get('content-type')!, /text\/html/);
  assert.match(page.headers.get('content-security-policy')!, /script-src 'self'/);
  assert.match(await page.text(), /Agent Watcher/);
  const app = await fetch(`${base}/static/app.js`);
  assert.is(app.status, 200);
  assert.match(app.headers.get('content-type')!, /javascript/);
  const mermaid = await fetch(`${base}/vendor/mermaid/mermaid.esm.min.mjs`);
  assert.is(mermaid.status, 200);
  await mermaid.arrayBuffer();
});

api('refuses paths that climb out of the public folder', async ({ base }) => {
  for (const path of ['/static/../../package.json', '/static/%2e%2e/%2e%2e/package.json', '/static/..%2f..%2fpackage.json', '/vendor/mermaid/../package.json', '/static/.hidden.js']) {
    const res = await fetch(base + path);
    assert.is(res.status, 404, path);
    await res.arrayBuffer();
  }
});

api('filters incidents by severity, status, agent, workflow, tenant and time range', async ({ base }) => {
  const ids = async (q: string) => (await json(`${base}/api/incidents?${q}`)).body.rows.map((r: { id: string }) => r.id);
  assert.equal(await ids(''), ['inc_p0', 'inc_p2', 'inc_auto', 'inc_old'], 'newest first');
  assert.equal(await ids('severity=P0,P1'), ['inc_p0', 'inc_old']);
  assert.equal(await ids('status=active'), ['inc_p0', 'inc_p2']);
  assert.equal(await ids('status=closed,auto_resolved'), ['inc_auto', 'inc_old']);
  assert.equal(await ids('agent=email-agent'), ['inc_auto', 'inc_old']);
  assert.equal(await ids('workflow=campaign'), ['inc_old']);
  assert.equal(await ids('tenant=globex'), ['inc_p0']);
  assert.equal(await ids('since=2026-03-02T09:00:00Z&until=2026-03-02T09:25:00Z'), ['inc_p2']);
  assert.equal(await ids('severity=P1&tenant=acme'), []);
});

api('lists the values the filters offer', async ({ base }) => {
  const { body } = await json(`${base}/api/incidents`);
  assert.equal(body.facets.tenants, ['acme', 'globex', 'initech']);
  assert.equal(body.facets.agents, ['billing-agent', 'db-agent', 'email-agent']);
});

api('answers a bad filter with 400 and names the parameter', async ({ base }) => {
  const { status, body } = await json(`${base}/api/incidents?severity=P9`);
  assert.is(status, 400);
  assert.match(body.error, /severity: expected one of P0, P1, P2, P3/);
  assert.is((await json(`${base}/api/audit?since=yesterday`)).status, 400);
  // Date.parse alone reads "1" as the year 2001: a time filter takes ISO-8601's form only.
  const year = await json(`${base}/api/incidents?until=1`);
  assert.is(year.status, 400);
  assert.match(year.body.error, /until: expected an ISO-8601 time/);
  assert.is((await json(`${base}/api/audit?since=2026-03-02`)).status, 200);
});

api('returns an incident with its timeline, review, path and machine name, without the persisted snapshot', async ({ base, store }) => {
  store.put('incidents', { ...store.get('incidents', 'inc_old')!, snapshot: { huge: true } });
  const { body } = await json(`${base}/api/incidents/inc_old`);
  assert.is(body.incident.id, 'inc_old');
  assert.is(body.incident.snapshot, undefined);
  assert.is(body.review.id, 'doc_1');
  assert.is(body.incident.path.at(-1).state, 'closed');
  assert.is(body.machine, 'incident');
  const p0 = (await json(`${base}/api/incidents/inc_p0`)).body;
  assert.equal(p0.timeline.map((e: { action: string }) => e.action), ['incident.detected', 'incident.escalated']);
  assert.is(p0.review, null);
  assert.is((await json(`${base}/api/incidents/nope`)).status, 404);
});

api('names the rehearsal the store holds', async ({ base, store }) => {
  store.setMeta('scenario', { name: 'db-outage', file: 'scenarios/db-outage.yaml', seed: 7, start: '2026-03-02T09:00:00.000Z' });
  const { body } = await json(`${base}/api/session`);
  assert.is(body.scenario, 'db-outage');
  assert.is(body.canDecide, true);
  assert.is(body.auditCount, 2);
});

api('describes the machines for the diagrams', async ({ base }) => {
  const { body } = await json(`${base}/api/machines`);
  const paths = body.incident.states.map((s: { path: string }) => s.path);
  assert.ok(paths.includes('executive.awaitingDecision'));
  assert.ok(body.incident.transitions.length > 10);
});

api('shows each responder busy or idle with the queue', async ({ base }) => {
  const { body } = await json(`${base}/api/responders`);
  const cheryl = body.rows.find((r: { id: string }) => r.id === 'cheryl');
  assert.is(cheryl.busy, true);
  assert.equal(cheryl.queue, ['inc_x', 'inc_y']);
  assert.is(body.rows.find((r: { id: string }) => r.id === 'petra').busy, false);
});

api('lists pending decisions from the engine', async ({ base }) => {
  const { body } = await json(`${base}/api/decisions`);
  assert.is(body.canDecide, true);
  assert.equal(body.rows.map((d: { id: string }) => d.id), ['dec_1']);
});

api('refuses DNS-rebound requests whose Host is not loopback', async ({ watcher }) => {
  const status = await new Promise<number>((resolve, reject) => {
    request({ host: '127.0.0.1', port: watcher.port, path: '/app/watcher/api/incidents', headers: { Host: 'evil.example:80' } }, (res) => {
      res.resume();
      resolve(res.statusCode!);
    }).on('error', reject).end();
  });
  assert.is(status, 403);
});

api('accepts only loopback names and numbers as Host: 127.attacker.example is refused', async ({ watcher }) => {
  const status = (host: string) =>
    new Promise<number>((resolve, reject) => {
      request({ host: '127.0.0.1', port: watcher.port, path: '/app/watcher/api/audit', headers: { Host: host } }, (res) => {
        res.resume();
        resolve(res.statusCode!);
      }).on('error', reject).end();
    });
  for (const host of ['127.attacker.example', '127.0.0.1.attacker.example', '127.0.0.256', '127.1', 'localhost.attacker.example']) {
    assert.is(await status(`${host}:${watcher.port}`), 403, host);
  }
  for (const host of ['127.0.0.1', '127.10.20.30', 'localhost', 'LOCALHOST', '[::1]']) {
    assert.is(await status(`${host}:${watcher.port}`), 200, host);
  }
});

api('answers 400, not 500, to a broken percent-encoding', async ({ base }) => {
  assert.is((await json(`${base}/api/incidents/%E0%A4%A`)).status, 400);
});

api('uses the token it is given and refuses a short one', async ({ store }) => {
  const given = 'a-token-of-32-characters-exactly';
  const watcher = await startWatcher({ store, token: given });
  assert.is(watcher.token, given);
  await watcher.close();
  try {
    await startWatcher({ store, token: 'short' });
    assert.unreachable('a short token must be refused');
  } catch (error) {
    assert.match((error as Error).message, /at least 16 characters/);
  }
});

api('refuses options it cannot serve with, naming the option, what it takes and what it got, before anything listens', async ({ store }) => {
  const refused = async (call: () => Promise<unknown> | unknown, message: string) => {
    const error = await Promise.resolve().then(call).then(() => null, (e: unknown) => e);
    assert.instance(error, TypeError, message);
    assert.is((error as Error).message, `watcher: ${message}`);
  };
  const options = 'store, engine, token, machines, host, virtualTime, decisionsClosed, pollMs, waiting';
  await refused(() => startWatcher({ store: 'run.json' } as never), 'startWatcher: options.store: expected a Store (await openStore(file or URL), createMemoryStore(), or one with appendAudit, queryAudit, auditCount, put, get, list, each, remove, getMeta, setMeta, subscribe, flush, refresh, close), got "run.json"');
  await refused(() => startWatcher({ store: Promise.resolve(store) } as never), 'startWatcher: options.store: expected a Store, not a promise of one: await openStore(…) first, got a promise');
  await refused(() => startWatcher({} as never), 'startWatcher: options.store: expected a Store (await openStore(file or URL), createMemoryStore(), or one with appendAudit, queryAudit, auditCount, put, get, list, each, remove, getMeta, setMeta, subscribe, flush, refresh, close), got undefined');
  // Text that is not a number was taken for the name of a socket file to listen on, made in the working folder.
  await refused(() => startWatcher({ store, port: '8080x' } as never), 'startWatcher: options.port: expected a port number from 0 (any free one) to 65535, got "8080x"');
  await refused(() => startWatcher({ store, port: 70_000 }), 'startWatcher: options.port: expected a port number from 0 (any free one) to 65535, got 70000');
  await refused(() => startWatcher({ store, prot: 8080 } as never), `startWatcher: options.prot: no such option; did you mean "port"?; the options are ${options}, port`);
  await refused(() => startWatcher({ store, engine: {} } as never), 'startWatcher: options.engine: expected the IncidentEngine createIncidentEngine(…) returned, or null, got {}');
  await refused(() => startWatcher({ store, pollMs: 0 }), 'startWatcher: options.pollMs: expected milliseconds (a number > 0), got 0');
  await refused(() => startWatcher({ store, decisionsClosed: 'the run is over' } as never), 'startWatcher: options.decisionsClosed: expected a function (answering why decisions can no longer be answered, or null while they can), got "the run is over"');
  await refused(() => createWatcherHandler({ store, port: 8080 } as never), 'createWatcherHandler: options.port: no such option; the handler serves on your own server, at its port (startWatcher takes a port)');
  await refused(() => createWatcherHandler({ store, hots: '0.0.0.0' } as never), `createWatcherHandler: options.hots: no such option; did you mean "host"?; the options are ${options}`);
  // The required store misspelt: named as the misspelling, not as a store missing (`got undefined`).
  await refused(() => createWatcherHandler({ stor: store } as never), `createWatcherHandler: options.stor: no such option; did you mean "store"?; the options are ${options}`);
});

api('startWatcher on a port in use names its port option, not the CLI\'s --port flag', async ({ store, watcher }) => {
  const error = await startWatcher({ store, port: watcher.port }).then(async (second) => { await second.close(); return null; }, (e: unknown) => e);
  assert.instance(error, WatcherListenError);
  assert.ok((error as Error).message.endsWith(' (choose another options.port, or stop what uses it)'), String(error));
});

api('leaves URLs outside /app/watcher alone', async ({ watcher }) => {
  const res = await fetch(`http://127.0.0.1:${watcher.port}/other`);
  assert.is(res.status, 404);
  await res.arrayBuffer();
});

api.run();

const token = withWatcher('watcher token');

const decide = (base: string, headers: Record<string, string>, body: unknown = { answer: 'approve', by: 'Dana' }) =>
  json(`${base}/api/decisions/dec_1`, { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body: JSON.stringify(body) });

token('refuses an answer without a token (401) and changes nothing', async ({ base, engine, store }) => {
  const { status } = await decide(base, {});
  assert.is(status, 401);
  assert.equal(engine.calls, []);
  assert.is(store.get('decisions', 'dec_1')!.status, 'pending');
});

token('refuses an answer with a wrong token (403) and changes nothing', async ({ base, engine, watcher }) => {
  assert.is((await decide(base, { 'X-Watcher-Token': 'wrong' })).status, 403);
  // The real token with its last character changed (to a character it does not already end in).
  const nearMiss = watcher.token.slice(0, -1) + (watcher.token.endsWith('x') ? 'y' : 'x');
  assert.is((await decide(base, { 'X-Watcher-Token': nearMiss })).status, 403);
  assert.equal(engine.calls, []);
});

token('does not take the token from the query string for a change', async ({ base, engine, watcher }) => {
  const res = await json(`${base}/api/decisions/dec_1?token=${watcher.token}`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ answer: 'approve', by: 'Dana' }),
  });
  assert.is(res.status, 401);
  assert.equal(engine.calls, []);
});

token('passes an answer with the token to engine.decide with who answered', async ({ base, engine, store, watcher }) => {
  const { status, body } = await decide(base, { 'X-Watcher-Token': watcher.token }, { answer: 'deny', by: '  Dana  ' });
  assert.is(status, 200);
  assert.equal(engine.calls, [['dec_1', 'deny', 'Dana']]);
  assert.is(body.decision.status, 'denied');
  assert.is(store.get('decisions', 'dec_1')!.by, 'Dana');
});

token('checks the answer, the name and that the decision is still pending', async ({ base, watcher }) => {
  const auth = { 'X-Watcher-Token': watcher.token };
  assert.is((await decide(base, auth, { answer: 'maybe', by: 'Dana' })).status, 400);
  assert.is((await decide(base, auth, { answer: 'approve', by: '' })).status, 400);
  assert.is((await decide(base, auth)).status, 200);
  const again = await decide(base, auth);
  assert.is(again.status, 409);
  assert.is(again.body.error, 'watcher: the engine refused the answer: incident-flow: decision "dec_1" is already approved by Dana', 'who answered it first');
  const unknown = await json(`${base}/api/decisions/dec_nope`, { method: 'POST', headers: { 'Content-Type': 'application/json', ...auth }, body: '{"answer":"approve","by":"Dana"}' });
  assert.is(unknown.status, 404);
});

token('a decision that timed out is refused in words: "timed out", not the status\'s name', async ({ base, watcher, store }) => {
  store.put('decisions', { ...store.get('decisions', 'dec_1')!, status: 'timed_out', answeredAt: new Date().toISOString() });
  await store.flush();
  const late = await decide(base, { 'X-Watcher-Token': watcher.token });
  assert.equal([late.status, late.body.error], [409, 'watcher: the engine refused the answer: incident-flow: decision "dec_1" is already timed out']);
});

token('answers 409 when the watcher has no engine', async () => {
  const store = createMemoryStore();
  seedStore(store);
  const watcher = await startWatcher({ store });
  try {
    const res = await decide(`http://127.0.0.1:${watcher.port}/app/watcher`, { 'X-Watcher-Token': watcher.token });
    assert.is(res.status, 409);
    assert.is(store.get('decisions', 'dec_1')!.status, 'pending');
  } finally {
    await watcher.close();
  }
});

token('off loopback, reading needs the token too', async () => {
  const store = createMemoryStore();
  const watcher = await startWatcher({ store, host: '0.0.0.0' });
  try {
    const base = `http://127.0.0.1:${watcher.port}/app/watcher`;
    assert.is((await json(`${base}/api/incidents`)).status, 401);
    assert.is((await json(`${base}/api/incidents`, { headers: { 'X-Watcher-Token': watcher.token } })).status, 200);
    assert.is((await fetch(base)).status, 200, 'the page itself holds no data');
  } finally {
    await watcher.close();
  }
});

token.run();

const paging = suite('watcher audit paging');

paging('pages 100,000 audit entries on the server, one page per request', async () => {
  const store = createMemoryStore();
  for (let i = 0; i < 100_000; i++) {
    store.appendAudit(auditEntry({ id: `aud_p${i}`, entityId: `inc_${i % 50}`, level: i % 1000 === 0 ? 'error' : 'info', message: `entry ${i}` }));
  }
  const watcher = await startWatcher({ store });
  try {
    const base = `http://127.0.0.1:${watcher.port}/app/watcher`;
    const res = await fetch(`${base}/api/audit?offset=99950&limit=50&order=asc`);
    const text = await res.text();
    const page = JSON.parse(text);
    assert.is(page.total, 100_000);
    assert.is(page.rows.length, 50);
    assert.is(page.rows[0].message, 'entry 99950');
    assert.ok(text.length < 20_000, `one page on the wire, got ${text.length} bytes`);
    const newest = (await json(`${base}/api/audit?limit=1`)).body;
    assert.is(newest.rows[0].message, 'entry 99999', 'newest first by default');
    const errors = (await json(`${base}/api/audit?level=error&limit=500`)).body;
    assert.is(errors.total, 100);
    assert.is((await json(`${base}/api/audit?limit=100000`)).body.rows.length, 500, 'a page is capped at 500 rows');
  } finally {
    await watcher.close();
  }
});

paging.run();

const detail = suite('watcher incident detail: the reads it makes');

/** `inner` with its listings of kb_documents counted (a PostgreSQL store's are queries), by the read used. */
function countingDocumentLists(inner: Store): { store: Store; calls: string[] } {
  const calls: string[] = [];
  const store = Object.create(inner) as Store;
  const count = (how: string, table: TableName) => void (table === 'kb_documents' && calls.push(how));
  store.list = (table, where, options) => (count('list', table), inner.list(table, where, options));
  const fetchList = inner.fetchList?.bind(inner);
  if (fetchList) store.fetchList = (table, where, options) => (count('fetchList', table), fetchList(table, where, options));
  return { store, calls };
}

for (const [kind, make] of [['the project\'s memory store', () => createMemoryStore()], ['a Store written elsewhere, without fetch or fetchList', () => createFakeStore()]] as const) {
  detail(`lists the incident's documents only when its reviewId does not name its review (${kind})`, async () => {
    const { store, calls } = countingDocumentLists(make());
    seedStore(store);
    // A note named as the review, the review beside it; no review named, one beside it.
    store.put('kb_documents', { id: 'doc_note', tags: ['note'], title: 'A note', body: 'n', createdAt: at(-300), incidentId: 'inc_p2' });
    store.put('kb_documents', { id: 'doc_p2', tags: ['post-incident-review'], title: 'Review of inc_p2', body: 'r', createdAt: at(-200), incidentId: 'inc_p2' });
    store.put('incidents', { ...store.get('incidents', 'inc_p2')!, reviewId: 'doc_note' });
    store.put('kb_documents', { id: 'doc_auto', tags: ['post-incident-review'], title: 'Review of inc_auto', body: 'r', createdAt: at(-100), incidentId: 'inc_auto' });
    const watcher = await startWatcher({ store });
    try {
      const review = async (id: string) => (await json(`http://127.0.0.1:${watcher.port}/app/watcher/api/incidents/${id}`)).body.review?.id ?? null;
      calls.length = 0;
      assert.is(await review('inc_old'), 'doc_1');
      assert.equal(calls, [], 'read by its reviewId alone');
      assert.is(await review('inc_p2'), 'doc_p2');
      assert.is(await review('inc_auto'), 'doc_auto');
      assert.is(await review('inc_p0'), null);
      assert.is(calls.length, 3);
    } finally {
      await watcher.close();
    }
  });
}

detail.run();

const sse = suite('watcher live events');

/** Opens the event stream and resolves with the first `change` event that satisfies `want`. */
function nextChange(url: string, want: (data: any) => boolean): { done: Promise<any>; close: () => void } {
  let close = () => {};
  const done = new Promise<any>((resolve, reject) => {
    const req = request(url, (res) => {
      let buffer = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffer += chunk;
        for (let end; (end = buffer.indexOf('\n\n')) >= 0; ) {
          const frame = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const event = /^event: (.*)$/m.exec(frame)?.[1];
          const data = /^data: (.*)$/m.exec(frame)?.[1];
          if (event === 'change' && data && want(JSON.parse(data))) {
            req.destroy();
            resolve(JSON.parse(data));
          }
        }
      });
    });
    req.on('error', (e) => (e.message.includes('socket hang up') || e.message.includes('aborted') ? null : reject(e)));
    req.end();
    close = () => req.destroy();
  });
  return { done, close };
}

sse('delivers a new audit entry to a connected page', async () => {
  const store = createMemoryStore();
  const watcher = await startWatcher({ store });
  try {
    const stream = nextChange(`http://127.0.0.1:${watcher.port}/app/watcher/events`, (d) => d.audit.length > 0);
    await new Promise((r) => setTimeout(r, 100));
    store.appendAudit(auditEntry({ id: 'aud_live', level: 'error', message: 'job failed: <script>alert(1)</script>' }));
    const change = await stream.done;
    assert.is(change.audit[0].id, 'aud_live');
    assert.is(change.audit[0].message, 'job failed: <script>alert(1)</script>');
  } finally {
    await watcher.close();
  }
});

sse('names the tables and rows a commit changed', async () => {
  const store = createMemoryStore();
  seedStore(store);
  await store.flush();
  await new Promise((r) => setTimeout(r, 10));
  const watcher = await startWatcher({ store });
  try {
    const stream = nextChange(`http://127.0.0.1:${watcher.port}/app/watcher/events`, (d) => d.tables.includes('incidents'));
    await new Promise((r) => setTimeout(r, 100));
    store.put('incidents', { ...store.get('incidents', 'inc_p2')!, status: 'resolved' });
    const change = await stream.done;
    assert.equal(change.ids.incidents, ['inc_p2']);
  } finally {
    await watcher.close();
  }
});

sse('follows a read-only store by polling refresh()', async () => {
  const store = createFakeStore({ readonly: true });
  const watcher = await startWatcher({ store, pollMs: 20 });
  try {
    const stream = nextChange(`http://127.0.0.1:${watcher.port}/app/watcher/events`, (d) => d.audit.length > 0);
    await new Promise((r) => setTimeout(r, 50));
    store.pendingRefresh = { audit: [auditEntry({ id: 'aud_other_process' })], rows: [] };
    const change = await stream.done;
    assert.is(change.audit[0].id, 'aud_other_process');
  } finally {
    await watcher.close();
  }
});

sse.run();
