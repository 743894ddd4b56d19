import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '../store/index.js';
import { auditRow } from './store.js';

/**
 * Memory held by the audit log of a file store, per row, and what committing and reading it
 * costs: appends ROWS typical audit rows (no auto-commit), flushes them in one commit,
 * reopens the store read-only, then queries it (indexed page, time range, text search).
 * Run with --expose-gc: node --expose-gc --import tsx bench/auditMemory.ts [rows]
 */
const rows = Number(process.argv[2] ?? 500_000);
const gc = (globalThis as { gc?: () => void }).gc ?? (() => undefined);
/**
 * JS heap plus ArrayBuffer memory (typed arrays: the index, the row offsets), after GCs a
 * turn of the event loop apart (dead ArrayBuffers are freed after the GC that finds them).
 */
const heap = async () => {
  gc();
  await new Promise((resolve) => setTimeout(resolve, 50));
  gc();
  const { heapUsed, arrayBuffers } = process.memoryUsage();
  return heapUsed + arrayBuffers;
};
const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MB`;
const perRow = (bytes: number) => `${mb(bytes)} (${(bytes / rows).toFixed(0)} B/row)`;
const since = (t: number) => `${(performance.now() - t).toFixed(0)} ms`;

/** Appends and commits the rows; the store is closed and unreachable once this returns. */
async function write(file: string, base: number): Promise<string> {
  const store = await openStore(file, { autoCommit: false });
  let t = performance.now();
  for (let i = 0; i < rows; i++) store.appendAudit(auditRow(i));
  const append = since(t);
  const appended = (await heap()) - base;
  t = performance.now();
  await store.flush();
  const flush = since(t);
  const flushed = (await heap()) - base;
  await store.close();
  return `append ${append}, heap ${perRow(appended)} · flush ${flush}, heap after ${perRow(flushed)}`;
}

/** Reopens the store read-only and queries it. */
async function reopen(file: string, base: number): Promise<string> {
  let t = performance.now();
  const store = await openStore(file, { readonly: true });
  const open = since(t);
  const reopened = (await heap()) - base;
  t = performance.now();
  const page = store.queryAudit({ agent: 'agent_10', level: 'error', order: 'desc', limit: 50 });
  const range = store.queryAudit({ since: auditRow(rows / 4).ts, until: auditRow(rows / 2).ts, offset: 100, limit: 50 });
  const indexed = since(t);
  t = performance.now();
  const text = store.queryAudit({ text: 'inc_4999', limit: 20 });
  const search = since(t);
  await store.close();
  return (
    `reopen read-only ${open}, heap ${perRow(reopened)} · 2 indexed queries ${indexed} (${page.total} + ${range.total} hits) · ` +
    `text search over every row ${search} (${text.total} hits)`
  );
}

const dir = await mkdtemp(join(tmpdir(), 'audit-memory-'));
try {
  const file = join(dir, 'run.json');
  const base = await heap();
  const written = await write(file, base);
  const left = (await heap()) - base;
  console.log(`${rows} audit rows in a file store: ${written} · closed, heap left ${mb(left)} · ${await reopen(file, await heap())}`);
} finally {
  await rm(dir, { recursive: true, force: true });
}
