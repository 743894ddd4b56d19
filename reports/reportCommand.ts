import type { Store } from '../store/types.js';
import { renderHtmlReport } from './html.js';
import { computeMetrics, inRange, STATUSES, type Metrics } from './metrics.js';
import { METRICS_HEADER, metricsRows, textTable } from './metricsTable.js';
import { incidentList } from './incidentList.js';
import { formatPercent } from './time.js';

export interface ReportCommandOptions {
  /** ISO instant: incidents detected at or after it. */
  from?: string;
  /** ISO instant: incidents detected before it. */
  to?: string;
  /** Print the metrics as JSON instead of the text table. */
  json?: boolean;
  /** Output path of the HTML report; when set, the page is returned for the caller to write. */
  html?: string;
}

/** The text summary: range, metrics by severity, funnel, statuses, weeks. */
export function renderTextReport(m: Metrics): string {
  const f = m.funnel;
  const share = (n: number) => formatPercent(f.detected === 0 ? null : n / f.detected);
  const statuses = STATUSES.filter((s) => m.byStatus[s] > 0).map((s) => `${s} ${m.byStatus[s]}`);
  const weeks = m.weeks.map((w) => [
    w.week, String(w.incidents), String(w.bySeverity.P0), String(w.bySeverity.P1), String(w.bySeverity.P2),
    String(w.bySeverity.P3), String(w.bySeverity.unclassified), formatPercent(w.autoResolveRate), formatPercent(w.repeatRate),
  ]);
  return [
    `Incident metrics, detected ${m.range.from ?? 'from the first incident'} ${m.range.to ? `to ${m.range.to}` : 'to the last incident'}`,
    '',
    textTable(METRICS_HEADER, metricsRows(m)),
    '',
    `Escalation funnel: detected ${f.detected} → retried ${f.retried} (${share(f.retried)}) → Cheryl ${f.cheryl} (${share(f.cheryl)}) → Petra ${f.petra} (${share(f.petra)}) → Atlas ${f.atlas} (${share(f.atlas)})`,
    `By status: ${statuses.length ? statuses.join(', ') : 'none'}`,
    '',
    weeks.length
      ? textTable(['Week', 'Incidents', 'P0', 'P1', 'P2', 'P3', 'unclassified', 'Auto-resolved', 'Repeats'], weeks)
      : 'No incidents in range.',
    '',
  ].join('\n');
}

/**
 * `incident-flow report --db FILE [--from ISO] [--to ISO] [--json] [--html OUT.html]`:
 * the metrics as a readable text summary (or JSON), and the HTML page when `html` is
 * set, with the number of incidents in the store (the incidents are listed once). Writes
 * nothing: the CLI prints `text` and writes `html` to the path it was given.
 * @example
 * const { text, html, incidents } = reportCommand(store, { html: 'out.html' });
 * process.stdout.write(text); if (html) writeFileSync('out.html', html);
 */
export function reportCommand(store: Pick<Store, 'list'>, opts: ReportCommandOptions = {}): { text: string; html?: string; incidents: number } {
  const range = { ...(opts.from !== undefined && { from: opts.from }), ...(opts.to !== undefined && { to: opts.to }) };
  const incidents = store.list('incidents');
  const metrics = computeMetrics(incidents, range);
  const text = opts.json ? `${JSON.stringify(metrics, null, 2)}\n` : `${renderTextReport(metrics)}\n${incidentList(inRange(incidents, range), 'narrow with --from/--to')}\n`;
  if (opts.html === undefined) return { text, incidents: incidents.length };
  const title = `Incident report${opts.from || opts.to ? ` ${opts.from ?? '…'} to ${opts.to ?? '…'}` : ''}`;
  return { text, html: renderHtmlReport({ title, incidents, metrics }), incidents: incidents.length };
}
