import { existsSync, mkdirSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { MAX_DOTS } from '../reports/distributionChart.js';
import { MAX_LISTED, renderHtmlReport } from '../reports/html.js';
import type { IncidentRecord } from '../machines/types.js';
import { computeMetrics } from '../reports/metrics.js';
import { at, makeIncident, manyIncidents } from './fixtures/incidents.js';

const XSS = '<script>alert(1)</script>';
const render = (incidents = manyIncidents()) =>
  renderHtmlReport({ title: `Incident report ${XSS}`, incidents, metrics: computeMetrics(incidents) });

const Page = suite('renderHtmlReport');

Page('is one self-contained page with the four charts, the metrics table and the incidents', () => {
  const html = render();
  assert.ok(html.startsWith('<!doctype html>'));
  assert.is((html.match(/<svg /g) ?? []).length, 4);
  for (const label of [
    'Incidents per ISO week, stacked by severity',
    'Time to resolve per severity against its resolution target',
    'Escalation funnel: detected, retried, Cheryl, Petra, Atlas',
    'Auto-resolve and repeat incident rates per ISO week',
  ]) assert.match(html, `aria-label="${label}"`);
  assert.match(html, 'ISO week of detection');
  assert.match(html, 'Time from detection to resolution (log scale)');
  assert.match(html, '<ul class="legend">');
  assert.is((html.match(/<tr>/g) ?? []).length, 1 + 6 + 1 + 42, 'metrics header + 6 rows, incidents header + 42 rows');
});

Page('references no network resource and runs no script', () => {
  const html = render();
  assert.not.match(html, /https?:\/\//);
  assert.not.match(html, /<script/i);
  assert.not.match(html, /\b(src|href)="(?!data:)/);
  assert.match(html, `content="default-src 'none'; style-src 'unsafe-inline'; img-src data:"`);
});

Page('escapes data strings in the title, the tables and the chart tooltips', () => {
  const incidents = manyIncidents();
  incidents[0] = { ...incidents[0], agent: '"><img src=x onerror=alert(2)>' };
  const html = render(incidents);
  assert.match(html, '<title>Incident report &lt;script&gt;alert(1)&lt;/script&gt;</title>');
  assert.match(html, '<td>&lt;script&gt;alert(1)&lt;/script&gt;</td>');
  assert.match(html, '&quot;&gt;&lt;img src=x onerror=alert(2)&gt;');
  assert.not.match(html, '<img');
});

Page('is byte-identical for the same input', () => {
  assert.is(render(), render(manyIncidents()));
});

Page('renders an empty report without NaN', () => {
  const html = renderHtmlReport({ title: 'Empty', incidents: [], metrics: computeMetrics([]) });
  assert.not.match(html, /NaN|Infinity|undefined/);
  assert.match(html, 'No incidents in range');
});

Page('draws only the incidents inside the metrics range', () => {
  const incidents = [
    makeIncident({ id: 'inside', detectedAt: '2026-03-02T09:00:00.000Z' }),
    makeIncident({ id: 'outside', detectedAt: '2026-02-02T09:00:00.000Z' }),
  ];
  const html = renderHtmlReport({ title: 'R', incidents, metrics: computeMetrics(incidents, { from: '2026-03-01T00:00:00.000Z' }) });
  assert.match(html, '>inside<');
  assert.not.match(html, 'outside');
});

Page.run();

const CHROMIUM = '/usr/bin/chromium';
const Browser = suite('renderHtmlReport in headless Chromium');

/** Writes `html` to a temporary folder (or REPORT_SCREENSHOT_DIR) and opens it in headless Chromium. */
async function openReport(html: string, name: string) {
  // A missing browser is a failure, not a skip: the report must be checked in one.
  assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: install Debian's chromium package`);
  const dir = process.env.REPORT_SCREENSHOT_DIR ?? mkdtempSync(join(tmpdir(), 'incident-flow-report-'));
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${name}.html`);
  writeFileSync(file, html);
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    timeout: 60_000,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
  return { browser, page, file, shot: join(dir, `${name}.png`) };
}

Browser('loads with no request beyond the file, no console error, and lays out every chart', async () => {
  const { browser, page, file, shot } = await openReport(render(), 'report');
  try {
    const problems: string[] = [];
    const requests: string[] = [];
    page.on('console', (m) => { if (m.type() === 'error') problems.push(`console: ${m.text()}`); });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()}`));
    page.on('request', (r) => requests.push(r.url()));
    await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
    assert.equal(problems, []);
    assert.equal(requests, [pathToFileURL(file).href]);
    assert.is(await page.title(), `Incident report ${XSS}`);
    const layout = await page.evaluate(() => ({
      scripts: document.querySelectorAll('script').length,
      charts: [...document.querySelectorAll('svg')].map((s) => s.getBoundingClientRect().width),
      bars: document.querySelectorAll('svg rect').length,
      dots: document.querySelectorAll('svg circle').length,
      overflow: document.documentElement.scrollWidth - document.documentElement.clientWidth,
      cell: [...document.querySelectorAll('td')].some((td) => td.textContent === '<script>alert(1)</script>'),
    }));
    assert.is(layout.scripts, 0, 'the data string stays text');
    assert.ok(layout.cell, 'the data string is shown literally');
    assert.is(layout.charts.length, 4);
    for (const width of layout.charts) assert.ok(width > 600, `chart width ${width}`);
    assert.ok(layout.bars > 10 && layout.dots > 30, JSON.stringify(layout));
    assert.is(layout.overflow, 0, 'nothing overflows the page horizontally');
    await page.screenshot({ path: shot, fullPage: true });
    assert.ok(statSync(shot).size > 10_000);
  } finally {
    await browser.close();
  }
});

