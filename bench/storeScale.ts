import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { openStore, storeFiles } from '../store/index.js';
import { auditRow, incidentRow } from './store.js';

/** What `benchStoreAtScale` measured on a store already holding many rows. */
export interface StoreScaleBench {
  audits: number;
  incidents: number;
  /** Building the store: all rows in bursts of 50,000, one flush each. */
  buildMs: number;
  /** Heap of the writer holding the full store (after a GC when run with --expose-gc). */
  writerHeapMB: number;
  /** A typical commit on the full store, one audit row and one incident update: mean and slowest of 20. */
  smallCommitMs: number;
  smallCommitMaxMs: number;
  /** A follower's refresh() after each of those commits (mean). */
  followerRefreshMs: number;
  /** Closing the writer: the state journal folded into the state file. */
  closeMs: number;
  /** The follower's refresh() after that rewrite (reads the new state file). */
  followerAfterRewriteMs: number;
  stateBytes: number;
  auditBytes: number;
  reopenMs: number;
  /** Indexed audit queries (entityId, agent + level desc, time range + paging). */
  auditQueryMs: number;
  /** First indexed list (builds the index) and the next one (uses it). */
  firstListMs: number;
  nextListMs: number;
  heapMB: number;
}

/**
 * Fills a store with `audits` audit rows and `incidents` incidents, then times what a
 * running engine and a watcher do to it: small commits followed by a read-only follower,
 * the close that folds the journal in, a reopen, queries.
 * @example await benchStoreAtScale(1_000_000, 100_000)
 */
export async function benchStoreAtScale(audits: number, incidents: number): Promise<StoreScaleBench> {
  const dir = mkdtempSync(join(tmpdir(), 'incident-flow-scale-'));
  const file = join(dir, 'scale.json');
  const time = async <T>(fn: () => T | Promise<T>): Promise<[T, number]> => {
    const t = performance.now();
    const value = await fn();
    return [value, Math.round((performance.now() - t) * 10) / 10];
  };
  try {
    const store = await openStore(file);
    const [, buildMs] = await time(async () => {
      for (let from = 0; from < Math.max(audits, incidents); from += 50_000) {
        for (let i = from; i < from + 50_000; i++) {
          if (i < audits) store.appendAudit(auditRow(i));
          if (i < incidents) store.put('incidents', incidentRow(i));
        }
        await store.flush();
      }
    });
    global.gc?.();
    const writerHeapMB = Math.round(process.memoryUsage().heapUsed / 1e6);
    const follower = await openStore(file, { readonly: true });
    const commits: number[] = [];
    const refreshes: number[] = [];
    for (let c = 0; c < 20; c++) {
      commits.push((await time(async () => {
        store.appendAudit(auditRow(audits + c));
        store.put('incidents', { ...incidentRow(c), status: 'closed' });
        await store.flush();
      }))[1]);
      refreshes.push((await time(() => follower.refresh()))[1]);
    }
    const [, closeMs] = await time(() => store.close());
    const [, followerAfterRewriteMs] = await time(() => follower.refresh());
    await follower.close();
    const mean = (xs: number[]) => Math.round((xs.reduce((a, b) => a + b, 0) / xs.length) * 10) / 10;
    const [again, reopenMs] = await time(() => openStore(file, { readonly: true }));
    const [, auditQueryMs] = await time(() => {
      again.queryAudit({ entityId: 'inc_77' });
      again.queryAudit({ agent: 'agent_7', level: 'error', order: 'desc', limit: 50 });
      again.queryAudit({ since: auditRow(audits >> 1).ts, offset: 500, limit: 50 });
    });
    const [, firstListMs] = await time(() => again.list('incidents', { status: 'triaged', agent: 'agent_3' }));
    const [, nextListMs] = await time(() => again.list('incidents', { status: 'resolved', agent: 'agent_4' }));
    const heapMB = Math.round(process.memoryUsage().heapUsed / 1e6);
    await again.close();
    return {
      audits, incidents, buildMs, writerHeapMB,
      smallCommitMs: mean(commits), smallCommitMaxMs: Math.max(...commits), followerRefreshMs: mean(refreshes), closeMs, followerAfterRewriteMs,
      stateBytes: statSync(file).size, auditBytes: statSync(storeFiles(file).audit).size,
      reopenMs, auditQueryMs, firstListMs, nextListMs, heapMB,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.log(await benchStoreAtScale(Number(process.argv[2] ?? 1_000_000), Number(process.argv[3] ?? 100_000)));
}
