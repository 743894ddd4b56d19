/**
 * The floor of the cluster bench (bench/cluster.ts): the rows one engine lifecycle wrote,
 * written again by plain `pg` with no reads, locks, queue work or transitions. Shared by
 * the bench and its floor processes (bench/clusterFloorChild.ts).
 */
import type pg from 'pg';
import { QUEUE } from '../agents/cluster/bossQueue.js';
import type { AuditEntry, IncidentRecord } from '../machines/types.js';
import { appendAuditRows, upsertRows } from '../store/postgres/writeRows.js';
import type { TxLog } from './clusterChild.js';

/** The engine's default pool (ClusterSettings.poolSize): each floor process writes through as many connections. */
export const POOL = 8;

/** One lifecycle's transactions as the engine committed them: the audit rows, records and deadline jobs of each. */
export interface TemplateTx {
  audit: AuditEntry[];
  records: IncidentRecord[];
  deadlines: TxLog['jobs'];
}

/** Lifecycle `i`'s copy of the template: its own incident, job, audit and fingerprint ids. */
export function lifecycleCopy(template: readonly TemplateTx[], i: number): TemplateTx[] {
  const { id, jobId } = template.flatMap((tx) => tx.records)[0];
  const rename = (s: string) => s.replaceAll(id, `${id}_${i}`).replaceAll(String(jobId), `${jobId}_${i}`);
  return template.map((tx) => ({
    audit: tx.audit.map((row) => ({ ...row, id: `${row.id}_${i}`, entityId: rename(row.entityId) })),
    records: tx.records.map((r) => ({ ...r, id: rename(r.id), fingerprint: `${r.fingerprint}_${i}`, jobId: r.jobId && rename(r.jobId) })),
    deadlines: tx.deadlines.map((j) => ({ ...j, data: JSON.parse(rename(JSON.stringify(j.data))) })),
  }));
}

/**
 * Writes lifecycles through `pool`, each lifecycle's transactions one after another, the
 * lifecycles all at once. Each transaction inserts the audit rows (the store's `INSERT …
 * unnest` of audit_log), upserts the incident record with its snapshot (twice, one statement
 * each, where the engine's transaction applied a step and the duty or review that followed
 * it) and inserts the deadline jobs into pg-boss's job table (schema `boss`).
 */
export function floorWriter(pool: pg.Pool, boss: string): (lifecycles: TemplateTx[][]) => Promise<void> {
  const insertJobs = `INSERT INTO ${boss}.job (name, data, start_after, expire_in, retry_limit, retry_delay, policy)
    SELECT $1, u.d, COALESCE(u.s, now()), interval '30 seconds', 1000, 1, 'standard' FROM unnest($2::jsonb[], $3::timestamptz[]) AS u(d, s)`;
  return async (lifecycles) => {
    await Promise.all(lifecycles.map(async (txs) => {
      for (const tx of txs) {
        const client = await pool.connect();
        try {
          await client.query('BEGIN');
          if (tx.audit.length > 0) await appendAuditRows(client, tx.audit);
          // One statement per record, in order, as the engine wrote them (a step and the duty or review that followed it, in one transaction).
          for (const record of tx.records) await upsertRows(client, 'incidents', [record]);
          if (tx.deadlines.length > 0) await client.query(insertJobs, [QUEUE, tx.deadlines.map((j) => JSON.stringify(j.data)), tx.deadlines.map((j) => j.startAfter ?? null)]);
          await client.query('COMMIT');
        } finally {
          client.release();
        }
      }
    }));
  };
}