/**
 * A month of a 200-agent fleet as a large store holds it: 20,000 incidents, most settled by a
 * retry at once (0 s), every tenth escalated with a long root cause, P3s missing their window.
 */
function fleetMonth(): IncidentRecord[] {
  return Array.from({ length: 20_000 }, (_, k) => {
    const id = `inc_${String(k).padStart(16, '0')}`;
    const agent = `agent-${String(k % 200).padStart(3, '0')}`;
    const base = { id, agent, workflow: `${agent}-wf${k % 2}`, tenant: `tenant-${String(k % 20).padStart(2, '0')}`, detectedAt: at(k * 2) };
    if (k % 20 === 5) return makeIncident({ ...base, severity: 'P3', resolvedAt: at(k * 2 + (k % 3 === 0 ? 8 * 1440 : 40)) });
    if (k % 10 === 0) {
      return makeIncident({
        ...base, severity: k % 1000 === 0 ? 'P0' : 'P2', status: 'closed', resolvedAt: at(k * 2 + 90),
        rootCause: `${agent}-wf1:Database connection pool exhausted: timeout acquiring a connection after <n>ms`,
        escalations: [{ from: 'cheryl', to: 'petra', criteria: ['needs-change'], at: at(k * 2 + 5) }],
      });
    }
    return makeIncident({ ...base, severity: 'P2', status: 'closed', autoResolved: true, respondedAt: base.detectedAt, resolvedAt: base.detectedAt });
  });
}

Browser('a large store\'s report: a page of readable length, the incidents table within its box, 0 s resolves placed and labelled, samples within the cap', async () => {
  const incidents = fleetMonth();
  const { browser, page, file, shot } = await openReport(render(incidents), 'large-report');
  try {
    await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
    const layout = (await page.evaluate(`(() => {
      const table = document.querySelector('table.incidents');
      const box = table.closest('section');
      const chart = [...document.querySelectorAll('svg')].find((s) => s.getAttribute('aria-label').startsWith('Time to resolve'));
      const axisLeft = Math.min(...[...chart.querySelectorAll('line.axis')].map((l) => l.getBoundingClientRect().left));
      const zeroDots = [...chart.querySelectorAll('circle')].filter((c) => c.textContent.includes('resolved in 0s'));
      const zeroLabel = [...chart.querySelectorAll('text')].find((t) => t.textContent === '0s');
      return {
        height: document.documentElement.scrollHeight,
        rows: table.tBodies[0].rows.length,
        overflow: box.scrollWidth - box.clientWidth,
        tableRight: table.getBoundingClientRect().right, boxRight: box.getBoundingClientRect().right,
        zeroDots: zeroDots.length,
        zeroLeft: Math.min(...zeroDots.map((c) => c.getBoundingClientRect().left)),
        axisLeft,
        zeroLabel: zeroLabel ? zeroLabel.getBoundingClientRect().left : null,
        drawn: [...chart.querySelectorAll('text')].map((t) => /^(\\d+) drawn$/.exec(t.textContent)).filter(Boolean).map((m) => Number(m[1])),
      };
    })()`)) as { height: number; rows: number; overflow: number; tableRight: number; boxRight: number; zeroDots: number; zeroLeft: number; axisLeft: number; zeroLabel: number | null; drawn: number[] };
    await page.screenshot({ path: shot, fullPage: true });
    // Before: every incident listed, 43,000-70,000 px tall.
    assert.ok(layout.height < 12_000, `page ${layout.height} px tall`);
    assert.is(layout.rows, MAX_LISTED);
    assert.match(await page.locator('section', { hasText: 'Not listed' }).locator('.note').textContent() ?? '', `${MAX_LISTED} of 20,000 incidents listed`);
    assert.ok(layout.overflow <= 0 && layout.tableRight <= layout.boxRight, `the table overflows its box by ${layout.overflow} px`);
    assert.ok(layout.zeroDots > 0, 'the 0 s resolves are drawn');
    assert.ok(layout.zeroLeft >= layout.axisLeft, `0 s dots start at ${layout.zeroLeft}, the plot at ${layout.axisLeft}`);
    assert.ok(layout.zeroLabel !== null, 'the 0s slot is labelled');
    assert.ok(layout.drawn.length >= 2 && layout.drawn.every((n) => n <= MAX_DOTS), `drawn labels ${layout.drawn.join(', ')}`);
  } finally {
    await browser.close();
  }
});

Browser.run();
