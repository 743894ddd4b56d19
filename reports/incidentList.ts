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
 * many were left out and where `more` finds them.
 * @example incidentList(store.list('incidents'), 'narrow with --from/--to')
 */
export function incidentList(incidents: readonly ListedIncident[], more: string, max = MAX_INCIDENT_LINES): string {
  if (incidents.length === 0) return 'Incidents: none';
  const reviewed = incidents.filter((i) => i.reviewId !== null).sort(byDetection);
  const others = incidents.filter((i) => i.reviewId === null).sort(byDetection);
  const shown = [...reviewed, ...others].slice(0, max);
  const rows = shown.map((i) => [
    i.id, i.severity ?? '—', i.status, `${i.agent}${i.workflow ? ` / ${i.workflow}` : ''}`,
    i.detectedAt.slice(0, 19).replace('T', ' '), i.reviewId ? 'yes' : '',
  ]);
  const left = incidents.length - shown.length;
  return [
    `Incidents (${incidents.length}${reviewed.length ? `, ${reviewed.length} with a review` : ''}):`,
    ...leftAligned(['Incident', 'Sev', 'Status', 'Agent / workflow', 'Detected (UTC)', 'Review'], rows),
    ...(left > 0 ? [`…and ${left} more (${more})`] : []),
  ].join('\n');
}

/** Words read left to right: every column padded on the right, indented under its title. */
function leftAligned(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
  return [header, ...rows].map((cells) => `  ${cells.map((cell, c) => cell.padEnd(widths[c])).join('  ').trimEnd()}`);
}
