import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Browser, Page } from 'playwright-core';
import { incidentMachine } from '../machines/index.js';
import { createMemoryStore } from '../store/index.js';
import type { Store } from '../store/types.js';
import { startWatcher, type WatcherServer } from '../watcher/server.js';
import { launchChromium, newPage, watchForProblems } from './watcher.chromium.js';
import { at, auditEntry, createFakeEngine, incident, seedStore } from './watcher.fakes.js';

/**
 * The Agent Watcher page against WCAG 2.2 AA, as an operator with a keyboard and a screen
 * reader meets it: contrast computed from the page's own CSS, focus that shows and is not
 * hidden under the sticky top bar, names and headers, motion.
 */
interface Ctx { browser: Browser; page: Page; store: Store; watcher: WatcherServer; problems: string[] }
const a11y = suite<Ctx>('watcher page accessibility', {} as Ctx);

a11y.before(async (ctx) => {
  ctx.browser = await launchChromium();
});
a11y.after(async (ctx) => ctx.browser.close());
a11y.before.each(async (ctx) => {
  ctx.store = createMemoryStore();
  seedStore(ctx.store);
  ctx.watcher = await startWatcher({ store: ctx.store, engine: createFakeEngine(ctx.store, { incident: incidentMachine }) });
  ctx.page = await newPage(ctx.browser);
  ctx.problems = watchForProblems(ctx.page).problems;
});
a11y.after.each(async (ctx) => {
  await ctx.page.close();
  await ctx.watcher.close();
});

async function load(ctx: Ctx) {
  await ctx.page.goto(ctx.watcher.url);
  await ctx.page.waitForSelector('#conn.pill-live');
  await ctx.page.waitForSelector('#incident-rows tr[data-incident]');
  await ctx.page.waitForSelector('#decision-list [data-decision]');
}

/**
 * Every visible piece of text whose contrast with what is behind it is under WCAG's minimum
 * (1.4.3: 4.5, or 3 for large text), from the computed colours. Disabled controls are exempt.
 * A string: tsx names the functions of a page.evaluate callback with a helper the page lacks.
 */
const LOW_CONTRAST = `(() => {
  const rgba = (c) => { const m = c.match(/[\\d.]+/g).map(Number); return [m[0], m[1], m[2], m[3] ?? 1]; };
  const lum = ([r, g, b]) => { const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; }; return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b); };
  const background = (el) => {
    for (let n = el; n; n = n.parentElement) { const c = rgba(getComputedStyle(n).backgroundColor); if (c[3] > 0) return c; }
    return [255, 255, 255, 1];
  };
  const out = [];
  const seen = new Set();
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let t = walker.nextNode(); t; t = walker.nextNode()) {
    const el = t.parentElement;
    if (!t.data.trim() || seen.has(el) || el.closest('svg, .visually-hidden, :disabled, [hidden], option, datalist')) continue;
    seen.add(el);
    const style = getComputedStyle(el);
    const box = el.getBoundingClientRect();
    if (style.visibility === 'hidden' || box.width === 0 || rgba(style.color)[3] === 0) continue;
    const fg = rgba(style.color), bg = background(el);
    const [a, b] = [lum(fg), lum(bg)].sort((x, y) => y - x);
    const ratio = (a + 0.05) / (b + 0.05);
    const size = parseFloat(style.fontSize), bold = Number(style.fontWeight) >= 700;
    const need = size >= 24 || (bold && size >= 18.66) ? 3 : 4.5;
    if (ratio < need) out.push(el.tagName.toLowerCase() + '.' + el.className + ' "' + t.data.trim().slice(0, 30) + '" ' + ratio.toFixed(2) + ' < ' + need);
  }
  return out;
})()`;

a11y('every text has WCAG AA contrast with its background: severity badges, pills, muted text, buttons', async (ctx) => {
  await load(ctx);
  await ctx.page.click('#incident-rows tr[data-incident="inc_p0"]');
  await ctx.page.waitForSelector('#detail .diagram[data-drawn] svg');
  assert.equal(await ctx.page.evaluate(LOW_CONTRAST), []);
});

interface AxNode { ignored: boolean; role?: { value: string }; name?: { value: string }; description?: { value: string }; properties?: { name: string; value: { value: unknown } }[] }
/** Chromium's accessibility tree, as a screen reader gets it. */
async function axTree(p: Page): Promise<AxNode[]> {
  const cdp = await p.context().newCDPSession(p);
  const { nodes } = await cdp.send('Accessibility.getFullAXTree') as unknown as { nodes: AxNode[] };
  await cdp.detach();
  return nodes.filter((n) => !n.ignored);
}
const focusable = (n: AxNode) => n.properties?.some((p) => p.name === 'focusable' && p.value.value === true);

