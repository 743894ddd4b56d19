import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import { createIncidentEngine } from '../agents/engine.js';
import type { IncidentEngine } from '../agents/types.js';
import { createMemoryStore } from '../store/index.js';
import { createWatcherHandler, type WatcherHandler } from '../watcher/handler.js';
import { launchChromium, newPage, watchForProblems } from './watcher.chromium.js';

/**
 * The watcher mounted inside the process that runs the real engine (createWatcherHandler
 * in the host's own http server), driven from headless Chromium: a failure injected into
 * the running engine shows up live; Atlas's go/no-go is answered from the page.
 */
interface Ctx { browser: Browser; page: Page; engine: IncidentEngine; server: Server; handler: WatcherHandler; url: string; problems: string[]; dialogs: string[] }
const live = suite<Ctx>('watcher with the real engine', {} as Ctx);

live.before(async (ctx) => {
  mkdirSync('out/watcher', { recursive: true });
  ctx.browser = await launchChromium();
});
live.after(async (ctx) => ctx.browser.close());

live.before.each(async (ctx) => {
  const instant = { ack: 0 };
  ctx.engine = createIncidentEngine({ store: createMemoryStore(), responders: { cheryl: instant, petra: instant, atlas: instant } });
  ctx.handler = createWatcherHandler({ store: ctx.engine.store, engine: ctx.engine });
  // The host's own server: the watcher answers under /app/watcher, the rest is the host's.
  ctx.server = createServer((req, res) => {
    if (!ctx.handler(req, res)) res.writeHead(200, { 'Content-Type': 'text/plain' }).end('host app');
  });
  ctx.server.on('upgrade', (req, socket, head) => ctx.handler.upgrade(req, socket, head) || socket.destroy());
  await new Promise<void>((r) => ctx.server.listen(0, '127.0.0.1', r));
  ctx.url = `http://127.0.0.1:${(ctx.server.address() as AddressInfo).port}/app/watcher?token=${ctx.handler.token}`;
  ctx.page = await newPage(ctx.browser);
  Object.assign(ctx, watchForProblems(ctx.page));
});

live.after.each(async (ctx) => {
  await ctx.page.close();
  ctx.handler.close();
  await ctx.engine.stop();
  ctx.server.closeAllConnections();
  await new Promise((r) => ctx.server.close(r));
});

/** A P0 that needs Atlas's go/no-go on a rollback; the error message carries markup. */
function failDatabase(engine: IncidentEngine) {
  return engine.submit({
    agent: 'db-agent', workflow: 'nightly-sync', tenant: 'globex',
    run: () => { throw new Error('database down: <img src=x onerror=alert(1)>'); },
    impact: { kind: 'platform-down', decision: 'rollback' },
    retryable: () => false,
  });
}

live('a failure injected into the running engine appears live, in red, and Atlas is asked', async (ctx) => {
  await ctx.page.goto(ctx.url);
  await ctx.page.waitForSelector('#conn.pill-live');
  await ctx.page.waitForSelector('#banners .calm');
  await ctx.page.evaluate(() => ((window as unknown as { same: boolean }).same = true));
  await failDatabase(ctx.engine).done;

  const failed = ctx.page.locator('#live-rows tr.level-error', { hasText: '<img src=x onerror=alert(1)>' }).first();
  await failed.waitFor();
  const banner = ctx.page.locator('#banners .banner').first();
  await banner.locator('.banner-assignee', { hasText: 'Atlas (CEO)' }).waitFor();
  assert.is(await banner.locator('.sev').textContent(), 'P0');
  assert.is(await banner.locator('.banner-status').textContent(), 'executive');
  await ctx.page.locator('#decision-list [data-decision] .decision-action', { hasText: 'rollback' }).waitFor();
  assert.ok(await ctx.page.evaluate(() => (window as unknown as { same?: boolean }).same === true), 'no reload');
  assert.is(await ctx.page.evaluate(() => document.querySelectorAll('img').length), 0);
  assert.equal(ctx.dialogs, []);
  assert.equal(ctx.problems, []);
});

live('approving from the page resumes the incident; resolving it closes the banner and shows the review', async (ctx) => {
  await failDatabase(ctx.engine).done;
  await waitUntil(() => ctx.engine.pendingDecisions().length === 1);
  const [decision] = ctx.engine.pendingDecisions();
  await ctx.page.goto(ctx.url);
  await ctx.page.fill('#by', 'Dana Reyes');
  await ctx.page.locator(`#decision-list [data-decision="${decision.id}"] button.approve`).click();
  await ctx.page.locator('#decision-list .calm', { hasText: 'No decision waiting' }).waitFor();
  assert.is(ctx.engine.stateOf(decision.incidentId), 'executive.fixing', 'the engine resumed');
  const answered = ctx.engine.store.queryAudit({ action: 'incident.decision' }).rows;
  assert.match(answered[0].message, /Dana Reyes approved "rollback"/);
  await ctx.page.locator('#live-rows tr', { hasText: 'Dana Reyes approved' }).waitFor();

  await ctx.page.click(`#banners [data-incident="${decision.incidentId}"]`);
  await ctx.page.waitForSelector('#detail .diagram[data-drawn]');
  assert.equal((await ctx.page.locator('#detail .diagram g.current').allTextContents()).map((t) => t.trim()), ['fixing']);

  ctx.engine.resolve(decision.incidentId, { by: 'atlas', rootCause: 'expired credentials' });
  await ctx.page.locator('#banners .calm', { hasText: 'No active incidents' }).waitFor();
  await ctx.page.locator('#detail .review').waitFor();
  await ctx.page.locator('#detail .diagram[data-drawn]').waitFor();
  assert.equal((await ctx.page.locator('#detail .diagram g.current').allTextContents()).map((t) => t.trim()), ['closed']);
  await ctx.page.screenshot({ path: 'out/watcher/engine-closed.png', fullPage: true });
  assert.equal(ctx.problems, []);
});

