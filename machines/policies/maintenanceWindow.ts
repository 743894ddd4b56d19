/** A weekly maintenance window in UTC; `day` 0 is Sunday (as `Date#getUTCDay`). */
export interface MaintenanceWindow {
  day: number;
  hour: number;
  minute: number;
}

/** The spec's P3 "next window" default: weekly, Sunday 02:00 UTC. */
export const DEFAULT_MAINTENANCE_WINDOW: MaintenanceWindow = { day: 0, hour: 2, minute: 0 };

const DAY = 86_400_000;

/**
 * The start of the first maintenance window strictly after `after` (epoch ms).
 * @example nextMaintenanceWindow(Date.parse('2026-03-02T14:00:00Z')) // 2026-03-08T02:00:00Z
 */
export function nextMaintenanceWindow(after: number, window: MaintenanceWindow = DEFAULT_MAINTENANCE_WINDOW): number {
  const d = new Date(after);
  const midnight = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());
  const daysAhead = (window.day - d.getUTCDay() + 7) % 7;
  let start = midnight + daysAhead * DAY + (window.hour * 60 + window.minute) * 60_000;
  if (start <= after) start += 7 * DAY;
  return start;
}
