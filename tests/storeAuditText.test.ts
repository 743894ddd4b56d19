import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { AuditEntry } from '../machines/types.js';
import { AuditIndex } from '../store/auditIndex.js';
import { queryAudit, type AuditRows } from '../store/auditQuery.js';
import { AuditText } from '../store/auditText.js';
import { createMemoryStore } from '../store/index.js';
import { createRandom } from '../sim/random.js';

const text = suite('audit text search');

const PIECES = ['Disk full', 'timeout', 'Σίσυφος', 'İstanbul', 'café', '🚨 paged', 'inc_4', 'moved on', ''];
const pick = (r: () => number) => PIECES[Math.floor(r() * PIECES.length)];
/** A row's searched fields, some not strings (as a hand-written row may have). */
function fields(r: () => number, i: number): unknown[] {
  const odd = r() < 0.05 ? { nested: 'timeout' } : r() < 0.05 ? null : i;
  return [`${pick(r)} ${pick(r)} #${i}`, r() < 0.5 ? 'incident.triage' : 'incident.detected', r() < 0.2 ? 'Cheryl' : 'engine', r() < 0.9 ? `inc_${i % 97}` : odd];
}
const scan = (rows: unknown[][], needle: string) =>
  rows.flatMap((row, pos) => (row.some((value) => String(value ?? '').toLowerCase().includes(needle)) ? [pos] : []));
const NEEDLES = ['timeout', 'σίσυφος', 'i̇stanbul', 'inc_4', 'inc_4 ', '#1', '#4095', '🚨', 'moved on #12', 'object', 'engine', 'incident.', 'nowhere'];

text('finds what a scan of every field finds, across blocks, after truncations and more rows', () => {
  const r = createRandom(7);
  const t = new AuditText();
  let rows: unknown[][] = [];
  for (const [grow, cut] of [[10_000, 9_000], [3_000, 4_096], [5_000, 100], [9_000, 8_192], [1, 0]]) {
    for (let k = 0; k < grow; k++) {
      rows.push(fields(r, rows.length));
      t.add(rows.at(-1) as unknown[]);
    }
    for (const needle of NEEDLES) assert.equal(t.search(needle), scan(rows, needle), `${needle} at ${rows.length} rows`);
    assert.equal(t.search('timeout', 5_000), scan(rows.slice(0, 5_000), 'timeout'), 'bounded by size');
    rows = rows.slice(0, cut);
    t.truncate(cut);
    assert.is(t.size, cut);
    for (const needle of NEEDLES.slice(0, 4)) assert.equal(t.search(needle), scan(rows, needle), `${needle} after truncating to ${cut}`);
  }
  assert.not.ok(AuditText.accepts('a\u0000b'));
  assert.ok(AuditText.accepts('a b'));
});

const entry = (i: number, message: string): AuditEntry => ({
  id: `aud_${i}`, ts: new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString(), actor: 'engine', entityType: 'incident',
  entityId: `inc_${i}`, action: 'incident.triage', level: 'info', message, meta: { agent: `agent_${i % 3}` },
});

text('a store searched late builds its text from its rows, then keeps it up to date', () => {
  const store = createMemoryStore();
  for (let i = 0; i < 5_000; i++) store.appendAudit(entry(i, i % 1000 === 7 ? 'Disk FULL' : 'fine'));
  assert.equal(store.queryAudit({ text: 'disk full' }).rows.map((row) => row.id), ['aud_7', 'aud_1007', 'aud_2007', 'aud_3007', 'aud_4007']);
  store.appendAudit(entry(5_000, 'disk full again'));
  const page = store.queryAudit({ text: 'DISK full', agent: 'agent_2', order: 'desc' });
  assert.equal(page.rows.map((row) => row.id), ['aud_5000', 'aud_4007', 'aud_1007']);
  assert.is(store.queryAudit({ text: 'full', limit: 0 }).total, 6);
});

text('a needle holding a separator of the searched text is checked row by row', () => {
  const rows: AuditEntry[] = [entry(0, 'a\u0000b'), entry(1, 'ab')];
  const index = new AuditIndex({ text: true });
  rows.forEach((row) => index.add(row));
  const log: AuditRows = { length: rows.length, line: (pos) => JSON.stringify(rows[pos]), entry: (pos) => rows[pos] };
  assert.equal(queryAudit(log, index, { text: 'A\u0000B' }).rows, [rows[0]]);
  assert.equal(queryAudit(log, index, { text: 'b' }).total, 2);
});

text.run();
