import type pg from 'pg';
import { responderMachine, type ResponderContext } from '../../machines/responderMachine.js';
import type { Responder } from '../../machines/types.js';
import { prepared } from '../../store/postgres/connection.js';
import { fromColumns } from '../../store/postgres/rows.js';
import { selectList } from '../../store/postgres/writeRows.js';
import { isoAt } from '../runtime.js';
import type { QueuedWork } from './bossQueue.js';
import type { ClusterContext, Committed } from './commitStep.js';
import { DeadlineChanges } from './deadlineChanges.js';
import type { StepEffects } from './incidentStep.js';
import { batchOf, type Reader, type Sql, type WriteBatch } from './pgRows.js';
import { pureTransition } from './pureTransition.js';

/** A step's responder machine event (assign on entering a stage, release on leaving it). */
export type ResponderRequest = StepEffects['responders'][number];

/**
 * Posts a step's responder events to the responders' mailboxes, in its batch (an insert,
 * no lock): they are applied once the step committed (ResponderMailbox). Returns the
 * responders to wake then.
 * @example committed.responders = post(batchOf(sql), incidentId, [{ type: 'work.assign', responder: 'cheryl' }]);
 */
export function post(batch: WriteBatch, incidentId: string, requests: readonly ResponderRequest[]): Responder[] {
  if (requests.length === 0) return [];
  // One statement, the events in the step's order (a step releases one responder and assigns the next: two mailboxes).
  batch.add('INSERT INTO cluster_responder_requests (responder, incident_id, type) SELECT * FROM unnest($1::text[], $2::text[], $3::text[])', [
    requests.map((r) => r.responder), requests.map(() => incidentId), requests.map((r) => r.type),
  ]);
  return [...new Set(requests.map((r) => r.responder))];
}

/** What the mailbox runs through (the host's): a transaction as ClusterHost.tx runs it, a plain read, and work counted until stop(). */
export interface MailboxHost {
  tx(work: (sql: Sql, none: unknown, also: pg.QueryResult[]) => Promise<Committed | null>, incidentId: undefined, also: readonly pg.QueryConfig[]): Promise<void>;
  read<R>(work: (sql: Reader) => Promise<R>): Promise<R>;
  track<T>(work: Promise<T>): Promise<T>;
}

/** The responder's row, unless another transaction holds it (that one applies the requests, and looks again once it committed). */
const TAKE = `SELECT ${selectList('responders')} FROM responders WHERE id = $1 FOR UPDATE SKIP LOCKED`;
/** Its requests, read after the row was taken (a statement of its own: what committed before it, in the order posted). */
const REQUESTS = 'SELECT seq, incident_id, type FROM cluster_responder_requests WHERE responder = $1 ORDER BY seq';
const PENDING = 'SELECT EXISTS (SELECT 1 FROM cluster_responder_requests WHERE responder = $1) AS pending';
/**
 * The responders' rows ($1 ids, $2 capacities), each created unless it is there: by every
 * process as it starts (in id order: the same `seq` order on every database, and two
 * processes starting at once take the rows in the same order), and by the sweep for a row
 * deleted since.
 */
export const CREATE_RESPONDERS = `INSERT INTO responders (id, capacity, active, queue, updated_at) SELECT id, capacity, '{}', '{}', now() FROM unnest($1::text[], $2::int[]) AS r(id, capacity) ORDER BY id ON CONFLICT (id) DO NOTHING`;
/** Requests older than the sweep's age: their poster died before applying them, or applying them failed. */
const STRAYS = `SELECT DISTINCT responder FROM cluster_responder_requests WHERE requested_at < now() - make_interval(secs => $1)`;

/**
 * Cheryl's, Petra's and Atlas's mailboxes: a step that assigns or releases a responder
 * posts the event (post) and locks nothing of the responder's; once it committed, its
 * process applies every pending event of that responder through the responder machine,
 * in one transaction that takes the responder's row with SKIP LOCKED (so no step ever
 * waits for a responder) and writes the row, the acknowledgements armed or disarmed and
 * the events' deletion together. Whoever holds the row looks again after its commit, so
 * an event posted while it held the row (its poster found the row taken and left it to
 * the holder) is applied: no wake-up is lost. A process killed between its commit and the
 * apply leaves the events in the table; `sweep` (every process, every second) applies
 * those older than a few seconds.
 */
export class ResponderMailbox {
  /** This process's applier per responder; `again`: an event of ours was posted while it ran. */
  private readonly running = new Map<Responder, { again: boolean }>();

