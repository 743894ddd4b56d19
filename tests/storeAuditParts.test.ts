import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AuditEntry } from '../machines/types.js';
import { createRandom } from '../sim/random.js';
import { AuditFile } from '../store/auditFile.js';
import { AuditIndexWriter, PART_ROWS } from '../store/auditIndexFile.js';
import { AuditLog } from '../store/auditLog.js';
import { CACHE_BYTES } from '../store/auditParts.js';
import { openStore, StoreError, type AuditQuery } from '../store/index.js';

const REOPEN_CHILD = fileURLToPath(new URL('./helpers/reopenHeldChild.ts', import.meta.url));

const parts = suite('audit index parts: a writer reads committed rows back from its side file');

const iso = (i: number) => new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString();

/** Row `i` of a rehearsal-like log: a few agents and levels, an entity id per few rows. */
function row(i: number, r: () => number): AuditEntry {
  return {
    id: `aud_${i}`, ts: iso(i), actor: 'engine', entityType: 'incident', entityId: r() < 0.3 ? `job_${i}` : `inc_${Math.floor(i / 5)}`,
    action: r() < 0.25 ? 'incident.detected' : 'incident.triage', level: r() < 0.05 ? 'error' : 'info', message: `row ${i}`,
    meta: { agent: `agent_${Math.floor(r() * 9)}`, workflow: `wf_${Math.floor(r() * 4)}` },
  };
}

/** A writer's log over files in a new folder, committed as a store commits: lines appended, then the side file's parts. */
function writerLog() {
  const dir = mkdtempSync(join(tmpdir(), 'incident-flow-audit-parts-'));
  const [auditPath, sideFile] = [join(dir, 'run.audit.jsonl'), join(dir, 'run.audit.idx')];
  writeFileSync(auditPath, '');
  const file = new AuditFile(auditPath);
  const log = new AuditLog(file, { persist: true, sideFile });
  const writer = new AuditIndexWriter(sideFile, { parts: [], rows: 0, bytes: 0, fileBytes: 0 });
  let committed = 0;
  const commit = async () => {
    appendFileSync(auditPath, Buffer.concat(log.bytes(committed, log.length)));
    log.committed((committed = log.length), file);
    await writer.extend(log, committed);
  };
  return { log, sideFile, commit, close: async () => (file.close(), await writer.close()) };
}

/** Asserts that `query` answers on `log` what a memory log fed `rows` answers. */
function sameAnswer(log: AuditLog, rows: AuditEntry[], query: AuditQuery): void {
  const memory = new AuditLog();
  for (const entry of rows) memory.append(entry);
  assert.equal(log.query(query), memory.query(query), JSON.stringify(query));
}

parts('what a writer holds for its committed rows stops growing with them once they are in the side file (Cheryl asking agent and level all along)', async () => {
  const { log, commit, close } = writerLog();
  const r = createRandom(11);
  const rows: AuditEntry[] = [];
  const held: number[] = [];
  for (let part = 1; part <= 24; part++) {
    for (let k = 0; k < PART_ROWS; k++) rows.push(row(rows.length, r));
    for (const entry of rows.slice(-PART_ROWS)) log.append(entry);
    await commit();
    // Cheryl's two reads (agents/cheryl.ts): errors of an agent since a time, its last rows.
    const since = iso(rows.length - 3 * PART_ROWS);
    const errors = rows.filter((e) => e.meta?.agent === 'agent_2' && e.level === 'error' && e.ts >= since);
    assert.is(log.query({ agent: 'agent_2', level: 'error', since, limit: 0 }).total, errors.length);
    const last = rows.filter((e) => e.meta?.agent === 'agent_4').slice(-5).reverse();
    assert.equal(log.query({ agent: 'agent_4', order: 'desc', limit: 5 }).rows, last);
    if (part === 6 || part === 24) held.push(log.rowBytes);
    assert.ok(log.readBackBytes <= CACHE_BYTES + 4 * PART_ROWS * 8, `read back: ${log.readBackBytes} bytes`);
  }
  // 18 parts more (73,728 rows) add less than a byte a row: the parts' value counts only.
  assert.ok(held[1] - held[0] < 18 * PART_ROWS, `held ${held[0]} bytes after 6 parts, ${held[1]} after 24`);
  // Every field answered from the parts, as a log holding every row answers.
  for (const query of [{ action: 'incident.detected', limit: 0 }, { entityId: 'inc_77' }, { entityId: `job_${rows.findIndex((e) => e.entityId.startsWith('job_'))}` },
    { workflow: 'wf_1', level: 'error', order: 'desc', offset: 30, limit: 10 }, { agent: 'agent_1', offset: 9000, limit: 3 }, { since: iso(50_000), until: iso(50_010) }] satisfies AuditQuery[]) {
    sameAnswer(log, rows, query);
  }
  await close();
});

