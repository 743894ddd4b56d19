/** The metrics-by-severity table, as cells shared by the text report and the HTML page. */
import type { GroupMetrics } from './metricGroups.js';
import { SEVERITY_KEYS, type Metrics } from './metrics.js';
import { formatDuration, formatPercent } from './time.js';

export const METRICS_HEADER = [
  'Severity', 'Incidents', 'MTTD', 'MTTR (respond)', 'Mean resolve', 'p50 resolve', 'p95 resolve',
  'Max resolve', 'SLA met', 'Auto-resolved', 'Repeats', 'Escalations', 'SLA breaches',
] as const;

function row(label: string, g: GroupMetrics): string[] {
  return [
    label,
    String(g.incidents),
    formatDuration(g.mttdMs),
    formatDuration(g.mttrMs),
    formatDuration(g.mttResolveMs),
    formatDuration(g.resolveP50Ms),
    formatDuration(g.resolveP95Ms),
    formatDuration(g.resolveMaxMs),
    g.sla.judged === 0 ? '—' : `${formatPercent(g.sla.attainment)} (${g.sla.met}/${g.sla.judged})`,
    formatPercent(g.autoResolveRate),
    formatPercent(g.repeatRate),
    String(g.escalations),
    String(g.slaBreaches),
  ];
}

/**
 * One row per severity (unclassified included), then the overall row.
 * @example metricsRows(m)[4][0] // 'unclassified'
 */
export function metricsRows(m: Metrics): string[][] {
  return [...SEVERITY_KEYS.map((k) => row(k, m.bySeverity[k])), row('All', m.overall)];
}

/**
 * A plain-text table with columns padded to their widest cell (numbers right-aligned).
 * @example textTable(['a', 'b'], [['x', '1']]) // 'a  b\n-  -\nx  1'
 */
export function textTable(header: readonly string[], rows: string[][]): string {
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
  const line = (cells: readonly string[]) =>
    cells.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  ').trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}
