import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { metricsFromStore } from '../reports/metrics.js';
import { reportCommand } from '../reports/reportCommand.js';
import { openStore } from '../store/index.js';
import { createMemoryStore } from '../store/memoryStore.js';
import { at, makeIncident, manyIncidents } from './fixtures/incidents.js';

const Command = suite('reportCommand');

Command('prints a metrics table by severity with the funnel, statuses and weeks', () => {
  const store = createMemoryStore();
  store.put('incidents', makeIncident({ id: 'a', severity: 'P0', respondedAt: at(3), resolvedAt: at(40) }));
  store.put('incidents', makeIncident({ id: 'b', severity: 'P2' }));
  const { text, html } = reportCommand(store);
  assert.is(html, undefined);
  const lines = text.split('\n');
  assert.match(lines[2], /^Severity\s+Incidents\s+MTTD\s+MTTR \(respond\)/);
  assert.ok(lines.some((l) => /^P0\s+1\s+0s\s+3m 00s\s+40m 00s\s+40m 00s\s+40m 00s\s+40m 00s\s+100\.0% \(1\/1\)/.test(l)), text);
  assert.ok(lines.some((l) => /^All\s+2\s/.test(l)));
  // The max run's summary prints: a long incident among short ones shows in it, not in the p95.
  assert.match(lines[2], /\sp95 resolve\s+Max resolve\s+SLA met\s/);
  assert.ok(lines.some((l) => /^All\s+2\s+0s\s+6m 30s\s+50m 00s\s+50m 00s\s+59m 00s\s+1h 00m\s+100\.0% \(2\/2\)/.test(l)), text);
  assert.match(text, 'Escalation funnel: detected 2 → retried 0 (0.0%)');
  assert.match(text, 'By status: resolved 2');
  assert.match(text, /2026-W10\s+2\s+1\s+0\s+1\s+0\s+0/);
});

Command('filters on the range and returns JSON when asked', () => {
  const store = createMemoryStore();
  for (const i of manyIncidents()) store.put('incidents', i);
  const { text } = reportCommand(store, { from: '2026-03-09T00:00:00.000Z', to: '2026-03-16T00:00:00.000Z', json: true });
  const parsed = JSON.parse(text);
  assert.equal(parsed.range, { from: '2026-03-09T00:00:00.000Z', to: '2026-03-16T00:00:00.000Z' });
  assert.equal(parsed.weeks.map((w: { week: string }) => w.week), ['2026-W11']);
  assert.is(parsed.overall.incidents, parsed.weeks[0].incidents);
});

Command('returns the HTML page when --html is given, and the same bytes every time', () => {
  const store = createMemoryStore();
  for (const i of manyIncidents()) store.put('incidents', i);
  const first = reportCommand(store, { html: 'out.html' });
  const second = reportCommand(store, { html: 'out.html' });
  assert.ok(first.html?.startsWith('<!doctype html>'));
  assert.is(first.html, second.html);
  assert.is(first.text, second.text);
});

Command('lists the incidents once and says how many the store holds, for the CLI to say beside the page', () => {
  const store = createMemoryStore();
  for (const i of manyIncidents()) store.put('incidents', i);
  let lists = 0;
  const counted = { list: ((table: 'incidents') => (lists++, store.list(table))) as typeof store.list };
  const { incidents } = reportCommand(counted, { html: 'out.html', from: '2026-03-09T00:00:00.000Z' });
  assert.is(incidents, store.list('incidents').length);
  assert.is(lists, 1);
});

Command('says so when there is nothing in range', () => {
  assert.match(reportCommand(createMemoryStore()).text, 'No incidents in range.');
});

Command.run();

const FromFile = suite('metricsFromStore on a store file opened read-only');

FromFile('reads the incidents another process committed', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'incident-flow-reports-'));
  try {
    const file = join(dir, 'run.json');
    const writer = await openStore(file);
    writer.put('incidents', makeIncident({ id: 'a', severity: 'P1', respondedAt: at(5) }));
    writer.put('incidents', makeIncident({ id: 'b', severity: 'P1', respondedAt: at(15) }));
    await writer.close();
    const reader = await openStore(file, { readonly: true });
    try {
      const m = metricsFromStore(reader);
      assert.is(m.bySeverity.P1.incidents, 2);
      assert.is(m.bySeverity.P1.mttrMs, 10 * 60_000);
    } finally {
      await reader.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

FromFile.run();
