import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page, Route } from 'playwright-core';
import { createWebSocketInspector } from '@statelyai/inspect';
import { createActor, createMachine } from 'xstate';
import { incidentMachine } from '../machines/index.js';
import { responderMachine } from '../machines/responderMachine.js';
import { workerMachine } from '../machines/workerMachine.js';
import { AUDIT_ACTIONS } from '../machines/policies/auditActions.js';
import type { Store } from '../store/types.js';
import { startWatcher, type WatcherServer } from '../watcher/server.js';
import { launchChromium, newPage, watchForProblems } from './watcher.chromium.js';
import { createMemoryStore, openStore } from '../store/index.js';
import { watchCommand } from '../watcher/watchCommand.js';
import { auditEntry, createFakeEngine, incident, seedStore } from './watcher.fakes.js';

/**
 * The Agent Watcher page in headless Chromium (Debian's /usr/bin/chromium), against
 * the memory store and a fake engine (the real one: watcher.engine.test.ts). Screenshots land in out/watcher/ for a person to look at.
 */
const SHOTS = 'out/watcher';

interface Ctx {
  browser: Browser;
  page: Page;
  store: Store;
  engine: ReturnType<typeof createFakeEngine>;
  watcher: WatcherServer;
  problems: string[];
  dialogs: string[];
}

const page = suite<Ctx>('watcher page', {} as Ctx);

page.before(async (ctx) => {
  mkdirSync(SHOTS, { recursive: true });
  ctx.browser = await launchChromium();
});
page.after(async (ctx) => ctx.browser.close());

page.before.each(async (ctx) => {
  ctx.store = createMemoryStore();
  seedStore(ctx.store);
  ctx.engine = createFakeEngine(ctx.store, { incident: incidentMachine });
  ctx.watcher = await startWatcher({ store: ctx.store, engine: ctx.engine });
  ctx.page = await newPage(ctx.browser);
  Object.assign(ctx, watchForProblems(ctx.page));
});
page.after.each(async (ctx) => {
  await ctx.page.close();
  await ctx.watcher.close();
});

/** Opens the page and waits until every panel has drawn once. */
async function load(ctx: Ctx, url = ctx.watcher.url) {
  await ctx.page.goto(url);
  await ctx.page.waitForSelector('#conn.pill-live');
  await ctx.page.waitForSelector('#incident-rows tr[data-incident]');
  await ctx.page.waitForSelector('#audit-rows tr[data-audit]');
  await ctx.page.evaluate(() => ((window as unknown as { sameDocument: boolean }).sameDocument = true));
}

const sameDocument = (p: Page) => p.evaluate(() => (window as unknown as { sameDocument?: boolean }).sameDocument === true);

page('loads with no failed request and no console error, diagram included', async (ctx) => {
  await load(ctx);
  await ctx.page.click('#incident-rows tr[data-incident="inc_p0"]');
  await ctx.page.waitForSelector('#detail .diagram[data-drawn] svg');
  await ctx.page.waitForTimeout(300);
  assert.equal(ctx.problems, []);
  assert.not.match(ctx.page.url(), /token=/, 'the token leaves the address bar once read');
  await ctx.page.screenshot({ path: `${SHOTS}/page.png`, fullPage: true });
});

page('what is hidden is not drawn: no empty virtual-time pill outside a paced rehearsal, no empty warning or waiting box', async (ctx) => {
  await load(ctx);
  await ctx.page.waitForSelector('#token-info.pill-idle');
  // The pills carry a display of their own; the hidden attribute must still win.
  for (const id of ['virtual-now', 'warning', 'waiting', 'decide-hint']) {
    const shown = await ctx.page.locator(`#${id}`).evaluate((el) => [(el as HTMLElement).hidden, getComputedStyle(el).display !== 'none']);
    assert.equal(shown, [true, false], id);
  }
});

page('an incident\'s decisions say what became of each in words: a timed-out one reads "timed out"', async (ctx) => {
  ctx.store.put('decisions', { ...ctx.store.get('decisions', 'dec_1')!, status: 'timed_out', answeredAt: '2026-03-02T09:40:00.000Z' });
  await load(ctx);
  await ctx.page.click('#banners [data-incident="inc_p0"]');
  await ctx.page.locator('#detail h4', { hasText: 'Decisions' }).waitFor();
  assert.is(await ctx.page.locator('#detail h4:has-text("Decisions") + ul li').textContent(), 'rollback: timed out at 2026-03-02 09:40:00');
});

page('draws the incident machine with the current state lit and the path taken', async (ctx) => {
  await load(ctx);
  await ctx.page.click('#banners [data-incident="inc_p0"]');
  await ctx.page.waitForSelector('#detail .diagram[data-drawn] svg');
  const current = await ctx.page.locator('#detail .diagram g.current').allTextContents();
  assert.equal(current.map((t) => t.trim()), ['awaitingDecision']);
  const visited = await ctx.page.locator('#detail .diagram g.visited').allTextContents();
  for (const state of ['detected', 'working']) assert.ok(visited.map((t) => t.trim()).includes(state), state);
  assert.is(await ctx.page.locator('#detail .diagram g.composite-current').count(), 1, 'executive, the composite holding the current state');
  assert.is((await ctx.page.locator('#detail .path li.here').textContent())?.split(' ')[0], 'executive.awaitingDecision');
  await ctx.page.locator('#incidents').screenshot({ path: `${SHOTS}/incident-detail.png` });
});

page('shows a failure injected into the store live, in red, without reload', async (ctx) => {
  await load(ctx);
  ctx.store.appendAudit(auditEntry({ id: 'aud_injected', level: 'error', action: 'job.failed', message: 'payments-agent: job failed (injected)' }));
  const row = ctx.page.locator('#live-rows tr[data-audit="aud_injected"]');
  await row.waitFor();
  assert.match((await row.getAttribute('class'))!, /level-error/);
  const [r, g, b] = (await row.evaluate((el) => getComputedStyle(el).color)).match(/\d+/g)!.map(Number);
  assert.ok(r > 100 && r > g * 2 && r > b * 2, `red text, got rgb(${r}, ${g}, ${b})`);
  await ctx.page.locator('#audit-rows tr[data-audit="aud_injected"].level-error').waitFor();
  assert.ok(await sameDocument(ctx.page), 'no reload happened');
  assert.equal(ctx.problems, []);
});