live('an incident resolved while its decision waits takes the decision off the page; approving it after is refused and audits nothing', async (ctx) => {
  await failDatabase(ctx.engine).done;
  await waitUntil(() => ctx.engine.pendingDecisions().length === 1);
  const [decision] = ctx.engine.pendingDecisions();
  await ctx.page.goto(ctx.url);
  await ctx.page.locator(`#decision-list [data-decision="${decision.id}"]`).waitFor();
  await ctx.page.click(`#banners [data-incident="${decision.incidentId}"]`);
  await ctx.page.locator('#detail h4', { hasText: 'Decisions' }).waitFor();

  ctx.engine.resolve(decision.incidentId, { by: 'atlas', note: 'the primary came back' });
  await ctx.page.locator('#decision-list .calm', { hasText: 'No decision waiting' }).waitFor();
  await ctx.page.locator('#detail li', { hasText: 'rollback: withdrawn by atlas' }).waitFor();

  const answer = await decide(ctx, decision.id, 'Dana Reyes');
  assert.equal(answer, [409, `watcher: the engine refused the answer: incident-flow: decision "${decision.id}" is already withdrawn by atlas`]);
  assert.equal(ctx.engine.store.queryAudit({ action: 'incident.decision' }).rows, []);
  assert.equal(ctx.problems, []);
});

live('a decision approved from two tabs at once is answered once: the other tab hears it was answered already', async (ctx) => {
  await failDatabase(ctx.engine).done;
  await waitUntil(() => ctx.engine.pendingDecisions().length === 1);
  const [decision] = ctx.engine.pendingDecisions();
  const answers = await Promise.all([decide(ctx, decision.id, 'Dana Reyes'), decide(ctx, decision.id, 'Sam Okafor')]);
  assert.equal(answers.map(([status]) => status).sort(), [200, 409]);
  const audited = ctx.engine.store.queryAudit({ action: 'incident.decision' }).rows;
  assert.is(audited.length, 1);
  const winner = ctx.engine.store.get('decisions', decision.id)!.by;
  assert.is(audited[0].meta.by, winner);
  // The other tab is told who answered first, in the same words whether the watcher saw the
  // decision settled or the engine refused the answer.
  assert.equal(answers.find(([status]) => status === 409)![1], `watcher: the engine refused the answer: incident-flow: decision "${decision.id}" is already approved by ${winner}`);
});

live('Approve pressed twice (a double click) sends one answer, and the page confirms it rather than saying it was not answered', async (ctx) => {
  await failDatabase(ctx.engine).done;
  await waitUntil(() => ctx.engine.pendingDecisions().length === 1);
  const [decision] = ctx.engine.pendingDecisions();
  const posts: string[] = [];
  ctx.page.on('request', (r) => r.method() === 'POST' && posts.push(r.url()));
  await ctx.page.goto(ctx.url);
  await ctx.page.fill('#by', 'Dana Reyes');
  await ctx.page.locator(`#decision-list [data-decision="${decision.id}"] button.approve`).dblclick();
  const note = ctx.page.locator('#decision-list li.answered');
  await note.waitFor();
  await ctx.page.locator('#decision-list .calm', { hasText: 'No decision waiting' }).waitFor();
  assert.is(await note.textContent(), `Approved "rollback" for ${decision.incidentId}, as Dana Reyes.`);
  assert.is(posts.length, 1);
  assert.is(ctx.engine.store.queryAudit({ action: 'incident.decision' }).rows.length, 1);
  assert.equal(ctx.problems, []);
});

/** POST decisions/:id as the page does; returns the status and the error, if any. */
async function decide(ctx: Ctx, id: string, by: string): Promise<[number, string | undefined]> {
  const res = await fetch(ctx.url.replace(/\?token=.*/, `/api/decisions/${id}`), {
    method: 'POST', headers: { 'Content-Type': 'application/json', 'X-Watcher-Token': ctx.handler.token }, body: JSON.stringify({ answer: 'approve', by }),
  });
  return [res.status, ((await res.json()) as { error?: string }).error];
}

live('the host server keeps its own routes', async (ctx) => {
  const res = await fetch(ctx.url.replace(/\/app\/watcher.*/, '/health'));
  assert.is(await res.text(), 'host app');
});

async function waitUntil(ok: () => boolean, ms = 5000) {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

live.run();