a11y('every control the keyboard reaches has a role and a name; Approve and Deny say which action; every table has headers', async (ctx) => {
  await load(ctx);
  await ctx.page.click('#incident-rows tr[data-incident="inc_old"]');
  await ctx.page.waitForSelector('#detail .review');
  const nodes = await axTree(ctx.page);
  const unnamed = nodes.filter((n) => focusable(n) && n.role?.value !== 'RootWebArea' && (!n.name?.value.trim() || n.role?.value === 'generic'));
  assert.equal(unnamed.map((n) => `${n.role?.value} "${n.name?.value ?? ''}"`), [], 'focusable nodes with no role or no name');
  const buttons = nodes.filter((n) => n.role?.value === 'button' && /^(Approve|Deny)$/.test(n.name?.value ?? ''));
  assert.equal(buttons.map((n) => `${n.name?.value}: ${n.description?.value}`), ['Approve: rollback', 'Deny: rollback']);
  const links = nodes.filter((n) => n.role?.value === 'link' && n.name?.value === 'inc_p0');
  assert.ok(links.length >= 2, 'the P0 incident is a link in its banner and its list row');
  const headless = await ctx.page.evaluate(() => [...document.querySelectorAll('table')].filter((t) => !t.querySelector('thead th')).map((t) => t.closest('[id]')?.id));
  assert.equal(headless, [], 'tables without column headers, by the id around them');
  // The review is under the detail's h4 "Post-incident review": its headings are below it in the outline.
  const levels = await ctx.page.locator('#detail .review :is(h1, h2, h3, h4, h5, h6)').evaluateAll((hs) => hs.map((h) => Number(h.tagName[1])));
  assert.ok(levels.length && levels.every((l) => l > 4), `review headings at levels ${levels}`);
});

a11y('opening an incident from the keyboard takes the focus to its detail; the focus ring shows and never hides under the top bar', async (ctx) => {
  await load(ctx);
  await ctx.page.focus('#incident-rows [data-incident="inc_p2"] .incident-link');
  await ctx.page.keyboard.press('Enter');
  await ctx.page.waitForFunction(() => document.activeElement?.matches('#detail h3') && document.activeElement.textContent?.includes('inc_p2'));
  // Backwards from the page's end: each control scrolled into view must show below the sticky top bar.
  await ctx.page.focus('#machine-list summary');
  const hidden: string[] = [];
  for (let n = 0; n < 80; n++) {
    await ctx.page.keyboard.press('Shift+Tab');
    const seen = await ctx.page.evaluate(`(() => {
      const el = document.activeElement;
      if (!el || el === document.body || el.closest('.topbar')) return null;
      const bar = document.querySelector('.topbar').getBoundingClientRect().bottom;
      const box = el.getBoundingClientRect();
      const ring = getComputedStyle(el).outlineStyle !== 'none';
      return { what: el.tagName.toLowerCase() + ' ' + (el.textContent || el.getAttribute('aria-label') || el.name || '').trim().slice(0, 30), top: box.top, bar, ring };
    })()`) as { what: string; top: number; bar: number; ring: boolean } | null;
    if (!seen) break;
    if (seen.top < seen.bar - 1) hidden.push(`${seen.what}: top ${Math.round(seen.top)} under the bar's ${Math.round(seen.bar)}`);
    if (!seen.ring) hidden.push(`${seen.what}: no focus ring`);
  }
  assert.equal(hidden, []);
  assert.equal(ctx.problems, []);
});

a11y('with reduced motion asked for, nothing on the page moves by itself', async (ctx) => {
  await ctx.page.emulateMedia({ reducedMotion: 'reduce' });
  await load(ctx);
  await ctx.page.click('#incident-rows tr[data-incident="inc_p0"]');
  await ctx.page.waitForSelector('#detail .diagram[data-drawn] svg');
  const moving = await ctx.page.evaluate(`[...document.querySelectorAll('*')].filter((el) => {
    const s = getComputedStyle(el);
    return s.animationName !== 'none' || s.transitionDuration.split(',').some((d) => parseFloat(d) > 0) || s.scrollBehavior === 'smooth';
  }).map((el) => el.tagName + '.' + el.className)`);
  assert.equal(moving, []);
  assert.is(await ctx.page.evaluate('document.getAnimations().length'), 0);
});

