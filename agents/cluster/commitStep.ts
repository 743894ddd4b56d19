import { randomUUID } from 'node:crypto';
import type { ArmParams } from '../../machines/incidentContext.js';
import type { AuditEntry, DecisionRecord, IncidentRecord, NotificationRecord, Responder } from '../../machines/types.js';
import { auditEntry, isoAt, type Runtime } from '../runtime.js';
import type { EngineEvent, ResponderSettings } from '../types.js';
import type { BossQueue, QueuedWork, WorkItem } from './bossQueue.js';
import { DeadlineChanges } from './deadlineChanges.js';
import type { Step } from './incidentStep.js';
import { batchOf, getRow, listRows, type Sql, type WriteBatch } from './pgRows.js';
import { post } from './responderMailbox.js';
import { holdsPause, PAUSE_TABLE, unpausedRow, type PauseKind } from '../fleet.js';
import { prepared } from '../../store/postgres/connection.js';
import type { RowOf } from '../../store/postgres/rows.js';

/** What the cluster host shares with the code that commits a step. */
export interface ClusterContext {
  rt: Runtime;
  queue: BossQueue;
  responders: Partial<Record<Responder, ResponderSettings>>;
  /** The store's NOTIFY channel: followers (the watcher, read-only stores) read the rows named. */
  channel: string;
}

/** Done once the transaction committed: tell subscribers, wake the workers, apply the responders' mailboxes. */
export interface Committed {
  events: EngineEvent[];
  /** The responders the steps posted events to (responderMailbox.ts). */
  responders?: Responder[];
}

export const STAGE: Record<Responder, string> = { cheryl: 'triaged', petra: 'coordinated', atlas: 'executive' };

/**
 * Writes one incident step in the caller's transaction, with the incident row already
 * locked: the record and snapshot, the deadlines armed and disarmed (rows plus pg-boss
 * jobs), notifications, the decision settled, the mitigation lifted, the queued work the
 * step asked for (a retry attempt, the owner's fix), the events it sends the responders
 * (posted to their mailboxes: responderMailbox.ts) and the audit rows. What it reads comes
 * first (the decision, what the mitigation paused), and last everything is written in one
 * statement (a WriteBatch), left in the transaction's batch: sent with the COMMIT, in one
 * round trip (ClusterHost.tx), or before the reads of a duty or review that follows the
 * step (followUp). It locks no responder's row: every incident's step assigns or releases
 * one of the same three responders, and waiting for their rows serialised the cluster. The
 * responder machine applies the events once the step committed, in the transaction that
 * takes the responder's row; the acknowledgement's deadline is armed there, so an
 * acknowledgement's audit row comes after the assignment's (and after the release that
 * freed the slot) whatever else commits meanwhile.
 */
export async function commitStep(sql: Sql, cx: ClusterContext, previous: IncidentRecord | null, step: Step): Promise<Committed> {
  const { rt } = cx;
  const { record, effects } = step;
  const id = record.id;
  const now = rt.clock.now();
  const work: QueuedWork[] = [];
  const events: EngineEvent[] = [];
  // Everything the step writes goes in one statement (with what its transaction wrote before), sent last.
  const batch = batchOf(sql);
  const deadlines = new DeadlineChanges();

  batch.put('incidents', [record]);
  deadlines.disarm(id, effects.disarm);
  for (const deadline of effects.arm) deadlines.arm(id, deadline);

  const notifications: NotificationRecord[] = effects.notify.map((n) => ({ id: rt.ids('ntf'), ts: isoAt(now), from: n.from, to: n.to, channel: n.channel ?? 'internal', subject: n.subject, body: n.body, incidentId: id }));
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
  if (effects.extendDecision !== null && record.decisionId) {
    const decision = batch.pending('decisions', record.decisionId) ?? (await getRow(sql, 'decisions', record.decisionId));
    if (decision?.status === 'pending') {
      const extended: DecisionRecord = { ...decision, timeoutAt: isoAt(effects.extendDecision) };
      batch.put('decisions', [extended]);
      events.push({ type: 'decision', decision: extended });
    }
  }
  if (effects.mitigate) await mitigate(sql, batch, id, effects.mitigate, isoAt(now));
  if (effects.liftMitigation) await liftMitigation(sql, batch, work, id, isoAt(now));
  if (effects.attempt) work.push({ data: { t: 'attempt', incidentId: id, ...effects.attempt } });
  // A responder's duty once acknowledged, and a commissioned review, follow in the same transaction (followUps.ts).
  // The host's onFix hook runs from the queue too: a process killed before calling it leaves it to another.
  if (effects.startFix && previous?.state !== record.state) work.push({ data: { t: 'fix', incidentId: id, owner: effects.startFix } });

  deadlines.writeTo(batch, work);
  const audit: AuditEntry[] = effects.audit.map((p) => auditEntry(rt, 'incident', id, p));
  batch.append(audit);
  await cx.queue.insert(batch, work);
  // The responders' part: requests in their mailboxes (responderMailbox.ts), applied once this commits; no responder row is locked here.
  const responders = post(batch, id, effects.responders);
  // Left in the batch: sent with the COMMIT (ClusterHost.tx), or before what follows the step reads (followUp).

  for (const entry of audit) events.push({ type: 'audit', entry });
  events.push({ type: 'incident', incident: record });
  return { events, responders };
}