page('a live redraw of the open incident keeps the reader\'s place: the window\'s scroll, the stack trace opened, the focus', async (ctx) => {
  const p0 = ctx.store.get('incidents', 'inc_p0')!;
  ctx.store.put('incidents', { ...p0, error: { ...p0.error!, stack: 'Error: database down\n    at connect (db.ts:1:1)' } });
  await load(ctx);
  await ctx.page.click('#banners [data-incident="inc_p0"]');
  await ctx.page.waitForSelector('#detail .diagram[data-drawn] svg');
  await ctx.page.click('#detail details summary');
  await ctx.page.evaluate(() => window.scrollTo(0, document.querySelector('#detail h4:last-of-type')!.getBoundingClientRect().top + window.scrollY - 200));
  const before = await ctx.page.evaluate(() => window.scrollY);
  assert.ok(before > 1000, `the window is scrolled to the detail's end (${before})`);
  const at = new Date().toISOString();
  ctx.store.put('incidents', { ...ctx.store.get('incidents', 'inc_p0')!, state: 'executive.fixing', path: [...p0.path!, { state: 'executive.fixing', at }] });
  await ctx.page.waitForFunction(() => document.querySelector('#detail .path li.here')?.textContent?.startsWith('executive.fixing'));
  await ctx.page.waitForSelector('#detail .diagram[data-drawn] svg');
  assert.is(await ctx.page.evaluate(() => window.scrollY), before, 'the window did not jump');
  assert.ok(await ctx.page.evaluate(() => document.querySelector<HTMLDetailsElement>('#detail details')!.open), 'the stack trace stays open');
  assert.ok(await ctx.page.evaluate(() => document.activeElement?.matches('#detail details summary')), 'the focus stays on it');
  assert.ok(await sameDocument(ctx.page));
  assert.equal(ctx.problems, []);
});

page('shows a banner per active incident with its severity, status and responder, and adds one live', async (ctx) => {
  await load(ctx);
  const banner = (id: string) => ctx.page.locator(`#banners [data-incident="${id}"]`);
  assert.is(await ctx.page.locator('#banners .banner').count(), 2, 'closed and auto-resolved incidents have none');
  assert.is(await banner('inc_p0').locator('.sev').textContent(), 'P0');
  assert.is(await banner('inc_p0').locator('.banner-assignee').textContent(), 'Atlas (CEO)');
  assert.is(await banner('inc_p0').locator('.banner-status').textContent(), 'executive');
  assert.is(await banner('inc_p2').locator('.banner-assignee').textContent(), 'Cheryl (Support)');
  ctx.store.put('incidents', incident({ id: 'inc_new', severity: 'P1', status: 'coordinated', state: 'coordinated.working', assignee: 'petra', detectedAt: new Date().toISOString() }));
  await banner('inc_new').waitFor();
  assert.is(await banner('inc_new').locator('.sev').textContent(), 'P1');
  assert.is(await banner('inc_new').locator('.banner-assignee').textContent(), 'Petra (PM)');
  assert.ok(await sameDocument(ctx.page));
});

page('more than 50 active incidents: the banners are the worst 50, a P0 among them, however many newer P3s came after it', async (ctx) => {
  for (let i = 0; i < 60; i++) ctx.store.put('incidents', incident({ id: `inc_p3_${i}`, severity: 'P3', status: 'triaged', state: 'triaged.working', assignee: 'cheryl', detectedAt: new Date(Date.now() - i * 1000).toISOString() }));
  await load(ctx);
  const drawn = await ctx.page.locator('#banners .banner').evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset.incident));
  assert.is(drawn.length, 50);
  assert.equal(drawn.slice(0, 2), ['inc_p0', 'inc_p2'], 'worst first');
  // The P3s, oldest first: the newest ten are the ones left out.
  assert.equal(drawn.slice(2, 4), ['inc_p3_59', 'inc_p3_58']);
  assert.is(await ctx.page.locator('#banners p.muted').textContent(), '…and 12 more active incidents.');
});

page('more than 50 active incidents: a new one outside the worst 50 is said once; an old one moving into them is not said to be new', async (ctx) => {
  for (let i = 0; i < 60; i++) ctx.store.put('incidents', incident({ id: `inc_p3_${i}`, severity: 'P3', status: 'triaged', state: 'triaged.working', assignee: 'cheryl', detectedAt: new Date(Date.now() - i * 1000).toISOString() }));
  await load(ctx);
  await recordLiveRegions(ctx.page);
  const more = (n: number) => ctx.page.waitForFunction((text) => document.querySelector('#banners p.muted')?.textContent === text, `…and ${n} more active incidents.`);
  // A new P3: the newest, not among the worst 50 the banners draw.
  ctx.store.put('incidents', incident({ id: 'inc_p3_new', severity: 'P3', status: 'triaged', state: 'triaged.working', assignee: 'cheryl', detectedAt: new Date().toISOString() }));
  await more(13);
  await ctx.page.waitForTimeout(600);
  assert.is(await ctx.page.locator('#banners [data-incident="inc_p3_new"]').count(), 0, 'not drawn');
  assert.equal(await liveChanges(ctx.page), ['childList in div#announcer.visually-hidden: New P3 incident inc_p3_new (Cosmetic/Minor): billing-agent, Cheryl (Support).']);
  // An incident open since before the page, left out of the banners, raised to P1: it moves into them, and is not new.
  ctx.store.put('incidents', { ...ctx.store.get('incidents', 'inc_p3_0')!, severity: 'P1' });
  await ctx.page.locator('#banners [data-incident="inc_p3_0"]').waitFor();
  // One in the banners closes (another moves into them), and two newer ones close (inc_p3_50, open
  // since before the page, comes among the newest 50): nothing new to say either.
  for (const id of ['inc_p3_59', 'inc_p3_1', 'inc_p3_2']) ctx.store.put('incidents', { ...ctx.store.get('incidents', id)!, status: 'closed', state: 'closed' });
  await more(10);
  await ctx.page.waitForTimeout(600);
  assert.equal(await liveChanges(ctx.page), []);
  assert.equal(ctx.problems, []);
});

page('a keyboard user keeps the focus on an incident row, a banner and a decision\'s button while a live change redraws them', async (ctx) => {
  await load(ctx);
  const focusedIncident = () => ctx.page.evaluate(() => document.activeElement?.matches('.incident-link') && document.activeElement.closest<HTMLElement>('[data-incident]')?.dataset.incident);
  for (const [list, focused] of [['#incident-rows', 'inc_p2'], ['#banners', 'inc_p2']]) {
    await ctx.page.focus(`${list} [data-incident="${focused}"] .incident-link`);
    const id = `inc_live_${list.slice(1)}`;
    ctx.store.put('incidents', incident({ id, severity: 'P1', status: 'coordinated', state: 'coordinated.working', assignee: 'petra', detectedAt: new Date().toISOString() }));
    await ctx.page.locator(`${list} [data-incident="${id}"]`).waitFor();
    assert.is(await focusedIncident(), focused, list);
    // The focused incident itself changes: its row or banner is drawn anew, and its link takes the focus again.
    const responder = `${list === '#banners' ? 'banner' : 'row'} responder`;
    ctx.store.put('incidents', { ...ctx.store.get('incidents', focused)!, assignee: 'petra', status: 'coordinated', state: 'coordinated.working' });
    await ctx.page.waitForFunction(([list, focused]) => document.querySelector(`${list} [data-incident="${focused}"]`)?.textContent?.includes('Petra (PM)'), [list, focused]);
    assert.is(await focusedIncident(), focused, responder);
    ctx.store.put('incidents', { ...ctx.store.get('incidents', focused)!, assignee: 'cheryl', status: 'triaged', state: 'triaged.working' });
    await ctx.page.waitForFunction(([list, focused]) => document.querySelector(`${list} [data-incident="${focused}"]`)?.textContent?.includes('Cheryl (Support)'), [list, focused]);
    await ctx.page.keyboard.press('Enter');
    await ctx.page.waitForSelector(`#detail .detail-head:has-text("${focused}")`);
  }
  // The decision cards are redrawn on every incident change too: the focused button stays focused.
  await ctx.page.focus('#decision-list [data-decision="dec_1"] button.deny');
  ctx.store.put('incidents', incident({ id: 'inc_live_decisions', severity: 'P3', detectedAt: new Date().toISOString() }));
  await ctx.page.locator('#banners [data-incident="inc_live_decisions"]').waitFor();
  await ctx.page.waitForTimeout(300);
  assert.ok(await ctx.page.evaluate(() => document.activeElement?.matches('[data-decision="dec_1"] button.deny')), 'Deny keeps the focus');
});

