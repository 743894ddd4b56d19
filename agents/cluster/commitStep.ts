import { randomUUID } from 'node:crypto';
import { responderMachine, type ResponderContext } from '../../machines/responderMachine.js';
import type { ArmParams } from '../../machines/incidentContext.js';
import type { AuditEntry, DecisionRecord, IncidentRecord, NotificationRecord, Responder, ResponderRecord } from '../../machines/types.js';
import { auditEntry, isoAt, type Runtime } from '../runtime.js';
import type { EngineEvent, ResponderSettings } from '../types.js';
import type { BossQueue, QueuedWork, WorkItem } from './bossQueue.js';
import type { Step } from './incidentStep.js';
import { pureTransition } from './pureTransition.js';
import { batchOf, getRow, type Sql, type WriteBatch } from './pgRows.js';
import type pg from 'pg';
import { prepared } from '../../store/postgres/connection.js';
import { fromColumns, type ColumnValues } from '../../store/postgres/rows.js';
import { selectList } from '../../store/postgres/writeRows.js';

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
 * step asked for (a retry attempt, the owner's fix), the responders' rows and the audit
 * rows. What it reads comes first (the decision, what the mitigation paused), then the
 * responder rows are locked in a fixed order (after the agents and workflows a duty wrote),
 * and last everything is written in one statement (a WriteBatch), left in the transaction's
 * batch: sent with the COMMIT, in one round trip (ClusterHost.tx), or before the reads of a
 * duty or review that follows the step (followUp). So a responder's assignments and
 * releases, and the audit rows written meanwhile, are in one order per responder; and the
 * rows of Cheryl, Petra and Atlas, which every incident's step that assigns or releases them
 * waits for, are held for one round trip (that statement and the commit, pipelined) unless
 * a review follows (a resolve's). An acknowledgement takes no responder lock: it changes no responder row, and the
 * deadline that brings it is a job of the step that assigned the incident, taken only once
 * that step committed, so its audit row comes after the assignment's (and after the release
 * that freed the slot) whatever else commits meanwhile.
 */
export async function commitStep(sql: Sql, cx: ClusterContext, previous: IncidentRecord | null, step: Step): Promise<Committed> {
  const { rt } = cx;
  const { record, effects } = step;
  const id = record.id;
  const now = rt.clock.now();
  const work: QueuedWork[] = [];
  const events: EngineEvent[] = [];
  // Everything the step writes goes in one statement (with what its transaction wrote before), sent last, after the responders' locks.
  // The incident's deadlines here; the responders' (acknowledgements, owned by them) apart, once their rows are locked.
  const batch = batchOf(sql);
  const deadlines = new DeadlineChanges();

  batch.put('incidents', [record]);
  deadlines.disarm(id, effects.disarm);
  for (const deadline of effects.arm) deadlines.arm(id, deadline);

  const notifications: NotificationRecord[] = effects.notify.map((n) => ({ id: rt.ids('ntf'), ts: isoAt(now), from: n.from, to: n.to, channel: 'internal', subject: n.subject, body: n.body, incidentId: id }));
  batch.put('notifications', notifications);

  if (effects.settleDecision && record.decisionId) {
    const decision = batch.pending('decisions', record.decisionId) ?? (await getRow(sql, 'decisions', record.decisionId));
    if (decision) {
      const { status, by, at } = effects.settleDecision;
      const settled: DecisionRecord = { ...decision, status, by, answeredAt: isoAt(at) };
      batch.put('decisions', [settled]);
      events.push({ type: 'decision', decision: settled });
    }
  }
  if (effects.liftMitigation) await liftMitigation(sql, batch, work, id, isoAt(now));
  if (effects.attempt) work.push({ data: { t: 'attempt', incidentId: id, ...effects.attempt } });
  // A responder's duty once acknowledged, and a commissioned review, follow in the same transaction (followUps.ts).
  // The host's onFix hook runs from the queue too: a process killed before calling it leaves it to another.
  if (effects.startFix && previous?.state !== record.state) work.push({ data: { t: 'fix', incidentId: id, owner: effects.startFix } });

  deadlines.writeTo(batch, work);
  const audit: AuditEntry[] = effects.audit.map((p) => auditEntry(rt, 'incident', id, p));
  batch.append(audit);
  await cx.queue.insert(batch, work);
  if (effects.responders.length > 0) {
    // Built before the responders' rows are locked: while they are held, only their own part is left to do.
    batch.seal();
    const theirs = new DeadlineChanges();
    const acks: QueuedWork[] = [];
    await stepResponders(sql, cx, batch, theirs, id, step, now);
    theirs.writeTo(batch, acks);
    await cx.queue.insert(batch, acks);
  }
  // Left in the batch: sent with the COMMIT (ClusterHost.tx), or before what follows the step reads (followUp).

  for (const entry of audit) events.push({ type: 'audit', entry });
  events.push({ type: 'incident', incident: record });
  return { events };
}

/**
 * The responders' side of a step: their rows locked (sorted), each assignment or release
 * through the responder machine's pure transition, its acknowledgement deadline armed or
 * disarmed, the rows written (in the step's batch).
 */
async function stepResponders(sql: Sql, cx: ClusterContext, batch: WriteBatch, deadlines: DeadlineChanges, id: string, { effects }: Step, now: number): Promise<void> {
  const lockOrder = [...new Set(effects.responders.map((r) => r.responder))].sort();
  const held = await lockResponders(sql, cx, lockOrder);
  for (const op of effects.responders) {
    const row = held.get(op.responder)!;
    const before = responderMachine.resolveState({ value: row.active.length > 0 ? 'busy' : 'idle', context: { id: op.responder, capacity: row.capacity, active: row.active, queue: row.queue } as ResponderContext });
    const [next, actions] = pureTransition(responderMachine, before, { type: op.type, incidentId: id });
    for (const action of actions) {
      const p = action.params as { id?: string; sendId?: string; event?: { incidentId: string } };
      // The responder's delayed `ack.due` becomes a durable deadline of the responder, due after
      // its latency (sampled here, once per acknowledgement, as the machine's ackLatency delay is).
      if (action.type === 'xstate.raise' && p.event) {
        deadlines.arm(op.responder, { kind: `ack:${p.event.incidentId}`, dueAt: now + ackLatency(cx, op.responder), event: { type: 'ack.due', incidentId: p.event.incidentId } });
      }
      if ((action.type as string) === 'xstate.cancel' && p.sendId) deadlines.disarm(op.responder, [p.sendId]);
    }
    held.set(op.responder, { ...row, active: next.context.active, queue: next.context.queue, updatedAt: isoAt(now) });
  }
  if (effects.responders.length > 0) batch.put('responders', [...held.values()]);
}

/** A responder's acknowledgement latency, ms: the `responders` option's (a number, or drawn from the run's random source). */
function ackLatency(cx: ClusterContext, responder: Responder): number {
  const latency = cx.responders[responder]?.ack ?? 0;
  return Math.max(0, Math.round(typeof latency === 'number' ? latency : latency(cx.rt.random)));
}

/**
 * The responders' rows, locked in one statement, in the order of their ids (every step takes
 * them in that order, so two steps never wait for each other's). Every engine creates the
 * rows when it starts; one missing still (deleted since) is created here.
 */
async function lockResponders(sql: Sql, cx: ClusterContext, ids: readonly Responder[]): Promise<Map<Responder, ResponderRecord>> {
  const held = new Map<Responder, ResponderRecord>();
  if (ids.length === 0) return held;
  const { rows } = await sql.query<ColumnValues>(prepared(`SELECT ${selectList('responders')} FROM responders WHERE id = ANY($1) ORDER BY id FOR UPDATE`, [ids]));
  for (const row of rows.map((r) => fromColumns('responders', r))) held.set(row.id as Responder, row);
  for (const responder of ids.filter((r) => !held.has(r))) {
    const fresh: ResponderRecord = { id: responder, capacity: cx.responders[responder]?.capacity ?? 5, active: [], queue: [], updatedAt: isoAt(cx.rt.clock.now()) };
    await sql.query(prepared(`INSERT INTO responders (id, capacity, active, queue, updated_at) VALUES ($1, $2, '{}', '{}', now()) ON CONFLICT (id) DO NOTHING`, [responder, fresh.capacity]));
    held.set(responder, (await getRow(sql, 'responders', responder, true)) ?? fresh);
  }
  // In the order asked (the rows the step writes back, in its batch).
  return new Map(ids.map((r) => [r, held.get(r)!]));
}

/**
 * A step's deadlines armed and disarmed, in the order it asked, written as their net
 * effect: each deadline row either upserted (it names the pg-boss job that delivers it at
 * `dueAt`; re-arming replaces both) or deleted (its job, if queued, fires, finds no row
 * and does nothing) — one statement each at most, in the step's batch.
 */
class DeadlineChanges {
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

/**
 * A deadline armed at once, outside a step: its row names the pg-boss job that delivers it
 * at `dueAt` (re-arming replaces both). `keep`: a deadline already armed stays as it is
 * (nothing is queued then).
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

/**
 * Resumes what this incident paused (as `createFleet().resume` does in one process): the
 * agents and workflows it paused before (read and locked in one round trip) and those a duty paused
 * earlier in this transaction, still in the batch (their version there wins), each put back
 * active — written once, in the step's batch. The jobs held on them (ClusterHost.hold) are
 * queued again in `work`, as a resumed single-process worker takes its queue: each once (its
 * hold's row deleted here), held again if another incident still pauses its agent or workflow.
 */
async function liftMitigation(sql: Sql, batch: WriteBatch, work: QueuedWork[], incidentId: string, at: string): Promise<void> {
  // Locked (agents, then workflows, as a triage locks them): a row another incident paused since is read again
  // once that one commits, and left alone (it no longer names this incident), not put back active.
  const where = `paused_by = ${sql.escapeLiteral(incidentId)} ORDER BY seq FOR UPDATE`;
  const [agents, workflows] = (await sql.query(`SELECT ${selectList('agents')} FROM agents WHERE ${where}; SELECT ${selectList('workflows')} FROM workflows WHERE ${where}`)) as unknown as pg.QueryResult<ColumnValues>[];
  const resume = <T extends 'agents' | 'workflows'>(table: T, stored: ColumnValues[]) => {
    const paused = new Map(stored.map((row) => fromColumns(table, row)).map((row) => [row.id, row]));
    for (const row of batch.pendingIn(table)) {
      if (row.pausedBy === incidentId) paused.set(row.id, row);
      else paused.delete(row.id);
    }
    batch.put(table, [...paused.values()].map((row) => ({ ...row, status: 'active' as const, pausedBy: null, updatedAt: at })) as never);
    return [...paused.keys()];
  };
  const resumed = { agents: resume('agents', agents.rows), workflows: resume('workflows', workflows.rows) };
  if (resumed.agents.length === 0 && resumed.workflows.length === 0) return;
  const { rows } = await sql.query(prepared('DELETE FROM cluster_held_jobs WHERE agent = ANY($1) OR workflow = ANY($2) RETURNING job_id, spec, held_at', [resumed.agents, resumed.workflows]));
  rows.sort((a, b) => Number(a.held_at) - Number(b.held_at) || (a.job_id < b.job_id ? -1 : 1));
  for (const row of rows) work.push({ data: { t: 'job', jobId: row.job_id, spec: row.spec } as WorkItem });
}