a11y('a screen reader is told when the page loses the watcher', async (ctx) => {
  await load(ctx);
  await ctx.watcher.close();
  await ctx.page.locator('#announcer p', { hasText: 'Connection to the watcher lost' }).waitFor();
  assert.is(await ctx.page.locator('#conn').textContent(), '○ reconnecting…');
  ctx.problems.length = 0; // the stream's failure was asked for
  ctx.watcher = await startWatcher({ store: ctx.store }); // for after.each to close
});

a11y('paging the audit log and showing more incidents keep the focus on the button pressed, live entries arriving meanwhile', async (ctx) => {
  for (let n = 0; n < 150; n++) ctx.store.appendAudit(auditEntry({ id: `aud_k${n}`, message: `entry ${n}` }));
  for (let n = 0; n < 401; n++) ctx.store.put('incidents', incident({ id: `inc_k${n}`, status: 'closed', state: 'closed', detectedAt: at(-1000 - n) }));
  await load(ctx);
  const focused = () => ctx.page.evaluate(() => document.activeElement?.textContent ?? '');
  const info = (text: string) => ctx.page.waitForFunction((text) => document.querySelector('#audit-pager .page-info')?.textContent === text, text);
  await ctx.page.focus('#audit-pager button:has-text("Next")');
  // On the newest page the log follows new entries: the pager is drawn again under the focus.
  ctx.store.appendAudit(auditEntry({ id: 'aud_live', message: 'live' }));
  await info('1–50 of 153');
  assert.is(await focused(), 'Next ›', 'a live entry');
  await ctx.page.keyboard.press('Enter');
  await info('51–100 of 153');
  assert.is(await focused(), 'Next ›', 'Next pressed');
  await ctx.page.locator('#announcer p', { hasText: 'Audit log: entries 51–100 of 153.' }).waitFor();
  await ctx.page.keyboard.press('Enter');
  await info('101–150 of 153');
  await ctx.page.keyboard.press('Enter');
  await info('151–153 of 153');
  assert.is(await focused(), '‹ Prev', 'Next disabled on the last page: the nearest button before it');
  await ctx.page.focus('#incident-count button');
  await ctx.page.keyboard.press('Enter');
  await ctx.page.waitForFunction(() => document.querySelector('#incident-count')?.textContent?.startsWith('400 shown'));
  assert.is(await focused(), 'show 5 more');
});

a11y('a decision answered elsewhere meanwhile: the refusal is said where the keyboard user pressed Deny, and keeps the focus', async (ctx) => {
  await load(ctx);
  await ctx.page.fill('#by', 'Dana');
  // Someone answers in another window just before this page's answer arrives.
  await ctx.page.route('**/api/decisions/dec_1', async (route) => {
    ctx.store.put('decisions', { ...ctx.store.get('decisions', 'dec_1')!, status: 'approved', by: 'Lee', answeredAt: new Date().toISOString() });
    await route.fulfill({ status: 409, contentType: 'application/json', body: JSON.stringify({ error: 'watcher: the engine refused the answer: incident-flow: decision "dec_1" is already approved' }) });
  });
  await ctx.page.focus('#decision-list [data-decision="dec_1"] button.deny');
  await ctx.page.keyboard.press('Enter');
  await ctx.page.locator('#decision-list .calm', { hasText: 'No decision waiting' }).waitFor();
  await ctx.page.waitForFunction(() => document.activeElement?.matches('#decision-list .answered'));
  assert.is(await ctx.page.locator('#decision-list .answered').textContent(),
    'Not answered: "rollback" for inc_p0. watcher: the engine refused the answer: incident-flow: decision "dec_1" is already approved');
  ctx.problems.length = 0; // the 409 was asked for
});

a11y('a filter the reader changes says how many match; the counts a live run changes are not read out', async (ctx) => {
  await load(ctx);
  const said = () => ctx.page.locator('#announcer p').allTextContents();
  await ctx.page.check('#incident-filter input[name=severity][value=P0]');
  await ctx.page.locator('#announcer p', { hasText: '1 incident matches the filter.' }).waitFor();
  await ctx.page.selectOption('#audit-filter select[name=level]', 'error');
  await ctx.page.locator('#announcer p', { hasText: 'Audit log: 1 entry matches the filter.' }).waitFor();
  assert.equal(await said(), ['1 incident matches the filter.', 'Audit log: 1 entry matches the filter.']);
});