/**
 * Records what a screen reader could say again: a change inside a live region (role status, log
 * or alert, aria-live), or a live region with text put into the page.
 */
async function recordLiveRegions(p: Page) {
  // A string: tsx names the functions of a page.evaluate callback with a helper the page does not have.
  await p.evaluate(`(() => {
    const LIVE = '[role=status], [role=log], [role=alert], [aria-live]:not([aria-live=off])';
    window.liveChanges = [];
    const name = (n) => n instanceof Element ? n.tagName.toLowerCase() + (n.id ? '#' + n.id : '') + (n.className ? '.' + n.className : '') : 'text';
    new MutationObserver((records) => {
      for (const r of records) {
        const target = r.target instanceof Element ? r.target : r.target.parentElement;
        const inside = target.closest(LIVE);
        const regions = (n) => n instanceof Element ? [...(n.matches(LIVE) ? [n] : []), ...n.querySelectorAll(LIVE)] : [];
        const spoken = [...r.addedNodes].flatMap(regions).filter((n) => n.textContent.trim());
        if (inside) window.liveChanges.push(r.type + ' in ' + name(inside) + ': ' + [...r.addedNodes].map((n) => n.textContent).join(' | '));
        else for (const n of spoken) window.liveChanges.push('added ' + name(n) + ': ' + n.textContent);
      }
    }).observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true });
  })()`);
}
const liveChanges = (p: Page) => p.evaluate(() => (window as unknown as { liveChanges: string[] }).liveChanges.splice(0));

page('a screen reader hears a new incident and a decision waiting once; redraws that change nothing leave the live regions alone', async (ctx) => {
  await load(ctx);
  await ctx.page.locator('#decision-list [data-decision="dec_1"]').waitFor();
  await recordLiveRegions(ctx.page);
  // Changes that redraw the banners, decisions and list but change nothing a banner shows.
  ctx.store.put('incidents', { ...ctx.store.get('incidents', 'inc_old')!, assignee: 'cheryl' });
  ctx.store.appendAudit(auditEntry({ id: 'aud_quiet', entityId: 'inc_old', message: 'reassigned' }));
  await ctx.page.waitForFunction(() => document.querySelector('#incident-rows [data-incident="inc_old"]')?.textContent?.includes('Cheryl (Support)'));
  await ctx.page.locator('#live-rows tr[data-audit="aud_quiet"]').waitFor();
  await ctx.page.waitForTimeout(600);
  assert.equal(await liveChanges(ctx.page), [], 'nothing new, nothing said');
  // A new active incident is said once, where a screen reader hears it.
  ctx.store.put('incidents', incident({ id: 'inc_new', severity: 'P1', status: 'coordinated', state: 'coordinated.working', assignee: 'petra', detectedAt: new Date().toISOString() }));
  await ctx.page.locator('#banners [data-incident="inc_new"]').waitFor();
  await ctx.page.waitForTimeout(600);
  assert.equal(await liveChanges(ctx.page), ['childList in div#announcer.visually-hidden: New P1 incident inc_new (Data Integrity): billing-agent, Petra (PM).']);
  // So is a decision waiting.
  ctx.store.put('decisions', { id: 'dec_2', incidentId: 'inc_new', action: 'scale up', status: 'pending', requestedAt: new Date().toISOString(), answeredAt: null, by: null, timeoutAt: '2026-03-02T10:30:00.000Z' });
  await ctx.page.locator('#decision-list [data-decision="dec_2"]').waitFor();
  await ctx.page.waitForTimeout(600);
  assert.equal(await liveChanges(ctx.page), ['childList in div#announcer.visually-hidden: Decision waiting: go/no-go on "scale up" for inc_new, times out 2026-03-02 10:30:00.']);
  assert.equal(await ctx.page.locator('#announcer p').allTextContents(), [
    'New P1 incident inc_new (Data Integrity): billing-agent, Petra (PM).',
    'Decision waiting: go/no-go on "scale up" for inc_new, times out 2026-03-02 10:30:00.',
  ]);
  assert.equal(ctx.problems, []);
});

page('narrows the incident list with the filters', async (ctx) => {
  await load(ctx);
  const ids = () => ctx.page.locator('#incident-rows tr[data-incident]').evaluateAll((rows) => rows.map((r) => (r as HTMLElement).dataset.incident));
  const settle = (want: string[]) => ctx.page.waitForFunction((want) =>
    [...document.querySelectorAll<HTMLElement>('#incident-rows tr[data-incident]')].map((r) => r.dataset.incident).join() === want.join(), want);
  assert.is((await ids()).length, 4);
  await ctx.page.check('#incident-filter input[name=severity][value=P0]');
  await ctx.page.check('#incident-filter input[name=severity][value=P1]');
  await settle(['inc_p0', 'inc_old']);
  await ctx.page.selectOption('#incident-filter select[name=tenant]', 'initech');
  await settle(['inc_old']);
  await ctx.page.click('#incident-filter button[type=reset]');
  await settle(['inc_p0', 'inc_p2', 'inc_auto', 'inc_old']);
  await ctx.page.selectOption('#incident-filter select[name=status]', 'active');
  await settle(['inc_p0', 'inc_p2']);
  await ctx.page.selectOption('#incident-filter select[name=status]', '');
  await ctx.page.selectOption('#incident-filter select[name=agent]', 'email-agent');
  await settle(['inc_auto', 'inc_old']);
  await ctx.page.fill('#incident-filter input[name=since]', '2026-03-01T00:00:00');
  await ctx.page.fill('#incident-filter input[name=until]', '2026-03-02T07:00:00');
  await settle(['inc_old']);
});