/**
 * A deadline armed at once, outside a step: its row names the pg-boss job that delivers it
 * at `dueAt` (re-arming replaces both). `keep`: a deadline already armed stays as it is
 * (nothing is queued then).
 */
export async function arm(sql: Sql, work: QueuedWork[], owner: string, p: ArmParams, keep = false): Promise<void> {
  const jobId = randomUUID();
  const { rowCount } = await sql.query(prepared(
    `INSERT INTO cluster_deadlines (owner_id, kind, job_id, due_at, event) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (owner_id, kind) ${keep ? 'DO NOTHING' : 'DO UPDATE SET job_id = EXCLUDED.job_id, due_at = EXCLUDED.due_at, event = EXCLUDED.event'}`,
    [owner, p.kind, jobId, p.dueAt, JSON.stringify(p.event)],
  ));
  if (rowCount === 1) work.push({ id: jobId, data: { t: 'deadline', owner, kind: p.kind }, startAfter: p.dueAt });
}

/**
 * Pauses an agent or workflow for the incident (Cheryl's mitigation of one a joining failure made
 * a P0/P1 after her triage), as the single-process fleet's `pause` does: its row, locked (a write
 * of another incident's in between is never overwritten), or its version already in the batch,
 * put back paused by this incident; the workers hold its jobs from then on (ClusterHost.hold).
 */
async function mitigate(sql: Sql, batch: WriteBatch, incidentId: string, target: { kind: PauseKind; id: string }, at: string): Promise<void> {
  const table = PAUSE_TABLE[target.kind];
  const row = batch.pending(table, target.id) ?? (await getRow(sql, table, target.id, true)) ?? unpausedRow(target.kind, target.id, at);
  batch.put(table, [{ ...row, status: 'paused', pausedBy: incidentId, updatedAt: at }]);
}

/**
 * Resumes what this incident paused (as the single-process engine's `liftMitigation` does): the
 * agents and workflows it paused before (read and locked in one round trip) and those a duty paused
 * earlier in this transaction, still in the batch (their version there wins), each put back
 * active — written once, in the step's batch — unless another open incident's mitigation paused
 * it too (`holdsPause`): that one holds it from now on, and it stays paused. Those holders are read
 * `FOR UPDATE`, so one being resolved meanwhile is seen resolved once it commits, never left
 * holding a pause; an incident whose triage is still under way is not one yet (its committed row
 * has no findings, so it is not waited for: its triage waits for the row this step holds). The
 * jobs held on what resumes (ClusterHost.hold) are queued again in `work`, as a resumed
 * single-process worker takes its queue: each once (its hold's row deleted here), held again if
 * another incident still pauses its agent or workflow.
 */
async function liftMitigation(sql: Sql, batch: WriteBatch, work: QueuedWork[], incidentId: string, at: string): Promise<void> {
  // Locked (agents, then workflows, as a triage locks them: asked for at once, answered in that order): a row
  // another incident paused since is read again once that one commits, and left alone (it no longer names this
  // incident), not put back active.
  const [agents, workflows] = await Promise.all([
    listRows(sql, 'agents', 'paused_by = $1', [incidentId], true),
    listRows(sql, 'workflows', 'paused_by = $1', [incidentId], true),
  ]);
  const pausedHere = <T extends 'agents' | 'workflows'>(table: T, stored: Array<RowOf<T>>) => {
    const paused = new Map(stored.map((row) => [row.id, row]));
    for (const row of batch.pendingIn(table)) {
      if (row.pausedBy === incidentId) paused.set(row.id, row);
      else paused.delete(row.id);
    }
    return paused;
  };
  const pausedAgents = pausedHere('agents', agents);
  const pausedWorkflows = pausedHere('workflows', workflows);
  if (pausedAgents.size === 0 && pausedWorkflows.size === 0) return;
  const holders = await listRows(
    sql,
    'incidents',
    `id <> $1 AND resolved_at IS NULL AND closed_at IS NULL AND severity IN ('P0', 'P1') AND jsonb_array_length(findings) > 0
     AND (workflow = ANY($2) OR (workflow IS NULL AND agent = ANY($3)))`,
    [incidentId, [...pausedWorkflows.keys()], [...pausedAgents.keys()]],
    true,
  );
  const lift = <T extends 'agents' | 'workflows'>(table: T, kind: PauseKind, paused: Map<string, RowOf<T>>) => {
    const resumed: string[] = [];
    batch.put(table, [...paused.values()].map((row) => {
      const holder = holders.find((incident) => holdsPause(incident, kind, row.id));
      if (!holder) resumed.push(row.id);
      return { ...row, status: holder ? 'paused' : 'active', pausedBy: holder?.id ?? null, updatedAt: at };
    }) as never);
    return resumed;
  };
  const resumed = { agents: lift('agents', 'agent', pausedAgents), workflows: lift('workflows', 'workflow', pausedWorkflows) };
  if (resumed.agents.length === 0 && resumed.workflows.length === 0) return;
  const { rows } = await sql.query(prepared('DELETE FROM cluster_held_jobs WHERE agent = ANY($1) OR workflow = ANY($2) RETURNING job_id, spec, held_at', [resumed.agents, resumed.workflows]));
  rows.sort((a, b) => Number(a.held_at) - Number(b.held_at) || (a.job_id < b.job_id ? -1 : 1));
  for (const row of rows) work.push({ data: { t: 'job', jobId: row.job_id, spec: row.spec } as WorkItem });
}
