/**
 * Time helpers for reports: ISO weeks, fixed-format durations and the check of an instant a user
 * gives (a report's range, the watcher's time filters). Everything works in
 * UTC on ISO-8601 strings or epoch milliseconds and never reads the wall clock.
 */

const DAY = 86_400_000;

/** What the reports' text shows for no value (a mean over no incidents, a share of none). */
export const NONE = '—';

/** ISO-8601's date and date-time forms: `Date.parse` alone also takes "1" (the year 2001) or "March 3". */
const ISO_8601 = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})?)?$/;

/**
 * Whether `text` is an instant in ISO-8601's form that `Date.parse` reads (the CLI's report
 * range, the watcher's time filters).
 * @example isIsoInstant('2026-03-02T14:00:00Z') // true; isIsoInstant('1') // false; isIsoInstant('2026-02-30') // false
 */
export function isIsoInstant(text: string): boolean {
  if (!ISO_8601.test(text) || Number.isNaN(Date.parse(text))) return false;
  // Date.parse rolls a day the month lacks over into the next month (2026-02-30 is March 2nd).
  const [year, month, day] = text.slice(0, 10).split('-').map(Number);
  return new Date(Date.UTC(year, month - 1, day)).getUTCDate() === day;
}

/**
 * The ISO-8601 week of an instant (UTC), as "YYYY-Www".
 * @example isoWeek('2026-03-02T10:00:00Z') // '2026-W10'
 * @example isoWeek('2021-01-03T23:00:00Z') // '2020-W53'
 */
export function isoWeek(at: string | number): string {
  const d = new Date(typeof at === 'number' ? at : Date.parse(at));
  // The ISO year of a week is the year of its Thursday.
  const thursday = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()) + (3 - ((d.getUTCDay() + 6) % 7)) * DAY;
  const year = new Date(thursday).getUTCFullYear();
  const week = Math.floor((thursday - Date.UTC(year, 0, 1)) / (7 * DAY)) + 1;
  return `${year}-W${String(week).padStart(2, '0')}`;
}

/**
 * Monday 00:00 UTC of an ISO week, epoch ms.
 * @example new Date(isoWeekStart('2026-W10')).toISOString() // '2026-03-02T00:00:00.000Z'
 */
export function isoWeekStart(week: string): number {
  const m = /^(\d{4})-W(\d{2})$/.exec(week);
  if (!m) throw new RangeError(`incident-flow reports: week "${week}": expected "YYYY-Www"`);
  const jan4 = Date.UTC(Number(m[1]), 0, 4);
  const mondayOfWeek1 = jan4 - ((new Date(jan4).getUTCDay() + 6) % 7) * DAY;
  return mondayOfWeek1 + (Number(m[2]) - 1) * 7 * DAY;
}

/**
 * Every ISO week from `first` to `last` inclusive, so charts show empty weeks too.
 * @example weeksBetween('2026-W52', '2027-W01') // ['2026-W52', '2026-W53', '2027-W01']
 */
export function weeksBetween(first: string, last: string): string[] {
  const out: string[] = [];
  for (let t = isoWeekStart(first); t <= isoWeekStart(last); t += 7 * DAY) out.push(isoWeek(t));
  return out;
}

/** Milliseconds from `a` to `b` (ISO strings). */
export const msBetween = (a: string, b: string): number => Date.parse(b) - Date.parse(a);

/**
 * A duration in a fixed, compact format: "45s", "4m 05s", "2h 07m", "3d 04h". Null → "—".
 * @example formatDuration(245_000) // '4m 05s'
 */
export function formatDuration(ms: number | null): string {
  if (ms === null) return NONE;
  const sign = ms < 0 ? '-' : '';
  const s = Math.round(Math.abs(ms) / 1000);
  const pad = (n: number) => String(n).padStart(2, '0');
  if (s < 60) return `${sign}${s}s`;
  if (s < 3600) return `${sign}${Math.floor(s / 60)}m ${pad(s % 60)}s`;
  if (s < 86_400) return `${sign}${Math.floor(s / 3600)}h ${pad(Math.floor(s / 60) % 60)}m`;
  return `${sign}${Math.floor(s / 86_400)}d ${pad(Math.floor(s / 3600) % 24)}h`;
}

/**
 * An offset from the start of an incident as "T+mm:ss" (minutes are not capped at 59).
 * @example formatOffset(125_000) // 'T+02:05'
 */
export function formatOffset(ms: number): string {
  const s = Math.floor(Math.abs(ms) / 1000);
  return `T${ms < 0 ? '-' : '+'}${String(Math.floor(s / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
}

/** A share as a fixed one-decimal percentage; null → "—". @example formatPercent(0.125) // '12.5%' */
export function formatPercent(share: number | null): string {
  return share === null ? NONE : `${(share * 100).toFixed(1)}%`;
}