page('a live change\'s slow answer for the incident list does not bring back the rows of the filters the reader has changed since', async (ctx) => {
  await load(ctx);
  const ids = () => ctx.page.locator('#incident-rows tr[data-incident]').evaluateAll((rows) => rows.map((r) => (r as HTMLElement).dataset.incident));
  // The list's next request (unfiltered, asked for a live change) is answered late.
  let release = () => {};
  const held = new Promise<void>((resolve) => {
    void ctx.page.route((url) => url.pathname.endsWith('/api/incidents') && !url.searchParams.has('status') && !url.searchParams.has('severity'), async (route) => {
      const response = await route.fetch();
      resolve();
      await new Promise<void>((r) => (release = r));
      await route.fulfill({ response });
    }, { times: 1 });
  });
  ctx.store.put('incidents', incident({ id: 'inc_new', severity: 'P3', detectedAt: new Date().toISOString() }));
  await held;
  await ctx.page.check('#incident-filter input[name=severity][value=P0]');
  await ctx.page.locator('#announcer p', { hasText: '1 incident matches the filter.' }).waitFor();
  assert.equal(await ids(), ['inc_p0']);
  release();
  await ctx.page.waitForTimeout(500);
  assert.equal(await ids(), ['inc_p0'], 'the P0 filter\'s rows stay');
  assert.is(await ctx.page.locator('#incident-count').textContent(), '1 matching');
});

page('the incident list grown past the 5,000 rows a request returns offers no "show more" that shows nothing, and says how to reach the rest', async (ctx) => {
  for (let i = 0; i < 5100; i++) ctx.store.put('incidents', incident({ id: `inc_many${i}`, severity: 'P3', status: 'closed', state: 'closed', detectedAt: new Date(Date.UTC(2026, 0, 1) + i * 60_000).toISOString() }));
  await load(ctx);
  const rows = () => ctx.page.locator('#incident-rows tr[data-incident]').count();
  const more = ctx.page.locator('#incident-count button');
  // With the keyboard: the focus stays on "show more" as the list grows.
  await more.focus();
  for (let shown = 200; shown < 5000; shown += 200) {
    await ctx.page.keyboard.press('Enter');
    await ctx.page.waitForFunction((want) => document.querySelectorAll('#incident-rows tr[data-incident]').length === want, shown + 200);
  }
  assert.is(await rows(), 5000);
  assert.is(await more.count(), 0, 'no button that would ask for rows the server does not send');
  assert.ok(await ctx.page.evaluate(() => document.querySelector('#incident-count')!.contains(document.activeElement)), 'the focus of the last "show more" stays where it was, on what replaced it');
  assert.is(await ctx.page.locator('#incident-count').textContent(), '5,000 shown of 5,104 matching (the list shows at most 5,000: narrow it with the filters, the detection time for older ones)');
  // The filters reach the rest: the oldest are there by their detection time ("to" 00:10 takes in
  // that minute: 00:00 to 00:10, eleven).
  await ctx.page.fill('#incident-filter input[name=until]', '2026-01-01T00:10:00');
  await ctx.page.locator('#incident-count', { hasText: /^11 matching$/ }).waitFor();
});

page('a time typed in a filter is the time the page shows (UTC), whatever the browser\'s zone; typed as "to" too, it keeps its row', async (ctx) => {
  // Milliseconds the page does not show: the second typed as "to" is taken to its end.
  ctx.store.appendAudit(auditEntry({ id: 'aud_tz', ts: '2026-03-02T15:30:07.250Z', message: 'alone in its second' }));
  const berlin = await ctx.browser.newPage({ viewport: { width: 1400, height: 1000 }, timezoneId: 'Europe/Berlin' });
  try {
    await berlin.goto(ctx.watcher.url);
    await berlin.waitForSelector('#incident-rows tr[data-incident="inc_old"]');
    // The detection time as the row shows it (a whole minute: the field drops its :00), typed as it reads in both fields.
    const shown = (await berlin.locator('#incident-rows tr[data-incident="inc_old"] td').last().textContent())!;
    const typed = (s: string) => s.replace(' ', 'T');
    await berlin.fill('#incident-filter input[name=since]', typed(shown));
    await berlin.fill('#incident-filter input[name=until]', typed(shown));
    await berlin.waitForFunction(() => [...document.querySelectorAll<HTMLElement>('#incident-rows tr[data-incident]')].map((r) => r.dataset.incident).join() === 'inc_old');
    // The audit viewer alike: the second of the newest entry, as its row shows it, holds it alone.
    const ts = (await berlin.locator('#audit-rows tr[data-audit="aud_tz"] td').first().textContent())!;
    await berlin.fill('#audit-filter input[name=since]', typed(ts));
    await berlin.fill('#audit-filter input[name=until]', typed(ts));
    await berlin.locator('#audit-pager .page-info', { hasText: /^1–1 of 1$/ }).waitFor();
    assert.equal(await berlin.locator('#audit-rows tr[data-audit]').evaluateAll((rows) => rows.map((r) => (r as HTMLElement).dataset.audit)), ['aud_tz']);
  } finally {
    await berlin.close();
  }
});

page('a five-digit year typed in a filter is refused in its field, saying what it expects, and nothing is asked of the server', async (ctx) => {
  await load(ctx);
  const requests: string[] = [];
  ctx.page.on('request', (r) => r.url().includes('/api/') && requests.push(r.url()));
  for (const form of ['#incident-filter', '#audit-filter']) {
    const field = ctx.page.locator(`${form} input[name=until]`);
    // The field takes years past 9999 (a keyboard types a fifth digit); fill() does not.
    await field.evaluate((el) => {
      (el as HTMLInputElement).value = '20260-03-02T15:30';
      el.dispatchEvent(new Event('input', { bubbles: true }));
    });
    await ctx.page.waitForFunction((sel) => document.querySelector(`${sel} input[name=until]`)?.getAttribute('aria-invalid') === 'true', form);
    assert.is(await field.evaluate((el) => (el as HTMLInputElement).validationMessage), 'Expected a year of four digits (up to 9999), got 20260.');
  }
  await ctx.page.waitForTimeout(600);
  assert.equal(requests.filter((u) => u.includes('until=')), [], 'no request with it');
  assert.equal(ctx.problems, []);
  // Mended, the filter applies and the mark goes.
  await ctx.page.fill('#audit-filter input[name=until]', '2026-03-02T15:30');
  await ctx.page.waitForFunction(() => document.querySelector('#audit-filter input[name=until]')?.getAttribute('aria-invalid') === 'false');
  assert.equal(ctx.problems, []);
});

