import { existsSync, mkdirSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { renderHtmlReport } from '../reports/html.js';
import { computeMetrics } from '../reports/metrics.js';
import { makeIncident, manyIncidents } from './fixtures/incidents.js';

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

Browser('loads with no request beyond the file, no console error, and lays out every chart', async () => {
  // A missing browser is a failure, not a skip: the report must be checked in one.
  assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: install Debian's chromium package`);
  const dir = process.env.REPORT_SCREENSHOT_DIR ?? mkdtempSync(join(tmpdir(), 'incident-flow-report-'));
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'report.html');
  writeFileSync(file, render());
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    timeout: 60_000,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
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
    const shot = join(dir, 'report.png');
    await page.screenshot({ path: shot, fullPage: true });
    assert.ok(statSync(shot).size > 10_000);
  } finally {
    await browser.close();
  }
});

Browser.run();
