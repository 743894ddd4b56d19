import type { FollowUpRecord, IncidentRecord } from '../machines/types.js';
import type { Store } from '../store/types.js';
import { ReportError } from './errors.js';

const byDueThenId = (a: FollowUpRecord, b: FollowUpRecord): number =>
  a.dueAt < b.dueAt ? -1 : a.dueAt > b.dueAt ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;

/** Open and past due at `now` (due exactly now is not yet overdue). */
export const isOverdue = (f: FollowUpRecord, now: string): boolean =>
  f.status === 'open' && Date.parse(f.dueAt) < Date.parse(now);

/**
 * Open follow-ups past their due date, earliest due first.
 * @example overdueFollowUps(store, '2026-03-20T00:00:00Z').map((f) => f.owner) // ['petra']
 */
export function overdueFollowUps(store: Pick<Store, 'list'>, now: string): FollowUpRecord[] {
  return store.list('followups').filter((f) => isOverdue(f, now)).sort(byDueThenId);
}

/** Every open follow-up, earliest due first. */
export function openFollowUps(store: Pick<Store, 'list'>): FollowUpRecord[] {
  return store.list('followups', { status: 'open' }).sort(byDueThenId);
}

/**
 * Marks a follow-up done at `now` and saves it; completing a done one changes nothing.
 * Returns the saved record. Throws `ReportError` for an unknown id.
 * @example completeFollowUp(store, 'fu_1', '2026-03-05T10:00:00Z').status // 'done'
 */
export function completeFollowUp(store: Pick<Store, 'get' | 'put'>, id: string, now: string): FollowUpRecord {
  const current = store.get('followups', id);
  if (!current) throw new ReportError(`no follow-up "${id}" in the store`, 'unknown-followup');
  if (current.status === 'done') return current;
  const done: FollowUpRecord = { ...current, status: 'done', doneAt: now };
  store.put('followups', done);
  return done;
}

export interface RepeatAgainstFollowUps {
  incidentId: string;
  fingerprint: string;
  /** Follow-ups of earlier incidents with the same fingerprint still open when it recurred. */
  openAtRecurrence: string[];
  /** Follow-ups of earlier incidents with the same fingerprint done before it recurred. */
  doneBeforeRecurrence: string[];
}

/**
 * Reads the repeat rate against the follow-ups: for each repeat incident, which
 * corrective actions from earlier incidents with the same fingerprint were still open
 * (the fix was not in yet) or already done (the fix did not hold) when it recurred.
 * @example repeatsAgainstFollowUps(incidents, followups).filter((r) => r.openAtRecurrence.length > 0)
 */
export function repeatsAgainstFollowUps(
  incidents: readonly IncidentRecord[],
  followups: readonly FollowUpRecord[],
): RepeatAgainstFollowUps[] {
  return incidents
    .filter((r) => r.repeatOf !== null)
    .map((r) => {
      const recurred = Date.parse(r.detectedAt);
      const earlier = new Set(incidents
        .filter((i) => i.fingerprint === r.fingerprint && Date.parse(i.detectedAt) < recurred)
        .map((i) => i.id));
      if (r.repeatOf) earlier.add(r.repeatOf);
      const theirs = followups.filter((f) => earlier.has(f.incidentId)).sort(byDueThenId);
      const doneBefore = (f: FollowUpRecord) => f.doneAt !== null && Date.parse(f.doneAt) <= recurred;
      return {
        incidentId: r.id,
        fingerprint: r.fingerprint,
        openAtRecurrence: theirs.filter((f) => !doneBefore(f)).map((f) => f.id),
        doneBeforeRecurrence: theirs.filter(doneBefore).map((f) => f.id),
      };
    });
}