  constructor(private readonly host: MailboxHost, private readonly cx: ClusterContext) {}

  /** Applies the responder's pending events (once the step that posted one committed); coalesced with an applier under way here. */
  wake(responder: Responder): void {
    const running = this.running.get(responder);
    if (running) {
      running.again = true;
      return;
    }
    const run = { again: false };
    this.running.set(responder, run);
    const applying = this.applyAll(responder, run).finally(() => this.running.delete(responder));
    // A failure (the server away past the retries) leaves the events in the table, for the sweep.
    this.host.track(applying).catch(() => undefined);
  }

  /** Wakes the responders whose events have waited over `ageSeconds` (their poster died, or its apply failed). */
  async sweep(ageSeconds: number): Promise<void> {
    // host.read runs plain statements, no transaction: the insert below commits on its own.
    const strays = await this.host.read(async (sql) => {
      const found = (await sql.query(prepared(STRAYS, [ageSeconds]))).rows.map((r) => r.responder as Responder);
      // A row deleted since the processes started (TAKE finds none, as if it were taken): created again, with its configured capacity.
      if (found.length > 0) await sql.query(prepared(CREATE_RESPONDERS, [found, found.map((r) => this.cx.responders[r]?.capacity ?? 5)]));
      return found;
    });
    for (const responder of strays) this.wake(responder);
  }

  private async applyAll(responder: Responder, run: { again: boolean }): Promise<void> {
    for (;;) {
      run.again = false;
      const held = await this.applyOnce(responder);
      // Held: events posted while this held the row are looked for now; not held: the holder looks for them after its commit,
      // unless one of ours was posted after this found the row taken (the holder may have looked already).
      if (!run.again && !(held && (await this.pending(responder)))) return;
    }
  }

  private pending(responder: Responder): Promise<boolean> {
    return this.host.read(async (sql) => (await sql.query(prepared(PENDING, [responder]))).rows[0].pending === true);
  }

  /** One transaction: the row taken (false: another transaction holds it), the events applied in order, written, deleted. */
  private async applyOnce(responder: Responder): Promise<boolean> {
    let held = false;
    await this.host.tx(async (sql, _none, [taken, requests]) => {
      held = taken.rows.length > 0;
      if (!held || requests.rows.length === 0) return null;
      const row = fromColumns('responders', taken.rows[0]);
      const now = this.cx.rt.clock.now();
      const deadlines = new DeadlineChanges();
      let state = responderMachine.resolveState({ value: row.active.length > 0 ? 'busy' : 'idle', context: { id: responder, capacity: row.capacity, active: row.active, queue: row.queue } as ResponderContext });
      for (const request of requests.rows) {
        const [next, actions] = pureTransition(responderMachine, state, { type: request.type, incidentId: request.incident_id });
        for (const action of actions) {
          const p = action.params as { sendId?: string; event?: { incidentId: string } };
          // The responder's delayed `ack.due` becomes a durable deadline of the responder, due after
          // its latency (sampled here, once per acknowledgement, as the machine's ackLatency delay is).
          if (action.type === 'xstate.raise' && p.event) {
            deadlines.arm(responder, { kind: `ack:${p.event.incidentId}`, dueAt: now + this.ackLatency(responder), event: { type: 'ack.due', incidentId: p.event.incidentId } });
          }
          if ((action.type as string) === 'xstate.cancel' && p.sendId) deadlines.disarm(responder, [p.sendId]);
        }
        state = next;
      }
      const batch = batchOf(sql);
      batch.put('responders', [{ ...row, active: state.context.active, queue: state.context.queue, updatedAt: isoAt(now) }]);
      batch.add('DELETE FROM cluster_responder_requests WHERE seq = ANY($1::bigint[])', [requests.rows.map((r) => r.seq)]);
      const acks: QueuedWork[] = [];
      deadlines.writeTo(batch, acks);
      await this.cx.queue.insert(batch, acks);
      return null;
    }, undefined, [prepared(TAKE, [responder]), prepared(REQUESTS, [responder])]);
    return held;
  }

  /** A responder's acknowledgement latency, ms: the `responders` option's (a number, or drawn from the run's random source). */
  private ackLatency(responder: Responder): number {
    const latency = this.cx.responders[responder]?.ack ?? 0;
    return Math.max(0, Math.round(typeof latency === 'number' ? latency : latency(this.cx.rt.random)));
  }
}
