import { buildBoardSummary } from '../reports/boardSummary.js';
import { isoWeek, isoWeekStart } from '../reports/time.js';
import { isoAt, type Runtime } from './runtime.js';
import type { Deadlines } from './deadlines.js';

const DAY = 86_400_000;
const WEEK = 7 * DAY;
/** The owner id of the board's own deadline row. */
export const BOARD = '_board';

/**
 * The Chairman agent (the board): receives Atlas's memos as notifications, and at
 * the end of every ISO week a summary of the week's incidents (spec, Step 5:
 * "notifies the board via the weekly summary"), on a durable weekly deadline.
 */
export class Chairman {
  constructor(
    private readonly rt: Runtime,
    private readonly deadlines: Deadlines,
  ) {}

  /** Arms the next weekly summary unless one is already armed (a restart keeps the row). */
  start(): void {
    if (this.rt.store.get('deadlines', `${BOARD}:weekly`)) return;
    this.arm(isoWeekStart(isoWeek(this.rt.clock.now())) + WEEK);
  }

  /** Writes the summary of the week that ended at `at`, then arms the next one. */
  weekly(at: number): string {
    const id = this.summarize(at - WEEK, at);
    this.arm(at + WEEK);
    return id;
  }

  /** Writes the board summary of the week starting at `weekStart`. */
  summarize(weekStart: number, at: number): string {
    const doc = buildBoardSummary(this.rt.store, { weekStart: isoAt(weekStart), now: isoAt(at), ids: this.rt.ids });
    this.rt.store.put('kb_documents', doc);
    this.rt.store.put('notifications', {
      id: this.rt.ids('ntf'),
      ts: isoAt(at),
      from: 'atlas',
      to: 'chairman',
      channel: 'internal',
      subject: doc.title,
      body: `Weekly incident summary: document ${doc.id}`,
      incidentId: null,
    });
    return doc.id;
  }

  private arm(dueAt: number): void {
    this.deadlines.arm(BOARD, { kind: 'weekly', dueAt, event: { type: 'board.weekly', at: dueAt } });
  }
}
