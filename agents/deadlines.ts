import type { ArmParams } from '../machines/incidentContext.js';
import type { DeadlineRecord } from '../machines/types.js';
import { HAND_OVER, type Runtime } from './runtime.js';

/**
 * Durable deadlines. XState does not persist pending delayed events (a restored
 * actor loses them: statelyai/xstate#5331), so every deadline that must survive a
 * restart is a row in `deadlines`, armed on whichever clock runs and re-armed from
 * the rows on restore. A deadline fires with its original due time in `event.at`.
 */
export class Deadlines {
  /** Per owner, each armed kind's timer and row: a row has one from the moment it is armed or restored until it fires or is disarmed. */
  private readonly armed = new Map<string, Map<string, { timer: unknown; row: DeadlineRecord }>>();

  constructor(
    private readonly rt: Runtime,
    private readonly deliver: (row: DeadlineRecord) => void,
  ) {}

  arm(ownerId: string, p: ArmParams): void {
    const row: DeadlineRecord = { dueAt: p.dueAt, event: p.event, id: `${ownerId}:${p.kind}`, incidentId: ownerId, kind: p.kind };
    // Built for this put and never edited: the store keeps it as it is.
    this.rt.store.put('deadlines', row, HAND_OVER);
    this.schedule(row);
  }

  disarm(ownerId: string, kinds: readonly string[]): void {
    const mine = this.armed.get(ownerId);
    if (!mine) return;
    for (const kind of kinds) {
      // No timer, no row to remove (most kinds disarmed at resolution never armed).
      const armed = mine.get(kind);
      if (!armed) continue;
      this.cancel(ownerId, kind);
      this.rt.store.remove('deadlines', armed.row.id);
    }
  }

  /** Re-arms every persisted deadline; overdue ones fire at once, still carrying their due time. */
  restore(): number {
    const rows = this.rt.store.list('deadlines').sort((a, b) => a.dueAt - b.dueAt);
    for (const row of rows) this.schedule(row);
    return rows.length;
  }

  stop(): void {
    for (const [owner, mine] of [...this.armed]) for (const kind of [...mine.keys()]) this.cancel(owner, kind);
  }

  private schedule(row: DeadlineRecord): void {
    const { incidentId: owner, kind } = row;
    this.cancel(owner, kind);
    const delay = Math.max(0, row.dueAt - this.rt.clock.now());
    const timer = this.rt.clock.setTimeout(() => {
      this.forget(owner, kind);
      // Only a row still in the store fires: a disarm between scheduling and firing wins.
      const current = this.rt.store.get('deadlines', row.id);
      if (!current || current.dueAt !== row.dueAt) return;
      this.rt.store.remove('deadlines', row.id);
      this.deliver(current);
    }, delay);
    let mine = this.armed.get(owner);
    if (!mine) this.armed.set(owner, (mine = new Map()));
    mine.set(kind, { timer, row });
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
