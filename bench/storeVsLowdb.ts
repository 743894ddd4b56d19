import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Low } from 'lowdb';
import { JSONFile } from 'lowdb/node';
import { openStore } from '../store/index.js';
import { auditRow, incidentRow } from './store.js';

/**
 * One small commit (one audit row, one incident update) on a store that already holds
 * `rows` audit rows and `incidents` incidents: plain lowdb (`JSONFile`, the whole file
 * rewritten per write) against our adapter (new audit rows appended, changed rows appended
 * to the state journal, fsync). Mean ms per commit.
 * @example const { lowdbMs, oursMs } = await commitRace(10_000, 20, 100_000);
 */
export async function commitRace(rows: number, commits = 20, incidents = 1000): Promise<{ lowdbMs: number; oursMs: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'incident-flow-race-'));
  try {
    const low = new Low(new JSONFile<{ audit_log: unknown[]; incidents: Record<string, unknown> }>(join(dir, 'plain.json')), { audit_log: [], incidents: {} });
    const store = await openStore(join(dir, 'ours.json'), { autoCommit: false });
    for (let i = 0; i < rows; i++) {
      const a = auditRow(i);
      low.data.audit_log.push(a);
      store.appendAudit(a);
    }
    for (let i = 0; i < incidents; i++) {
      low.data.incidents[`inc_${i}`] = incidentRow(i);
      store.put('incidents', incidentRow(i));
    }
    await low.write();
    await store.flush();

    let t = performance.now();
    for (let c = 0; c < commits; c++) {
      low.data.audit_log.push(auditRow(rows + c));
      low.data.incidents[`inc_${c}`] = incidentRow(c);
      await low.write();
    }
    const lowdbMs = (performance.now() - t) / commits;
    t = performance.now();
    for (let c = 0; c < commits; c++) {
      store.appendAudit(auditRow(rows + c));
      store.put('incidents', incidentRow(c));
      await store.flush();
    }
    const oursMs = (performance.now() - t) / commits;
    await store.close();
    return { lowdbMs, oursMs };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
