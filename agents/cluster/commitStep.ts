import { randomUUID } from 'node:crypto';
import { transition } from 'xstate';
import { responderMachine, type ResponderContext } from '../../machines/responderMachine.js';
import type { ArmParams } from '../../machines/incidentContext.js';
import type { AuditEntry, DecisionRecord, IncidentRecord, NotificationRecord, Responder, ResponderRecord } from '../../machines/types.js';
import { auditEntry, isoAt, type Runtime } from '../runtime.js';
import type { EngineEvent, ResponderSettings } from '../types.js';
import type { BossQueue, QueuedWork } from './bossQueue.js';
import type { Step } from './incidentStep.js';
import { appendAudit, getRow, listRows, putRows, type Sql } from './pgRows.js';
import { prepared } from '../../store/postgres/connection.js';

/** What the cluster host shares with the code that commits a step. */
export interface ClusterContext {
  rt: Runtime;
  queue: BossQueue;
  responders: Partial<Record<Responder, ResponderSettings>>;
  /** The store's NOTIFY channel: followers (the watcher, read-only stores) read the rows named. */
  channel: string;
}

/** Done once the transaction committed: tell subscribers, wake the workers. */
export interface Committed {
  events: EngineEvent[];
}

export const STAGE: Record<Responder, string> = { cheryl: 'triaged', petra: 'coordinated', atlas: 'executive' };

/**
 * Writes one incident step in the caller's transaction, with the incident row already
 * locked: the record and snapshot, the deadlines armed and disarmed (rows plus pg-boss
 * jobs), notifications, the decision settled, the mitigation lifted, the queued work the
 * step asked for (a retry attempt, a duty, a review), and last the responders' rows and the
 * audit rows. The responder rows are locked in a fixed order after everything else (also
 * after the agents and workflows a duty or the mitigation wrote), so that their
 * acknowledgements and releases, and the audit rows written meanwhile, are in one order per
 * responder; last, because every incident's step that assigns, acknowledges or releases
 * Cheryl, Petra or Atlas waits for that row until the holder commits.
 */
export async function commitStep(sql: Sql, cx: ClusterContext, previous: IncidentRecord | null, step: Step, extraLocks: Responder[] = []): Promise<Committed> {
  const { rt } = cx;
  const { record, effects } = step;
  const id = record.id;
  const now = rt.clock.now();
  const work: QueuedWork[] = [];
  const events: EngineEvent[] = [];

  await putRows(sql, 'incidents', [record]);
  await disarm(sql, id, effects.disarm);
  for (const deadline of effects.arm) await arm(sql, cx, work, id, deadline);

  const notifications: NotificationRecord[] = effects.notify.map((n) => ({ id: rt.ids('ntf'), ts: isoAt(now), from: n.from, to: n.to, channel: 'internal', subject: n.subject, body: n.body, incidentId: id }));
  await putRows(sql, 'notifications', notifications);

  if (effects.settleDecision && record.decisionId) {
    const decision = await getRow(sql, 'decisions', record.decisionId);
    if (decision) {
      const { status, by, at } = effects.settleDecision;
      const settled: DecisionRecord = { ...decision, status, by, answeredAt: isoAt(at) };
      await putRows(sql, 'decisions', [settled]);
      events.push({ type: 'decision', decision: settled });
    }
  }
  if (effects.liftMitigation) await liftMitigation(sql, id, isoAt(now));
  if (effects.attempt) work.push({ data: { t: 'attempt', incidentId: id, ...effects.attempt } });
  if (effects.commissionReview) work.push({ data: { t: 'review', incidentId: id } });
  // Acknowledged: the responder's duty is queued with the acknowledgement, so it survives this process.
  const [stage, sub] = record.state.split('.');
  const responder = (Object.keys(STAGE) as Responder[]).find((r) => STAGE[r] === stage);
  if (responder && sub === 'working' && previous?.state !== record.state) work.push({ data: { t: 'duty', incidentId: id, responder } });
  // The host's onFix hook runs from the queue too: a process killed before calling it leaves it to another.
  if (effects.startFix && previous?.state !== record.state) work.push({ data: { t: 'fix', incidentId: id, owner: effects.startFix } });

  work.push(...(await stepResponders(sql, cx, id, step, extraLocks, now)));
  const audit: AuditEntry[] = effects.audit.map((p) => auditEntry(rt, 'incident', id, p));
  await appendAudit(sql, audit);
  await cx.queue.insert(sql, work);

  for (const entry of audit) events.push({ type: 'audit', entry });
  events.push({ type: 'incident', incident: record });
  return { events };
}

/**
 * The responders' side of a step: their rows locked (sorted), each assignment or release
 * through the responder machine's pure transition, its acknowledgement deadline armed or
 * disarmed, the rows written. Returns the deadline jobs to queue.
 */
