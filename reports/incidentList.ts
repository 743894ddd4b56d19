/** The incidents named in the text output of `run` and `report`, so `review <id>` needs no grep. */

/** What a line needs: an IncidentRecord has it, and so does a rehearsal's IncidentSummary. */
export interface ListedIncident {
  id: string;
  severity: string | null;
  status: string;
  agent: string;
  workflow: string | null;
  detectedAt: string;
  reviewId: string | null;
}

/** Lines listed at most: the text output stays a screen, report.json and the store keep every incident. */
export const MAX_INCIDENT_LINES = 20;

/** Incidents in order of detection, ties by id: the order every incident listing uses. */
export const byDetection = (a: Pick<ListedIncident, 'detectedAt' | 'id'>, b: Pick<ListedIncident, 'detectedAt' | 'id'>): number =>
  a.detectedAt === b.detectedAt ? (a.id < b.id ? -1 : 1) : a.detectedAt < b.detectedAt ? -1 : 1;

/**
 * The incidents as a table: those with a post-incident review first (they are what `review`
 * reads), then the rest, each group in order of detection; past `max`, a line saying how
 * many were left out and where `more` finds them. One pass that keeps the first `max` of
 * each group, so a long run's incidents can come one at a time (`store.each('incidents')`).
 * @example incidentList(store.list('incidents'), 'narrow with --from/--to')
 */
export function incidentList(incidents: Iterable<ListedIncident>, more: string, max = MAX_INCIDENT_LINES): string {
  const reviewed: ListedIncident[] = [];
  const others: ListedIncident[] = [];
  let [count, reviews] = [0, 0];
  for (const incident of incidents) {
    count++;
    if (incident.reviewId !== null) reviews++;
    keepFirst(incident.reviewId !== null ? reviewed : others, incident, max);
  }
  if (count === 0) return 'Incidents: none';
  const shown = [...reviewed, ...others].slice(0, max);
  const rows = shown.map((i) => [
    i.id, i.severity ?? '—', i.status, `${i.agent}${i.workflow ? ` / ${i.workflow}` : ''}`,
    i.detectedAt.slice(0, 19).replace('T', ' '), i.reviewId ? 'yes' : '',
  ]);
  const left = count - shown.length;
  return [
    `Incidents (${count}${reviews ? `, ${reviews} with a review` : ''}):`,
    ...leftAligned(['Incident', 'Sev', 'Status', 'Agent / workflow', 'Detected (UTC)', 'Review'], rows),
    ...(left > 0 ? [`…and ${left} more (${more})`] : []),
  ].join('\n');
}

/** Puts `incident` in its place in `first` (in order of detection), keeping at most `max`. */
function keepFirst(first: ListedIncident[], incident: ListedIncident, max: number): void {
  if (max <= 0 || (first.length === max && byDetection(incident, first[max - 1]) > 0)) return;
  let at = first.length;
  while (at > 0 && byDetection(incident, first[at - 1]) < 0) at--;
  first.splice(at, 0, incident);
  if (first.length > max) first.pop();
}

/** Words read left to right: every column padded on the right, indented under its title. */
function leftAligned(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
  return [header, ...rows].map((cells) => `  ${cells.map((cell, c) => cell.padEnd(widths[c])).join('  ').trimEnd()}`);
}
