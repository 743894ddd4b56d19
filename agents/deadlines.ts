import type { ArmParams } from '../machines/incidentContext.js';
import type { DeadlineRecord } from '../machines/types.js';
import type { Runtime } from './runtime.js';

/**
 * Durable deadlines. XState does not persist pending delayed events (a restored
 * actor loses them: statelyai/xstate#5331), so every deadline that must survive a
 * restart is a row in `deadlines`, armed on whichever clock runs and re-armed from
 * the rows on restore. A deadline fires with its original due time in `event.at`.
 */
export class Deadlines {
  private readonly timers = new Map<string, unknown>();

  constructor(
    private readonly rt: Runtime,
    private readonly deliver: (row: DeadlineRecord) => void,
  ) {}

  arm(ownerId: string, p: ArmParams): void {
    const row: DeadlineRecord = { dueAt: p.dueAt, event: p.event, id: `${ownerId}:${p.kind}`, incidentId: ownerId, kind: p.kind };
    this.rt.store.put('deadlines', row);
    this.schedule(row);
  }

  disarm(ownerId: string, kinds: readonly string[]): void {
    for (const kind of kinds) {
      const id = `${ownerId}:${kind}`;
      // A row has a timer from the moment it is armed or restored until it fires or is
      // disarmed: no timer, no row to remove (most kinds disarmed at resolution never armed).
      if (!this.timers.has(id)) continue;
      this.cancel(id);
      this.rt.store.remove('deadlines', id);
    }
  }

  /** Re-arms every persisted deadline; overdue ones fire at once, still carrying their due time. */
  restore(): number {
    const rows = this.rt.store.list('deadlines').sort((a, b) => a.dueAt - b.dueAt);
    for (const row of rows) this.schedule(row);
    return rows.length;
  }

  stop(): void {
    for (const id of [...this.timers.keys()]) this.cancel(id);
  }

  private schedule(row: DeadlineRecord): void {
    this.cancel(row.id);
    const delay = Math.max(0, row.dueAt - this.rt.clock.now());
    const timer = this.rt.clock.setTimeout(() => {
      this.timers.delete(row.id);
      // Only a row still in the store fires: a disarm between scheduling and firing wins.
      const current = this.rt.store.get('deadlines', row.id);
      if (!current || current.dueAt !== row.dueAt) return;
      this.rt.store.remove('deadlines', row.id);
      this.deliver(current);
    }, delay);
    this.timers.set(row.id, timer);
  }

  private cancel(id: string): void {
    const timer = this.timers.get(id);
    if (timer === undefined) return;
    this.rt.clock.clearTimeout(timer);
    this.timers.delete(id);
  }
}