page('an agent, workflow or tenant first seen in a live run is offered in its filter in order, the choice kept', async (ctx) => {
  await load(ctx);
  const offered = (name: string) => ctx.page.locator(`#incident-filter select[name=${name}] option`).evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value));
  assert.equal(await offered('agent'), ['', 'billing-agent', 'db-agent', 'email-agent']);
  await ctx.page.selectOption('#incident-filter select[name=agent]', 'db-agent');
  ctx.store.put('incidents', incident({ id: 'inc_new', agent: 'crm-agent', workflow: 'a-sync', tenant: 'hooli' }));
  ctx.store.put('incidents', incident({ id: 'inc_newer', agent: 'ads-agent', workflow: 'z-sync', tenant: 'zeta' }));
  await ctx.page.waitForFunction(() => document.querySelectorAll('#incident-filter select[name=agent] option').length === 6);
  assert.equal(await offered('agent'), ['', 'ads-agent', 'billing-agent', 'crm-agent', 'db-agent', 'email-agent']);
  assert.equal(await offered('workflow'), ['', 'a-sync', 'campaign', 'digest', 'invoice-run', 'nightly-sync', 'z-sync']);
  assert.equal(await offered('tenant'), ['', 'acme', 'globex', 'hooli', 'initech', 'zeta']);
  assert.is(await ctx.page.locator('#incident-filter select[name=agent]').inputValue(), 'db-agent');
});

page('approves a pending decision from the page; the engine resumes the incident', async (ctx) => {
  await load(ctx);
  const card = ctx.page.locator('#decision-list [data-decision="dec_1"]');
  await card.waitFor();
  const waiting = ctx.page.locator('#banners [data-incident="inc_p0"] .banner-facts');
  assert.match((await waiting.textContent())!, /Waiting.*Atlas's decision/);
  // With the keyboard only: type the name, Tab to Approve, Enter.
  await ctx.page.focus('#by');
  await ctx.page.keyboard.type('Dana Reyes');
  for (let n = 0; n < 10 && !(await ctx.page.evaluate(() => document.activeElement?.classList.contains('approve'))); n++) await ctx.page.keyboard.press('Tab');
  await ctx.page.keyboard.press('Enter');
  await ctx.page.waitForFunction(() => document.querySelector('#decision-list')?.textContent?.includes('No decision waiting'));
  // The answer is confirmed where it was given, not only in the feed, and the focus is not lost with the button.
  const note = ctx.page.locator('#decision-list .answered');
  assert.is(await note.textContent(), 'Approved "rollback" for inc_p0, as Dana Reyes.');
  await ctx.page.waitForFunction(() => document.activeElement?.classList.contains('answered'));
  assert.equal(ctx.engine.calls, [['dec_1', 'approve', 'Dana Reyes']]);
  assert.is(ctx.store.get('decisions', 'dec_1')!.status, 'approved');
  assert.is(ctx.store.get('incidents', 'inc_p0')!.state, 'executive.fixing');
  const answered = ctx.store.queryAudit({ entityId: 'dec_1' }).rows;
  assert.is(answered[0].actor, 'Dana Reyes', 'who answered is in the audit log');
  await ctx.page.locator('#live-rows tr', { hasText: 'Dana Reyes answered approve' }).waitFor();
  // The banner no longer says it waits for a decision that was answered (the record keeps its decisionId).
  await ctx.page.waitForFunction(() => !document.querySelector('#banners [data-incident="inc_p0"] .banner-facts')?.textContent?.includes('Waiting'));
  assert.is(ctx.store.get('incidents', 'inc_p0')!.decisionId, 'dec_1');
});

page('a page opened without the token cannot answer, and the server refuses it', async (ctx) => {
  const bare = ctx.watcher.url.replace(/\?token=.*/, '');
  await ctx.page.goto(bare);
  await ctx.page.evaluate(() => sessionStorage.clear());
  await load(ctx, bare);
  const approve = ctx.page.locator('#decision-list [data-decision="dec_1"] button.approve');
  await approve.waitFor();
  assert.ok(await approve.isDisabled());
  assert.match((await ctx.page.locator('#decide-hint').textContent())!, /token/);
  const status = await ctx.page.evaluate(async () => (await fetch('/app/watcher/api/decisions/dec_1', {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ answer: 'approve', by: 'mallory' }),
  })).status);
  assert.is(status, 401);
  assert.equal(ctx.engine.calls, []);
  assert.is(ctx.store.get('decisions', 'dec_1')!.status, 'pending');
  ctx.problems.length = 0; // the 401 above was asked for
});

page('the watcher restarted with a new token under an open page: the page says its token is refused and takes Approve and Deny away', async (ctx) => {
  await load(ctx);
  const approve = ctx.page.locator('#decision-list [data-decision="dec_1"] button.approve');
  await approve.waitFor();
  assert.not.ok(await approve.isDisabled());
  // The engine's process restarts: its watcher comes back on the same port with a token of its own.
  const { port, token } = ctx.watcher;
  await ctx.watcher.close();
  ctx.watcher = await startWatcher({ store: ctx.store, engine: ctx.engine, port });
  assert.is.not(ctx.watcher.token, token);
  await ctx.page.locator('#token-info', { hasText: 'token refused: read-only' }).waitFor();
  await ctx.page.locator('#decide-hint', { hasText: 'the watcher no longer takes this page\'s token (it was restarted, with a new one)' }).waitFor();
  assert.ok(await approve.isDisabled());
  assert.is(await ctx.page.locator('#conn').textContent(), '● live');
  // The URL it printed now gives a page that can answer.
  await load(ctx, ctx.watcher.url);
  await ctx.page.locator('#token-info', { hasText: 'token: can answer decisions' }).waitFor();
  assert.not.ok(await ctx.page.locator('#decision-list [data-decision="dec_1"] button.approve').isDisabled());
  assert.equal(ctx.engine.calls, []);
});

page('the watcher\'s server gone: an answer and a click say the server cannot be reached, not the browser\'s "Failed to fetch"', async (ctx) => {
  await load(ctx);
  await ctx.page.fill('#by', 'Dana');
  await ctx.page.locator('#decision-list [data-decision="dec_1"] button.approve').waitFor();
  await ctx.watcher.close();
  await ctx.page.locator('#conn', { hasText: 'reconnecting' }).waitFor();
  await ctx.page.click('#decision-list [data-decision="dec_1"] button.approve');
  const said = 'cannot reach the watcher\'s server (it is down or restarting)';
  await ctx.page.locator('#decision-list [data-decision="dec_1"] .answer-status', { hasText: `Failed: ${said}` }).waitFor();
  await ctx.page.click('#incident-rows tr[data-incident="inc_p2"] a');
  await ctx.page.locator('#warning', { hasText: `Watcher: ${said}` }).waitFor();
  assert.equal(ctx.engine.calls, []);
  // after.each closes it again: a watcher on the same port.
  ctx.watcher = await startWatcher({ store: ctx.store, engine: ctx.engine, port: ctx.watcher.port });
});

