import { randomUUID } from 'node:crypto';
import type { ArmParams } from '../../machines/incidentContext.js';
import type { QueuedWork } from './bossQueue.js';
import type { WriteBatch } from './pgRows.js';

/**
 * A step's deadlines armed and disarmed (or the acknowledgements a responder's mailbox
 * arms and disarms), in the order asked, written as their net effect: each deadline row
 * either upserted (it names the pg-boss job that delivers it at `dueAt`; re-arming
 * replaces both) or deleted (its job, if queued, fires, finds no row and does nothing) —
 * one statement each at most, in the transaction's batch.
 * @example const d = new DeadlineChanges(); d.disarm(id, ['ack']); d.writeTo(batchOf(sql), work);
 */
export class DeadlineChanges {
  private readonly net = new Map<string, { owner: string; kind: string; armed: ArmParams | null }>();

  arm(owner: string, p: ArmParams): void {
    this.net.set(`${owner}\u0000${p.kind}`, { owner, kind: p.kind, armed: p });
  }

  disarm(owner: string, kinds: readonly string[]): void {
    for (const kind of kinds) this.net.set(`${owner}\u0000${kind}`, { owner, kind, armed: null });
  }

  writeTo(batch: WriteBatch, work: QueuedWork[]): void {
    const gone = [...this.net.values()].filter((d) => d.armed === null);
    const armed = [...this.net.values()].filter((d) => d.armed !== null).map((d) => ({ owner: d.owner, p: d.armed!, jobId: randomUUID() }));
    if (gone.length > 0) {
      batch.add('DELETE FROM cluster_deadlines WHERE (owner_id, kind) IN (SELECT * FROM unnest($1::text[], $2::text[]))', [gone.map((d) => d.owner), gone.map((d) => d.kind)]);
    }
    if (armed.length > 0) {
      batch.add(
        `INSERT INTO cluster_deadlines (owner_id, kind, job_id, due_at, event) SELECT * FROM unnest($1::text[], $2::text[], $3::uuid[], $4::bigint[], $5::jsonb[])
         ON CONFLICT (owner_id, kind) DO UPDATE SET job_id = EXCLUDED.job_id, due_at = EXCLUDED.due_at, event = EXCLUDED.event`,
        [armed.map((a) => a.owner), armed.map((a) => a.p.kind), armed.map((a) => a.jobId), armed.map((a) => a.p.dueAt), armed.map((a) => JSON.stringify(a.p.event))],
      );
    }
    for (const a of armed) work.push({ id: a.jobId, data: { t: 'deadline', owner: a.owner, kind: a.p.kind }, startAfter: a.p.dueAt });
  }
}
