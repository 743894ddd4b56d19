import PgBoss from 'pg-boss';
import plans from 'pg-boss/src/plans.js';
import { prepared } from '../../store/postgres/connection.js';
import { WriteBatch, type Sql } from './pgRows.js';

/** The one queue the cluster's durable work goes through (deadlines, attempts, acknowledgements, reviews, jobs). */
export const QUEUE = 'incident-flow';

/** A unit of durable work. Every kind is safe to run twice: its effect carries an idempotency key or a deadline row. */
export type WorkItem =
  | { t: 'deadline'; owner: string; kind: string }
  | { t: 'attempt'; incidentId: string; attempt: number; childId: string }
  | { t: 'duty'; incidentId: string; responder: string }
  | { t: 'review'; incidentId: string }
  | { t: 'fix'; incidentId: string; owner: string }
  | { t: 'job'; jobId: string };

export interface QueuedWork {
  id?: string;
  data: WorkItem;
  /** Epoch ms; absent: at once. */
  startAfter?: number;
}

export interface QueueSettings {
  /** pg-boss's own schema (one per store schema). */
  schema: string;
  /** A job not finished this long after it was taken is given to another process (its taker died). */
  expireInSeconds: number;
  pollingIntervalSeconds: number;
  /** Jobs each worker takes per fetch, and workers per process. */
  batchSize: number;
  workers: number;
}

/**
 * pg-boss 10 as the cluster's durable timer and work queue. Work is inserted inside the
 * caller's transaction (pg-boss's `db` option bound to that client), so it exists exactly
 * when the state change that asked for it committed. The standard queue policy only:
 * ordering per incident comes from the incident row lock, not from singleton or stately
 * queues (those have stalled: pg-boss #535, #536).
 */
export class BossQueue {
  readonly boss: PgBoss;
  private readonly workerIds: string[] = [];

  constructor(
    private readonly settings: QueueSettings,
    /** pg-boss's statements go through it (retried while the server restarts). */
    db: PgBoss.Db,
    /** Told when settling a batch failed for good (the server away past the retries): its items come back on expiry. */
    onUnsettled: (error: Error) => void,
  ) {
    // A worker's batch is settled by complete() or fail() sent without awaiting (pg-boss 10's
    // manager.js): one that fails for good would be an unhandled rejection, which ends the
    // process. Their failure is reported instead; the items expire and are taken again, and
    // every item is idempotent.
    const settling = new Set([plans.completeJobs(settings.schema), plans.failJobsById(settings.schema)]);
    const guarded: PgBoss.Db = {
      executeSql: (text, values) => {
        const sent = db.executeSql(text, values);
        if (!settling.has(text)) return sent;
        return sent.catch((error: unknown) => {
          onUnsettled(error instanceof Error ? error : new Error(String(error)));
          return { rows: [{ count: '0' }] }; // what pg-boss reads: no item settled
        });
      },
    };
    this.boss = new PgBoss({
      db: guarded,
      schema: settings.schema,
      // A killed process's taken jobs come back after their expiry; supervision checks every second.
      maintenanceIntervalSeconds: 1,
      schedule: false,
    });
  }

  async start(onError: (error: Error) => void): Promise<void> {
    this.boss.on('error', onError);
    await this.boss.start();
    // createQueue before send/work (pg-boss 10); another process may create it at the same moment.
    try {
      await this.boss.createQueue(QUEUE, { name: QUEUE, policy: 'standard', retryLimit: 1000, retryDelay: 1, expireInSeconds: this.settings.expireInSeconds });
    } catch (error) {
      if (!(await this.boss.getQueue(QUEUE))) throw error;
    }
  }

  /** Inserts work in the caller's transaction, or adds its statement to the transaction's batch of writes. */
  async insert(into: Sql | WriteBatch, items: readonly QueuedWork[]): Promise<void> {
    if (items.length === 0) return;
    const db = into instanceof WriteBatch ? into.db : { executeSql: (text: string, values: unknown[]) => into.query(prepared(text, values)) };
    await this.boss.insert(
      items.map((item) => ({ name: QUEUE, data: item.data, ...(item.id ? { id: item.id } : {}), ...(item.startAfter !== undefined ? { startAfter: new Date(item.startAfter).toISOString() } : {}), expireInSeconds: this.settings.expireInSeconds })),
      { db },
    );
  }

  async work(handler: (item: WorkItem, jobId: string) => Promise<void>): Promise<void> {
    for (let i = 0; i < this.settings.workers; i++) {
      const id = await this.boss.work<WorkItem>(QUEUE, { batchSize: this.settings.batchSize, pollingIntervalSeconds: this.settings.pollingIntervalSeconds }, async (jobs) => {
        // A failed item fails the batch: every item is idempotent, so the retry redoes only what did not commit.
        await Promise.all(jobs.map((job) => handler(job.data, job.id)));
      });
      this.workerIds.push(id);
    }
  }

  /** Wakes this process's workers (work due now was just committed). */
  wake(): void {
    for (const id of this.workerIds) this.boss.notifyWorker(id);
  }

  /**
   * Takes no more items and waits for the ones taken, as long as an item may run before it is
   * given to another process (`expireInSeconds`): failed back to the queue sooner, a step this
   * process still finishes would run again elsewhere. The caller ends the pool only after
   * whatever is still under way settled (ClusterEngine's stop).
   */
  async stop(): Promise<void> {
    await this.boss.stop({ graceful: true, wait: true, timeout: this.settings.expireInSeconds * 1000 });
  }
}