page('the open incident is read again when the page reconnects: what changed while the watcher was away is shown', async (ctx) => {
  await load(ctx);
  await ctx.page.click('#banners [data-incident="inc_p0"]');
  await ctx.page.waitForSelector('#detail .diagram[data-drawn] svg');
  assert.is(await ctx.page.locator('#detail .detail-head .pill').textContent(), 'executive');
  const { port, token } = ctx.watcher;
  await ctx.watcher.close();
  // While no watcher runs, the engine's process moves the incident on (a restart firing a deadline due meanwhile).
  const p0 = ctx.store.get('incidents', 'inc_p0')!;
  ctx.store.put('incidents', { ...p0, status: 'closed', state: 'closed', resolvedAt: new Date().toISOString(), path: [...p0.path, { state: 'closed', at: new Date().toISOString() }] });
  await ctx.store.flush();
  ctx.watcher = await startWatcher({ store: ctx.store, engine: ctx.engine, port, token });
  await ctx.page.locator('#detail .detail-head .pill', { hasText: 'closed' }).waitFor();
  await ctx.page.locator('#detail .diagram[data-current="closed"]').waitFor();
});

page('a paced run that is over shows the decision still waiting without Approve and Deny, and says why, at the next change', async (ctx) => {
  let closed: string | null = null;
  const watcher = await startWatcher({ store: ctx.store, engine: ctx.engine, decisionsClosed: () => closed });
  try {
    await load(ctx, watcher.url);
    const approve = ctx.page.locator('#decision-list [data-decision="dec_1"] button.approve');
    assert.not.ok(await approve.isDisabled());
    assert.is(await ctx.page.locator('#token-info').textContent(), 'token: can answer decisions');
    closed = 'the run is over and its engine has stopped: decisions can no longer be answered';
    // The run's last commit is no audit entry: the page reads its session again all the same.
    ctx.store.put('responders', { ...ctx.store.get('responders', 'petra')!, updatedAt: '2026-03-02T09:00:00.000Z' });
    await ctx.page.locator('#token-info', { hasText: 'run over: read-only' }).waitFor();
    await ctx.page.locator('#decide-hint', { hasText: `Read-only: ${closed}.` }).waitFor();
    assert.ok(await approve.isDisabled());
    assert.equal(ctx.engine.calls, []);
    assert.equal(ctx.problems, []);
  } finally {
    await watcher.close();
  }
});

page('renders markup from the store as text: no dialog, no img element', async (ctx) => {
  const script = '<script>alert(1)</script>';
  const img = '<img src=x onerror=alert(1)>';
  ctx.store.put('incidents', incident({ id: 'inc_xss', severity: 'P1', status: 'triaged', agent: img, workflow: script, tenant: 'acme', detectedAt: new Date().toISOString(), error: { message: `${script} ${img}`, name: img, stack: img, retryable: true }, findings: [img], reviewId: 'doc_xss', path: [{ state: img, at: new Date().toISOString() }] }));
  ctx.store.put('kb_documents', { id: 'doc_xss', tags: ['post-incident-review'], title: img, createdAt: new Date().toISOString(), incidentId: 'inc_xss', body: `# ${img}\n\n${script} **${img}** [x](javascript:alert(1))\n\n| a |\n|---|\n| ${img} |` });
  ctx.store.put('decisions', { id: 'dec_xss', incidentId: 'inc_xss', action: img, status: 'pending', requestedAt: new Date().toISOString(), answeredAt: null, by: null, timeoutAt: new Date().toISOString() });
  ctx.store.put('responders', { id: 'cheryl', capacity: 1, active: [img], queue: [script], updatedAt: new Date().toISOString() });
  ctx.store.appendAudit(auditEntry({ id: 'aud_xss', level: 'error', entityId: 'inc_xss', actor: img, message: `${script} ${img}` }));
  await load(ctx);
  await ctx.page.click('#banners [data-incident="inc_xss"]');
  await ctx.page.waitForSelector('#detail .review');
  await ctx.page.waitForSelector('#detail .diagram[data-drawn] svg');
  await ctx.page.waitForSelector('#detail .diagram[data-drawn]');
  const visible = await ctx.page.getByText(img, { exact: false }).count();
  assert.ok(visible >= 8, `the strings show as text (${visible} places)`);
  assert.ok(await ctx.page.getByText(script, { exact: false }).first().isVisible());
  assert.is(await ctx.page.evaluate(() => document.querySelectorAll('img, script:not([type=module]), [onerror]').length), 0);
  assert.is(await ctx.page.evaluate(() => [...document.querySelectorAll('a')].filter((a) => a.getAttribute('href')?.startsWith('javascript')).length), 0);
  await ctx.page.waitForTimeout(300);
  assert.equal(ctx.dialogs, []);
  assert.equal(ctx.problems, []);
  await ctx.page.screenshot({ path: `${SHOTS}/xss.png`, fullPage: true });
});

page('fits a phone-width window: banners wrap their facts under the title, a review\'s wide table scrolls in its own box', async (ctx) => {
  await ctx.page.setViewportSize({ width: 380, height: 800 });
  const review = ctx.store.get('kb_documents', 'doc_1')!;
  // A rehearsal's review has a timeline table whose cells are long unbreakable ids and actions.
  const row = '| T+13:00 | 13:13:00 | incident.review_commissioned | atlas | inc_mvqfzn1jqecmq8n1_doc_3dw9xdkypmbzksxg |';
  ctx.store.put('kb_documents', { ...review, body: `${review.body}\n| T+ | Time | Action | Actor | Entity |\n|---|---|---|---|---|\n${row}\n` });
  await load(ctx);
  // A banner's facts go under its title, which keeps most of the width (not a word per line).
  const title = await ctx.page.locator('#banners [data-incident="inc_p0"] .banner-main').evaluate((el) => el.getBoundingClientRect().width);
  assert.ok(title > 200, `the banner's title is ${title}px wide`);
  const cut = await ctx.page.evaluate(() => [...document.querySelectorAll('.topbar *')].filter((el) => el.getBoundingClientRect().right > innerWidth).map((el) => el.textContent));
  assert.equal(cut, [], 'nothing in the top bar runs past the window');
  await ctx.page.click('#incident-rows tr[data-incident="inc_old"]');
  await ctx.page.waitForSelector('#detail .review .md-table');
  const [page, window] = await ctx.page.evaluate(() => [document.documentElement.scrollWidth, innerWidth]);
  assert.ok(page <= window, `the page is ${page}px wide in a ${window}px window`);
  const box = await ctx.page.locator('#detail .review .md-scroll').last().evaluate((el) => [el.scrollWidth, el.clientWidth]);
  assert.ok(box[0] > box[1], 'the table is wider than its box, which scrolls');
  await ctx.page.screenshot({ path: `${SHOTS}/narrow.png`, fullPage: true });
});

