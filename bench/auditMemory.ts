import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '../store/index.js';
import type { Store } from '../store/index.js';
import { auditRow } from './store.js';

/**
 * Heap held by the audit log, and the cost of committing it: appends ROWS typical audit
 * rows to a file store (no auto-commit), then flushes them in one commit, then reopens.
 * Run with --expose-gc: node --expose-gc --import tsx bench/auditMemory.ts [rows]
 */
const rows = Number(process.argv[2] ?? 500_000);
const gc = (globalThis as { gc?: () => void }).gc ?? (() => undefined);
const heap = () => {
  gc();
  return process.memoryUsage().heapUsed;
};
const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MB`;

const dir = await mkdtemp(join(tmpdir(), 'audit-memory-'));
try {
  const file = join(dir, 'run.json');
  let store: Store | null = await openStore(file, { autoCommit: false });
  const base = heap();
  let t = performance.now();
  for (let i = 0; i < rows; i++) store.appendAudit(auditRow(i));
  const appendMs = performance.now() - t;
  const appended = heap() - base;
  t = performance.now();
  await store.flush();
  const flushMs = performance.now() - t;
  const flushed = heap() - base;
  await store.close();
  store = null; // so the reopened store's heap is measured alone
  const closed = heap() - base;
  t = performance.now();
  const again = await openStore(file, { readonly: true });
  const reopenMs = performance.now() - t;
  const reopened = heap() - base;
  t = performance.now();
  const page = again.queryAudit({ agent: 'agent_10', level: 'error', order: 'desc', limit: 50 });
  const text = again.queryAudit({ text: 'inc_4999', limit: 20 });
  const queryMs = performance.now() - t;
  await again.close();
  console.log(
    `${rows} audit rows: append ${appendMs.toFixed(0)} ms, heap ${mb(appended)} (${(appended / rows).toFixed(0)} B/row) · ` +
      `flush ${flushMs.toFixed(0)} ms, heap after ${mb(flushed)} · after close ${mb(closed)} · reopen ${reopenMs.toFixed(0)} ms, heap ${mb(reopened)} · ` +
      `2 queries ${queryMs.toFixed(0)} ms (${page.total} + ${text.total} hits)`,
  );
} finally {
  await rm(dir, { recursive: true, force: true });
}
