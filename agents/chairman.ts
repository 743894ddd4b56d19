import type { ArmParams } from '../machines/incidentContext.js';
import type { IncidentRecord, KbDocument, NotificationRecord } from '../machines/types.js';
import type { Store } from '../store/types.js';
import { buildBoardSummary } from '../reports/boardSummary.js';
import { isoWeek, isoWeekStart } from '../reports/time.js';
import { isoAt, type Runtime } from './runtime.js';
import type { Deadlines } from './deadlines.js';

const DAY = 86_400_000;
export const WEEK = 7 * DAY;
/** The owner id of the board's own deadline row. */
export const BOARD = '_board';

/**
 * The Chairman agent (the board): receives Atlas's memos as notifications, and at
 * the end of every ISO week a summary of the week's incidents (spec, Step 5:
 * "notifies the board via the weekly summary"), on a durable weekly deadline.
 */
export class Chairman {
  /**
   * Incidents saved since the engine started, each with when it was last saved: a week's
   * summary reads those saved since the week began (and the unresolved ones) instead of
   * every incident in the store, which grows with the run.
   */
  readonly #saved = new Map<string, number>();
  /** Saves before this instant were not seen: a week that began earlier reads the whole table. */
  readonly #since: number;

  constructor(
    private readonly rt: Runtime,
    private readonly deadlines: Deadlines,
  ) {
    this.#since = rt.clock.now();
  }

  /** An incident's record was just saved. */
  saved(id: string): void {
    this.#saved.set(id, this.rt.clock.now());
  }

  /** Arms the next weekly summary unless one is already armed (a restart keeps the row). */
  start(): void {
    if (this.deadlines.isArmed(BOARD, 'weekly')) return;
    this.arm(nextWeekStart(this.rt.clock.now()));
  }

  /** Writes the summary of the week that ended at `at`, then arms the next one. */
  weekly(at: number): string {
    const id = this.summarize(at - WEEK, at);
    this.arm(at + WEEK);
    return id;
  }

  /** Writes the board summary of the week starting at `weekStart`. */
  summarize(weekStart: number, at: number): string {
    const incidents = weekStart >= this.#since ? this.#candidates(weekStart) : undefined;
    const { document, notification } = weeklySummary(this.rt.store, weekStart, at, this.rt.ids, incidents);
    this.rt.store.put('kb_documents', document);
    this.rt.store.put('notifications', notification);
    return document.id;
  }

  /**
   * Every incident the week's summary may name: detected or breached in the week means
   * saved at or after its start; an unresolved P0 from before is in the unresolved index.
   */
  #candidates(weekStart: number): IncidentRecord[] {
    for (const [id, at] of this.#saved) if (at < weekStart) this.#saved.delete(id);
    const ids = new Set(this.#saved.keys());
    for (const record of this.rt.store.list('incidents', { resolvedAt: null })) ids.add(record.id);
    return [...ids].flatMap((id) => this.rt.store.get('incidents', id) ?? []);
  }

  private arm(dueAt: number): void {
    this.deadlines.arm(BOARD, weeklyDeadline(dueAt));
  }
}

/** When the week after the one holding `at` begins (Monday 00:00 UTC): the first summary's due time. */
export function nextWeekStart(at: number): number {
  return isoWeekStart(isoWeek(at)) + WEEK;
}

/** The board's weekly deadline, due at `dueAt` (the end of the week it summarizes). */
export function weeklyDeadline(dueAt: number): ArmParams {
  return { kind: 'weekly', dueAt, event: { type: 'board.weekly', at: dueAt } };
}

/**
 * The week's summary document and Atlas's notice of it to the Chairman, not yet stored (the
 * single-process engine puts them in its store, the cluster in the deadline's transaction).
 * `incidents`: a superset of the incidents the week's summary may name (see buildBoardSummary).
 */
export function weeklySummary(store: Pick<Store, 'get' | 'list'>, weekStart: number, at: number, ids: (prefix: string) => string, incidents?: IncidentRecord[]): { document: KbDocument; notification: NotificationRecord } {
  const document = buildBoardSummary(store, { weekStart: isoAt(weekStart), now: isoAt(at), ids, incidents });
  const notification: NotificationRecord = {
    id: ids('ntf'),
    ts: isoAt(at),
    from: 'atlas',
    to: 'chairman',
    channel: 'internal',
    subject: document.title,
    body: `Weekly incident summary: document ${document.id}`,
    incidentId: null,
  };
  return { document, notification };
}