page('draws each machine the watcher knows, the responder\'s and the worker\'s too, when its row is opened', async (ctx) => {
  await ctx.watcher.close();
  ctx.watcher = await startWatcher({ store: ctx.store, engine: ctx.engine, machines: { incident: incidentMachine, responder: responderMachine, worker: workerMachine } });
  await load(ctx);
  const rows = ctx.page.locator('#machine-list details[data-machine]');
  assert.equal(await rows.evaluateAll((all) => all.map((d) => (d as HTMLElement).dataset.machine)), ['incident', 'responder', 'worker']);
  assert.is(await ctx.page.locator('#machine-list svg').count(), 0, 'nothing is drawn before it is opened');
  // By keyboard: focus a row's summary, Enter opens it.
  await ctx.page.focus('#machine-list details[data-machine="worker"] summary');
  await ctx.page.keyboard.press('Enter');
  await ctx.page.waitForSelector('#machine-list details[data-machine="worker"] .diagram[data-drawn] svg');
  const states = await ctx.page.locator('#machine-list details[data-machine="worker"] .diagram g.node').allTextContents();
  for (const state of ['idle', 'running']) assert.ok(states.map((t) => t.trim()).includes(state), state);
  await ctx.page.click('#machine-list details[data-machine="responder"] summary');
  await ctx.page.waitForSelector('#machine-list details[data-machine="responder"] .diagram[data-drawn] svg');
  assert.equal(ctx.problems, []);
});

page('pages the audit log on the server', async (ctx) => {
  for (let i = 0; i < 5000; i++) ctx.store.appendAudit(auditEntry({ id: `aud_b${i}`, message: `bulk ${i}` }));
  await load(ctx);
  const info = () => ctx.page.locator('#audit-pager .page-info').textContent();
  assert.is(await info(), '1–50 of 5,002');
  await ctx.page.click('#audit-pager button:has-text("Next")');
  await ctx.page.waitForFunction(() => document.querySelector('#audit-pager .page-info')?.textContent?.startsWith('51–100'));
  assert.is(await ctx.page.locator('#audit-rows tr').count(), 50);
  await ctx.page.click('#audit-pager button:has-text("Last")');
  await ctx.page.waitForFunction(() => document.querySelector('#audit-pager .page-info')?.textContent === '5,001–5,002 of 5,002');
  await ctx.page.selectOption('#audit-filter select[name=level]', 'error');
  await ctx.page.waitForFunction(() => document.querySelector('#audit-pager .page-info')?.textContent === '1–1 of 1');
  // The Action filter matches a whole name: the names the engine writes are offered as it is typed.
  const offered = await ctx.page.locator('#audit-filter input[name=action]').evaluate((input) =>
    [...((input as HTMLInputElement).list?.options ?? [])].map((o) => o.value));
  assert.equal(offered, [...AUDIT_ACTIONS]);
});

/** Waits until the audit viewer's pager says `text` ("51–100 of 120"). */
const pagerSays = (ctx: Ctx, text: string) => ctx.page.waitForFunction((t) => document.querySelector('#audit-pager .page-info')?.textContent === t, text);

/** The audit viewer filtered on `text`, moved to the second page of the `total` entries that match. */
async function secondPage(ctx: Ctx, text: string, total: number): Promise<void> {
  await ctx.page.fill('#audit-filter input[name=text]', text);
  await pagerSays(ctx, `1–50 of ${total}`);
  await ctx.page.click('#audit-pager button:has-text("Next")');
  await pagerSays(ctx, `51–100 of ${total}`);
}

page('the audit log viewer follows new entries without moving the reader\'s page: oldest first they count in the total; newest first on a later page, only those its filters match are offered', async (ctx) => {
  for (let i = 0; i < 200; i++) ctx.store.appendAudit(auditEntry({ id: `aud_b${i}`, message: `bulk ${i}` }));
  await load(ctx);
  const info = (text: string) => pagerSays(ctx, text);
  const firstRow = () => ctx.page.locator('#audit-rows tr').first().getAttribute('data-audit');
  const news = ctx.page.locator('#audit-pager button.link');

  // Oldest first: new entries go after the last page; the first page stays, the total grows.
  await ctx.page.selectOption('#audit-filter select[name=order]', 'asc');
  const oldest = ctx.store.queryAudit({ order: 'asc', limit: 1 }).rows[0].id;
  await ctx.page.locator(`#audit-rows tr:first-child[data-audit="${oldest}"]`).waitFor();
  await info('1–50 of 202');
  for (let i = 0; i < 3; i++) ctx.store.appendAudit(auditEntry({ id: `aud_asc${i}`, message: `late ${i}` }));
  await info('1–50 of 205');
  assert.is(await firstRow(), oldest);
  assert.is(await news.count(), 0, 'nothing to show at the top of an oldest-first list');

  // Newest first, page 2 of the entries matching "bulk": two matching and three other entries arrive.
  await ctx.page.selectOption('#audit-filter select[name=order]', 'desc');
  await ctx.page.fill('#audit-filter input[name=text]', 'bulk');
  await info('1–50 of 200');
  await ctx.page.click('#audit-pager button:has-text("Next")');
  await info('51–100 of 200');
  const reading = 'aud_b149';
  assert.is(await firstRow(), reading);
  for (let i = 0; i < 3; i++) ctx.store.appendAudit(auditEntry({ id: `aud_other${i}`, message: `other ${i}` }));
  for (let i = 0; i < 2; i++) ctx.store.appendAudit(auditEntry({ id: `aud_bnew${i}`, message: `bulk new ${i}` }));
  await info('53–102 of 202');
  assert.is(await firstRow(), reading, 'the same rows stay under the reader');
  assert.is(await news.textContent(), '2 new — show');
  await news.click();
  await info('1–50 of 202');
  assert.is(await firstRow(), 'aud_bnew1');
  assert.equal(ctx.problems, []);
});

page('the audit log viewer drops a count of new entries asked for before the reader changed the filters: the new view stays as its own load drew it', async (ctx) => {
  for (let i = 0; i < 120; i++) ctx.store.appendAudit(auditEntry({ id: `aud_b${i}`, message: `bulk ${i}` }));
  for (let i = 0; i < 30; i++) ctx.store.appendAudit(auditEntry({ id: `aud_q${i}`, message: `quiet ${i}` }));
  await load(ctx);
  await secondPage(ctx, 'bulk', 120);
  const info = (text: string) => pagerSays(ctx, text);
  // The count the viewer asks for when entries arrive on a later page is held back...
  const held: Route[] = [];
  const asked = new Promise<void>((resolve) => {
    void ctx.page.route((url) => url.pathname.endsWith('/api/audit') && url.searchParams.get('limit') === '1', (route) => {
      held.push(route);
      resolve();
    });
  });
  for (let i = 0; i < 2; i++) ctx.store.appendAudit(auditEntry({ id: `aud_bnew${i}`, message: `bulk new ${i}` }));
  await asked;
  // ...while the reader filters on something else, whose page loads and is drawn.
  await ctx.page.fill('#audit-filter input[name=text]', 'quiet');
  await info('1–30 of 30');
  const answered = ctx.page.waitForResponse((res) => new URL(res.url()).searchParams.get('limit') === '1');
  await Promise.all(held.map((route) => route.continue()));
  await answered;
  // The page reads the answer's body and draws (or not) on its next turns.
  await ctx.page.waitForTimeout(200);
  assert.is(await ctx.page.locator('#audit-pager .page-info').textContent(), '1–30 of 30', 'the count of "bulk" entries is not applied to the "quiet" view');
  assert.is(await ctx.page.locator('#audit-pager button.link').count(), 0, 'no "N new" from another view');
  assert.equal(ctx.problems, []);
});