parts('rows read back in any order, across parts and the rows after them, are the rows written (the part last read is kept)', async () => {
  const { log, commit, close } = writerLog();
  const r = createRandom(29);
  const rows: AuditEntry[] = [];
  for (let part = 1; part <= 5; part++) {
    for (let k = 0; k < PART_ROWS; k++) log.append(rows[rows.length] = row(rows.length, r));
    await commit();
  }
  for (let k = 0; k < 100; k++) log.append(rows[rows.length] = row(rows.length, r));
  // Jumps between parts, runs within one, back and forth over each part's edges.
  const picks = [0, PART_ROWS - 1, PART_ROWS, 3 * PART_ROWS + 7, 2, 5 * PART_ROWS + 50, 4 * PART_ROWS - 1, 4 * PART_ROWS, 1];
  for (let i = 0; i < 200; i++) picks.push(Math.floor(r() * rows.length));
  for (const pos of picks) assert.equal(log.entry(pos), rows[pos], `row ${pos}`);
  assert.equal(log.entries(2 * PART_ROWS - 3, 2 * PART_ROWS + 3), rows.slice(2 * PART_ROWS - 3, 2 * PART_ROWS + 3));
  // A column's values read in the same jumps: a level asked row by row through a query's matcher.
  for (const agent of ['agent_3', 'agent_8']) sameAnswer(log, rows, { agent, level: 'error', order: 'desc', limit: 0 });
  await close();
});

parts('a side file cut or changed under a writer: the rows it held are read from the audit file instead', async () => {
  const { log, sideFile, commit, close } = writerLog();
  const r = createRandom(12);
  const rows: AuditEntry[] = [];
  for (let part = 0; part < 5; part++) {
    for (let k = 0; k < PART_ROWS; k++) rows.push(row(rows.length, r));
    for (const entry of rows.slice(-PART_ROWS)) log.append(entry);
    await commit();
  }
  const queries = [{ agent: 'agent_3', level: 'error' }, { entityId: 'inc_100' }, { order: 'desc', offset: 5000, limit: 4 }, { action: 'incident.detected', limit: 2 }] satisfies AuditQuery[];
  // Changed in place, its length kept: each part's arrays no longer match their CRC.
  const bytes = readFileSync(sideFile);
  for (let at = 64; at < bytes.length; at += 997) bytes[at] ^= 0xff;
  writeFileSync(sideFile, bytes);
  for (const query of queries) sameAnswer(log, rows, query);
  truncateSync(sideFile, 1000);
  for (const query of queries) sameAnswer(log, rows, query);
  await close();
});

parts('the audit file changed under a writer too: a StoreError naming it, not a wrong answer', async () => {
  const { log, sideFile, commit, close } = writerLog();
  const r = createRandom(15);
  for (let part = 0; part < 3; part++) {
    for (let k = 0; k < PART_ROWS; k++) log.append(row(log.length, r));
    await commit();
  }
  truncateSync(sideFile, 1000);
  const audit = sideFile.replace(/\.idx$/, '.jsonl');
  writeFileSync(audit, readFileSync(audit, 'utf8').replace(/"row (\d+)"/g, '"row #$1"'));
  assert.throws(
    () => log.query({ order: 'desc', offset: 5000, limit: 4 }),
    (e: unknown) => e instanceof StoreError && e.code === 'corrupt' && e.file === audit && /no longer where this store wrote them/.test(e.message),
  );
  await close();
});

parts('a writer reopening a store lets go of the rows its side file holds, and answers from there as before', async () => {
  const file = join(mkdtempSync(join(tmpdir(), 'incident-flow-audit-parts-')), 'run.json');
  const r = createRandom(13);
  const rows = Array.from({ length: 5 * PART_ROWS + 321 }, (_, i) => row(i, r));
  const first = await openStore(file, { autoCommit: false });
  for (const entry of rows) first.appendAudit(entry);
  await first.close();
  const writer = await openStore(file, { autoCommit: false });
  const queries: AuditQuery[] = [{ agent: 'agent_5', level: 'error' }, { agent: 'agent_5', order: 'desc', limit: 5 }, { entityId: 'inc_10' }, { action: 'incident.detected', offset: 2000, limit: 3 }, { order: 'desc', offset: 7000, limit: 2 }];
  const check = (all: AuditEntry[]) => {
    const memory = new AuditLog();
    for (const entry of all) memory.append(entry);
    for (const query of queries) assert.equal(writer.queryAudit(query), memory.query(query), JSON.stringify(query));
  };
  check(rows);
  // Rows committed after the open go into parts of their own, answered alike.
  const more = Array.from({ length: 2 * PART_ROWS }, (_, i) => row(rows.length + i, r));
  for (const entry of more) writer.appendAudit(entry);
  await writer.flush();
  check([...rows, ...more]);
  await writer.close();
});

parts('a writer reopening a store keeps no view of the side file it read: its bytes are not held while the writer runs', async () => {
  const file = join(mkdtempSync(join(tmpdir(), 'incident-flow-audit-parts-')), 'run.json');
  const r = createRandom(14);
  const first = await openStore(file, { autoCommit: false });
  for (let i = 0; i < 40 * PART_ROWS; i++) first.appendAudit(row(i, r));
  await first.close();
  // Measured in a process of its own: nothing else allocates there while the open is measured.
  const child = spawnSync(process.execPath, ['--expose-gc', '--import', import.meta.resolve('tsx'), REOPEN_CHILD, file], { encoding: 'utf8' });
  assert.is(child.status, 0, child.stderr);
  const { held, sideFile, errors } = JSON.parse(child.stdout) as { held: number; sideFile: number; errors: number };
  assert.ok(errors > 0, 'the reopened writer answers from the parts');
  // The values' own numbers are kept (a few bytes each); the file read whole at open is not.
  assert.ok(held < sideFile / 2, `held ${held} bytes of ArrayBuffers after the open, the side file is ${sideFile}`);
});

parts.run();