a11y('a count of a thousand or more is said with its separator, in the incident list as in the audit log', async (ctx) => {
  for (let i = 0; i < 1200; i++) {
    ctx.store.put('incidents', incident({ id: `inc_many${i}`, severity: 'P2', detectedAt: at(-1000 - i) }));
    ctx.store.appendAudit(auditEntry({ entityId: `inc_many${i}`, level: 'error' }));
  }
  await load(ctx);
  await ctx.page.check('#incident-filter input[name=severity][value=P2]');
  await ctx.page.locator('#announcer p', { hasText: '1,201 incidents match the filter.' }).waitFor();
  // What the list shows says it alike.
  assert.match(await ctx.page.locator('#incident-count').textContent() ?? '', /^\d+ shown of 1,201 matching /);
  await ctx.page.selectOption('#audit-filter select[name=level]', 'error');
  await ctx.page.locator('#announcer p', { hasText: 'Audit log: 1,201 entries match the filter.' }).waitFor();
});

a11y('reflows in a 320 px window (WCAG 1.4.10): nothing but a table\'s own box scrolls sideways', async (ctx) => {
  await ctx.page.setViewportSize({ width: 320, height: 700 });
  await load(ctx);
  await ctx.page.click('#incident-rows tr[data-incident="inc_old"]');
  await ctx.page.waitForSelector('#detail .review');
  // What spills out of its box, outside the boxes that scroll on purpose (tables, diagrams).
  const wide = await ctx.page.evaluate(`[...document.querySelectorAll('body *')].filter((el) =>
    !el.closest('.scroll, .md-scroll, .diagram') && getComputedStyle(el).overflowX === 'visible' && el.scrollWidth > el.clientWidth + 1
  ).map((el) => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + ' ' + el.scrollWidth + ' > ' + el.clientWidth)`);
  assert.equal(wide, []);
  assert.ok(await ctx.page.evaluate('document.documentElement.scrollWidth <= innerWidth'), 'the page does not scroll sideways');
});

a11y('a slow answer for an earlier redraw does not bring back the banners as they were (nor say an incident twice)', async (ctx) => {
  await load(ctx);
  // The first banners request after this is answered with what the server says then, but late.
  let release = () => {};
  let held: Promise<void> | null = null;
  const heldNow = new Promise<void>((resolve) => {
    void ctx.page.route((url) => url.pathname.endsWith('/api/incidents') && url.searchParams.get('status') === 'active', async (route) => {
      if (held) return route.continue();
      held = new Promise<void>((r) => (release = r));
      const response = await route.fetch();
      resolve();
      await held;
      await route.fulfill({ response });
    });
  });
  ctx.store.put('incidents', incident({ id: 'inc_a', severity: 'P1', detectedAt: at(40) }));
  await heldNow;
  ctx.store.put('incidents', incident({ id: 'inc_b', severity: 'P3', detectedAt: at(41) }));
  await ctx.page.locator('#banners [data-incident="inc_b"]').waitFor();
  release();
  await ctx.page.waitForTimeout(500);
  assert.is(await ctx.page.locator('#banners [data-incident="inc_b"]').count(), 1, 'inc_b stays');
  ctx.store.put('incidents', { ...ctx.store.get('incidents', 'inc_old')!, assignee: 'cheryl' });
  await ctx.page.waitForFunction(() => document.querySelector('#incident-rows [data-incident="inc_old"]')?.textContent?.includes('Cheryl (Support)'));
  await ctx.page.waitForTimeout(500);
  const said = (await ctx.page.locator('#announcer p').allTextContents()).map((t) => t.split(' ')[3]);
  assert.equal(said.sort(), ['inc_a', 'inc_b']);
});

a11y('a screen reader hears words, not symbols: an untriaged incident\'s badge, the connection pill', async (ctx) => {
  await load(ctx);
  assert.is(await ctx.page.locator('#incident-rows tr[data-incident="inc_auto"] td').first().ariaSnapshot(), '- cell "untriaged"');
  assert.is(await ctx.page.locator('#conn').ariaSnapshot(), '- text: live');
});