page('the audit log viewer goes on following new entries after a page failed to load', async (ctx) => {
  for (let i = 0; i < 160; i++) ctx.store.appendAudit(auditEntry({ id: `aud_b${i}`, message: `bulk ${i}` }));
  await load(ctx);
  await secondPage(ctx, 'bulk', 160);
  // The next page's load fails once (the server restarting, say): the page stays as it was drawn.
  let failed = 0;
  await ctx.page.route((url) => url.pathname.endsWith('/api/audit') && url.searchParams.get('limit') !== '1', async (route) => {
    if (failed++ === 0) return route.fulfill({ status: 503, contentType: 'application/json', body: JSON.stringify({ error: 'watcher: unavailable' }) });
    return route.continue();
  });
  const refused = ctx.page.waitForResponse((res) => res.status() === 503);
  await ctx.page.click('#audit-pager button:has-text("Next")');
  await refused;
  for (let i = 0; i < 2; i++) ctx.store.appendAudit(auditEntry({ id: `aud_bnew${i}`, message: `bulk new ${i}` }));
  await ctx.page.locator('#audit-pager button.link', { hasText: '2 new — show' }).waitFor();
});

page('lists an XState actor that reports through createWebSocketInspector', async (ctx) => {
  await load(ctx);
  const machine = createMachine({ id: 'light', initial: 'green', states: { green: { on: { tick: 'yellow' } }, yellow: { on: { tick: 'red' } }, red: {} } });
  const inspector = createWebSocketInspector({ url: ctx.watcher.inspectUrl });
  const actor = createActor(machine, { inspect: inspector.inspect }).start();
  try {
    actor.send({ type: 'tick' });
    actor.send({ type: 'tick' });
    const row = ctx.page.locator('#inspected-rows tr', { hasText: 'light' });
    await row.locator('.actor-value', { hasText: 'red' }).waitFor();
    assert.match((await row.locator('ul.events').textContent())!, /tick/);
    await ctx.page.locator('#inspected').screenshot({ path: `${SHOTS}/inspected.png` });
  } finally {
    actor.stop();
    inspector.stop();
  }
});

/** Where each timeline cell sits, and whether an id in a message was broken over two lines. */
async function timelineLayout(p: Page, id: string) {
  return p.evaluate(`(() => {
    const box = (el) => { const b = el.getBoundingClientRect(); return { x: b.x, y: b.y, w: b.width, h: b.height, bottom: b.bottom }; };
    const cells = [...document.querySelectorAll('#detail table.log td.msg')];
    const split = document.querySelector('#incident-split');
    const lines = cells.flatMap((td) => {
      const text = td.firstChild;
      const at = text && text.nodeType === 3 ? text.data.indexOf(${JSON.stringify(id)}) : -1;
      if (at < 0) return [];
      const range = document.createRange();
      range.setStart(text, at);
      range.setEnd(text, at + ${JSON.stringify(id)}.length);
      return [new Set([...range.getClientRects()].map((r) => Math.round(r.top))).size];
    });
    return {
      message: cells.map((td) => td.getBoundingClientRect().width),
      table: document.querySelector('#detail table.log').getBoundingClientRect().width,
      list: box(split.querySelector('.scroll')), detail: box(document.querySelector('#detail')), split: box(split),
      idLines: lines,
    };
  })()`) as Promise<{ message: number[]; table: number; list: Box; detail: Box; split: Box; idLines: number[] }>;
}
interface Box { x: number; y: number; w: number; h: number; bottom: number }

for (const width of [1400, 900]) {
  page(`the open incident's timeline gives its messages room at ${width} px: message column wide, ids whole, no empty column beside the detail`, async (ctx) => {
    const longId = 'inc_7f3kq9x2mz81vd0c4hnb';
    const actions = ['incident.communication_drafted', 'incident.status_update', 'incident.escalated', 'incident.decision_requested'];
    actions.forEach((action, n) => ctx.store.appendAudit(auditEntry({
      id: `aud_t${n}`, entityId: 'inc_p0', level: n === 0 ? 'error' : 'warn', actor: n % 2 ? 'petra' : 'atlas', action,
      message: `${longId} (P0): atlas owns it; workaround: fail over to the standby and hold non-critical jobs; ETA 2026-03-02T15:12:30.000Z (step ${n})`,
    })));
    await ctx.page.setViewportSize({ width, height: 1000 });
    await load(ctx);
    await ctx.page.click('#incident-rows tr[data-incident="inc_p0"]');
    await ctx.page.waitForSelector('#detail .diagram[data-drawn] svg');
    await ctx.page.locator('#detail table.log tr[data-audit="aud_t3"]').waitFor();
    const layout = await timelineLayout(ctx.page, longId);
    await ctx.page.locator('#incidents').screenshot({ path: `${SHOTS}/incident-timeline-${width}.png` });
    // Before: ~110 px of a 620 px table, words wrapping one by one and ids split.
    const narrowest = Math.min(...layout.message);
    assert.ok(narrowest >= 320, `message column ${narrowest} px wide (table ${layout.table} px)`);
    assert.ok(narrowest >= layout.table * 0.4, `message column ${narrowest} of ${layout.table} px`);
    assert.equal(layout.idLines, [1, 1, 1, 1], 'each id in a message stays on one line');
    // The detail spans the section under the list: nothing empty beside it.
    assert.ok(layout.detail.y >= layout.list.bottom, `detail at ${layout.detail.y}, list ends at ${layout.list.bottom}`);
    assert.ok(layout.detail.w >= layout.split.w * 0.98, `detail ${layout.detail.w} px of ${layout.split.w}`);
    assert.equal(ctx.problems, []);
  });
}

page('watch --db before the run: the page says nothing is there yet, then shows the store once written', async (ctx) => {
  const dir = mkdtempSync(join(tmpdir(), 'watcher-page-'));
  const db = join(dir, 'later.json');
  const handle = await watchCommand({ db, port: 0, pollMs: 50, print: () => {} });
  try {
    await ctx.page.goto(handle.url);
    const banner = ctx.page.locator('#waiting');
    await banner.waitFor();
    assert.match((await banner.textContent())!, `Nothing at ${db} yet`);
    assert.is(await ctx.page.locator('#store-info').textContent(), 'no store yet · read-only · 0 audit entries');
    const writer = await openStore(db);
    seedStore(writer);
    await writer.flush();
    await handle.found;
    await ctx.page.waitForSelector('#incident-rows tr[data-incident="inc_p0"]', { timeout: 30_000 });
    await banner.waitFor({ state: 'hidden' });
    assert.match((await ctx.page.locator('#store-info').textContent())!, /later\.json · read-only/);
    await writer.close();
    // The switch ends the first event stream (a page reconnects); nothing else may fail.
    assert.equal(ctx.problems.filter((p) => !p.includes('/events')), []);
  } finally {
    await handle.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

page.run();