async function stepResponders(sql: Sql, cx: ClusterContext, id: string, { effects }: Step, extraLocks: Responder[], now: number): Promise<QueuedWork[]> {
  const work: QueuedWork[] = [];
  const lockOrder = [...new Set([...effects.responders.map((r) => r.responder), ...extraLocks])].sort();
  const held = new Map<Responder, ResponderRecord>();
  for (const responder of lockOrder) held.set(responder, await lockResponder(sql, cx, responder));
  for (const op of effects.responders) {
    const row = held.get(op.responder)!;
    const before = responderMachine.resolveState({ value: row.active.length > 0 ? 'busy' : 'idle', context: { id: op.responder, capacity: row.capacity, active: row.active, queue: row.queue } as ResponderContext });
    const latency = cx.responders[op.responder]?.ack ?? 0;
    const machine = responderMachine.provide({ delays: { ackLatency: () => Math.max(0, Math.round(typeof latency === 'number' ? latency : latency(cx.rt.random))) } });
    const [next, actions] = transition(machine, before, { type: op.type, incidentId: id });
    for (const action of actions) {
      const p = action.params as { id?: string; delay?: number; sendId?: string; event?: { incidentId: string } };
      // The responder's delayed `ack.due` becomes a durable deadline of the responder.
      if (action.type === 'xstate.raise' && p.event) {
        const due = now + (p.delay ?? 0);
        await arm(sql, cx, work, op.responder, { kind: `ack:${p.event.incidentId}`, dueAt: due, event: { type: 'ack.due', incidentId: p.event.incidentId } });
      }
      if ((action.type as string) === 'xstate.cancel' && p.sendId) await disarm(sql, op.responder, [p.sendId]);
    }
    held.set(op.responder, { ...row, active: next.context.active, queue: next.context.queue, updatedAt: isoAt(now) });
  }
  if (effects.responders.length > 0) await putRows(sql, 'responders', [...held.values()]);
  return work;
}

/** The responder's row, locked; created with its configured capacity the first time. */
async function lockResponder(sql: Sql, cx: ClusterContext, responder: Responder): Promise<ResponderRecord> {
  const row = await getRow(sql, 'responders', responder, true);
  if (row) return row;
  const fresh: ResponderRecord = { id: responder, capacity: cx.responders[responder]?.capacity ?? 5, active: [], queue: [], updatedAt: isoAt(cx.rt.clock.now()) };
  await sql.query(prepared(`INSERT INTO responders (id, capacity, active, queue, updated_at) VALUES ($1, $2, '{}', '{}', now()) ON CONFLICT (id) DO NOTHING`, [responder, fresh.capacity]));
  return (await getRow(sql, 'responders', responder, true)) ?? fresh;
}

/**
 * A deadline: its row names the pg-boss job that delivers it at `dueAt` (re-arming replaces
 * both). `keep`: a deadline already armed stays as it is (nothing is queued then).
 */
export async function arm(sql: Sql, cx: ClusterContext, work: QueuedWork[], owner: string, p: ArmParams, keep = false): Promise<void> {
  const jobId = randomUUID();
  const { rowCount } = await sql.query(prepared(
    `INSERT INTO cluster_deadlines (owner_id, kind, job_id, due_at, event) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (owner_id, kind) ${keep ? 'DO NOTHING' : 'DO UPDATE SET job_id = EXCLUDED.job_id, due_at = EXCLUDED.due_at, event = EXCLUDED.event'}`,
    [owner, p.kind, jobId, p.dueAt, JSON.stringify(p.event)],
  ));
  if (rowCount === 1) work.push({ id: jobId, data: { t: 'deadline', owner, kind: p.kind }, startAfter: p.dueAt });
}

/** Disarming removes the rows; their jobs still fire, find no row, and do nothing. */
async function disarm(sql: Sql, owner: string, kinds: readonly string[]): Promise<void> {
  if (kinds.length > 0) await sql.query(prepared('DELETE FROM cluster_deadlines WHERE owner_id = $1 AND kind = ANY($2)', [owner, kinds]));
}

/** Resumes what this incident paused (as `createFleet().resume` does in one process). */
async function liftMitigation(sql: Sql, incidentId: string, at: string): Promise<void> {
  const agents = await listRows(sql, 'agents', 'paused_by = $1', [incidentId]);
  await putRows(sql, 'agents', agents.map((row) => ({ ...row, status: 'active' as const, pausedBy: null, updatedAt: at })));
  const workflows = await listRows(sql, 'workflows', 'paused_by = $1', [incidentId]);
  await putRows(sql, 'workflows', workflows.map((row) => ({ ...row, status: 'active' as const, pausedBy: null, updatedAt: at })));
}