a11y('another incident opens afresh: the last one\'s timeline scroll and opened stack trace are not carried over', async (ctx) => {
  for (const id of ['inc_p0', 'inc_p2']) {
    ctx.store.put('incidents', { ...ctx.store.get('incidents', id)!, error: { message: 'down', name: 'Error', retryable: false, stack: 'Error: down\n    at x (x.ts:1:1)' } });
    for (let n = 0; n < 40; n++) ctx.store.appendAudit(auditEntry({ id: `aud_${id}_${n}`, entityId: id, message: `step ${n}` }));
  }
  await load(ctx);
  await ctx.page.click('#incident-rows tr[data-incident="inc_p0"]');
  await ctx.page.locator('#detail tr[data-audit="aud_inc_p0_39"]').waitFor();
  await ctx.page.click('#detail details summary');
  await ctx.page.locator('#detail .scroll').evaluate((el) => { el.scrollTop = 400; });
  await ctx.page.click('#incident-rows tr[data-incident="inc_p2"]');
  await ctx.page.locator('#detail tr[data-audit="aud_inc_p2_39"]').waitFor();
  assert.is(await ctx.page.locator('#detail .scroll').evaluate((el) => el.scrollTop), 0);
  assert.is(await ctx.page.locator('#detail details').evaluate((el) => (el as HTMLDetailsElement).open), false);
});

a11y('the focused banner going (its incident resolved) hands the focus to the banner now in its place', async (ctx) => {
  await load(ctx);
  await ctx.page.focus('#banners [data-incident="inc_p2"] .incident-link');
  ctx.store.put('incidents', { ...ctx.store.get('incidents', 'inc_p2')!, status: 'resolved', state: 'resolved', resolvedAt: at(60) });
  await ctx.page.locator('#banners [data-incident="inc_p2"]').waitFor({ state: 'detached' });
  assert.is(await ctx.page.evaluate(() => document.activeElement?.closest<HTMLElement>('[data-incident]')?.dataset.incident), 'inc_p0');
});

a11y('after answering one of two decisions from the keyboard, the focus is on the confirmation, not on the next card\'s button', async (ctx) => {
  ctx.store.put('incidents', incident({ id: 'inc_two', severity: 'P0', status: 'executive', state: 'executive.awaitingDecision', assignee: 'atlas', decisionId: 'dec_2', detectedAt: at(56) }));
  ctx.store.put('decisions', { id: 'dec_2', incidentId: 'inc_two', action: 'fail over', status: 'pending', requestedAt: at(57), answeredAt: null, by: null, timeoutAt: at(72) });
  await load(ctx);
  await ctx.page.fill('#by', 'Dana');
  await ctx.page.locator('#decision-list [data-decision="dec_2"]').waitFor();
  const first = await ctx.page.locator('#decision-list [data-decision]').first().getAttribute('data-decision');
  await ctx.page.focus(`#decision-list [data-decision="${first}"] button.approve`);
  await ctx.page.keyboard.press('Enter');
  await ctx.page.locator(`#decision-list [data-decision="${first}"]`).waitFor({ state: 'detached' });
  await ctx.page.waitForFunction(() => document.activeElement?.matches('#decision-list .answered'));
  assert.match((await ctx.page.locator('#decision-list .answered').textContent())!, /^Approved ".+" for inc_\w+, as Dana\.$/);
});

a11y('buttons and fields show their edges: border contrast 3:1 against the panel (WCAG 1.4.11)', async (ctx) => {
  await load(ctx);
  const faint = await ctx.page.evaluate(`(() => {
    const rgba = (c) => { const m = c.match(/[\\d.]+/g).map(Number); return [m[0], m[1], m[2], m[3] ?? 1]; };
    const lum = ([r, g, b]) => { const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; }; return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b); };
    const behind = (el) => { for (let n = el.parentElement; n; n = n.parentElement) { const c = rgba(getComputedStyle(n).backgroundColor); if (c[3] > 0) return c; } return [255, 255, 255, 1]; };
    const ratio = (a, b) => { const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p); return (x + 0.05) / (y + 0.05); };
    return [...document.querySelectorAll('button:not(:disabled), input:not([type=checkbox]), select')].filter((el) => {
      const s = getComputedStyle(el);
      if (!el.getClientRects().length || s.borderTopStyle === 'none' || parseFloat(s.borderTopWidth) === 0) return false;
      const edge = Math.max(ratio(rgba(s.borderTopColor), behind(el)), ratio(rgba(s.backgroundColor), behind(el)));
      return edge < 3;
    }).map((el) => el.tagName.toLowerCase() + ' ' + (el.name || el.textContent.trim()));
  })()`);
  assert.equal(faint, []);
});

a11y.run();
