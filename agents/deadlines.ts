import type { ArmParams } from '../machines/incidentContext.js';
import type { DeadlineRecord } from '../machines/types.js';
import type { CommitRows } from '../store/types.js';
import { HAND_OVER, type Runtime } from './runtime.js';

/**
 * Durable deadlines. XState does not persist pending delayed events (a restored
 * actor loses them: statelyai/xstate#5331), so every deadline that must survive a
 * restart is a row in `deadlines`, armed on whichever clock runs and re-armed from
 * the rows on restore. A deadline fires with its original due time in `event.at`.
 *
 * The rows are written as they stand at each commit (the store's `beforeCommit`): a
 * restart finds exactly the deadlines armed when the records it restores were committed,
 * and one armed and fired or disarmed between two commits (a retry's wait, an
 * acknowledgement's) is never written at all. Between commits the `deadlines` table may
 * lag: ask `isArmed`. A store without `beforeCommit` gets each change at once.
 */
export class Deadlines {
  /** Per owner, each armed kind's timer and row: a row has one from the moment it is armed or restored until it fires or is disarmed. */
  private readonly armed = new Map<string, Map<string, Armed>>();
  /**
   * Rows changed since the last commit, by id: the row to put, or null to remove one the
   * store holds. A row no commit took, once fired or disarmed, leaves no entry: the bench's
   * 10,000 lifecycles between two commits left 70,000 removals of rows never written.
   */
  private readonly pending = new Map<string, DeadlineRecord | null>();
  private readonly hook: { changed(): void; off(): void } | null;
  private stopped = false;

  constructor(
    private readonly rt: Runtime,
    private readonly deliver: (row: DeadlineRecord) => void,
  ) {
    this.hook = rt.store.beforeCommit?.((rows) => this.write(rows)) ?? null;
  }

  arm(ownerId: string, p: ArmParams): void {
    const row: DeadlineRecord = { dueAt: p.dueAt, event: p.event, id: `${ownerId}:${p.kind}`, incidentId: ownerId, kind: p.kind };
    // The store holds this id if the row armed before was written, or one removed since is.
    const stored = this.armed.get(ownerId)?.get(p.kind)?.stored ?? this.pending.get(row.id) === null;
    this.change(row.id, row);
    this.schedule(row, stored);
  }

  disarm(ownerId: string, kinds: readonly string[]): void {
    const mine = this.armed.get(ownerId);
    if (!mine) return;
    for (const kind of kinds) {
      // No timer, no row to remove (most kinds disarmed at resolution never armed).
      const armed = mine.get(kind);
      if (!armed) continue;
      this.cancel(ownerId, kind);
      this.unset(armed);
    }
  }

  /** Whether the owner's deadline of this kind is armed (and not yet fired): what the next commit stores. */
  isArmed(ownerId: string, kind: string): boolean {
    return this.armed.get(ownerId)?.has(kind) === true;
  }

  /** Re-arms every persisted deadline; overdue ones fire at once, still carrying their due time. */
  restore(): number {
    const rows = this.rt.store.list('deadlines').sort((a, b) => a.dueAt - b.dueAt);
    for (const row of rows) this.schedule(row, true);
    return rows.length;
  }

  /** Stops the timers. The rows stay (the next commit writes what changed before): a restart re-arms them. */
  stop(): void {
    for (const [owner, mine] of [...this.armed]) for (const kind of [...mine.keys()]) this.cancel(owner, kind);
    this.stopped = true;
    // Unhooked once nothing is left for a commit to write (the engine's stop flushes next).
    if (this.pending.size === 0) this.hook?.off();
  }

  /** `stored`: whether the store's table holds a row with this id (see Armed). */
  private schedule(row: DeadlineRecord, stored: boolean): void {
    const { incidentId: owner, kind } = row;
    this.cancel(owner, kind);
    const delay = Math.max(0, row.dueAt - this.rt.clock.now());
    const timer = this.rt.clock.setTimeout(() => {
      // Only the row still armed fires: a disarm or a re-arm between scheduling and firing wins.
      const armed = this.armed.get(owner)?.get(kind);
      if (armed?.row !== row) return;
      this.forget(owner, kind);
      this.unset(armed);
      this.deliver(row);
    }, delay);
    let mine = this.armed.get(owner);
    if (!mine) this.armed.set(owner, (mine = new Map()));
    mine.set(kind, { timer, row, stored });
  }

  /** A row armed (`row`) or gone (null): stored at the next commit, or at once by a store without `beforeCommit`. */
  private change(id: string, row: DeadlineRecord | null): void {
    if (!this.hook) {
      // Built for this put and never edited: the store keeps it as it is.
      if (row) this.rt.store.put('deadlines', row, HAND_OVER);
      else this.rt.store.remove('deadlines', id);
      return;
    }
    this.pending.set(id, row);
    this.hook.changed();
  }

  /** A row fired or disarmed: removed from the store, if it holds it. */
  private unset({ row, stored }: Armed): void {
    if (!this.hook) this.rt.store.remove('deadlines', row.id);
    else if (stored) this.change(row.id, null);
    else this.pending.delete(row.id);
  }

  /** The commit under way takes the rows changed since the last one. */
  private write(rows: CommitRows): void {
    for (const [id, row] of this.pending) {
      if (!row) {
        rows.remove('deadlines', id);
        continue;
      }
      rows.put('deadlines', row);
      const armed = this.armed.get(row.incidentId)?.get(row.kind);
      if (armed?.row === row) armed.stored = true;
    }
    this.pending.clear();
    if (this.stopped) this.hook?.off();
  }

  private cancel(owner: string, kind: string): void {
    const armed = this.armed.get(owner)?.get(kind);
    if (armed === undefined) return;
    this.rt.clock.clearTimeout(armed.timer);
    this.forget(owner, kind);
  }

  private forget(owner: string, kind: string): void {
    const mine = this.armed.get(owner);
    if (!mine?.delete(kind) || mine.size > 0) return;
    this.armed.delete(owner);
  }
}

/** An armed deadline: its timer, its row, and whether the store's table holds a row with its id (written by a commit, or restored). */
interface Armed {
  readonly timer: unknown;
  readonly row: DeadlineRecord;
  stored: boolean;
}
