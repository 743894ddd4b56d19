/** The self-contained HTML report: one file, inline CSS and SVG, no script, no network. */
import type { IncidentRecord } from '../machines/types.js';
import { weeklyIncidentsChart, weeklyRatesChart } from './charts.js';
import { resolutionDistributionChart } from './distributionChart.js';
import { escalationFunnelChart } from './funnelChart.js';
import { timeToResolve } from './metricGroups.js';
import { byDetection } from './incidentList.js';
import { inRange, SEVERITY_KEYS, type Metrics } from './metrics.js';
import { METRICS_HEADER, metricsRows } from './metricsTable.js';
import { HTML_STYLE } from './htmlStyle.js';
import { esc } from './svg.js';
import { formatDuration, formatPercent } from './time.js';

export interface HtmlReportInput {
  title: string;
  incidents: readonly IncidentRecord[];
  metrics: Metrics;
}

const table = (header: readonly string[], rows: string[][], cls = ''): string => [
  `<table${cls ? ` class="${cls}"` : ''}><thead><tr>${header.map((h) => `<th scope="col">${esc(h)}</th>`).join('')}</tr></thead><tbody>`,
  ...rows.map((r) => `<tr>${r.map((c, i) => (i === 0 ? `<th scope="row">${esc(c)}</th>` : `<td>${esc(c)}</td>`)).join('')}</tr>`),
  '</tbody></table>',
].join('\n');

const card = (label: string, value: string) =>
  `<div class="card"><div class="card-value">${esc(value)}</div><div class="card-label">${esc(label)}</div></div>`;

const section = (title: string, note: string, content: string) =>
  `<section><h2>${esc(title)}</h2><p class="note">${esc(note)}</p>\n${content}\n</section>`;

function incidentRows(incidents: readonly IncidentRecord[]): string[][] {
  return incidents.map((i) => [
    i.id, i.severity ?? 'unclassified', i.status, `${i.agent} / ${i.workflow ?? '—'} · ${i.tenant ?? '—'}`,
    `${i.detectedAt.slice(0, 16).replace('T', ' ')}`, formatDuration(timeToResolve(i)),
    i.repeatOf ?? '', i.rootCause ?? i.fingerprint,
  ]);
}

/** Rows the incidents table lists at most: a page a person reads, not a dump (report --json has every one). */
export const MAX_LISTED = 100;

const rank = (i: IncidentRecord): number => SEVERITY_KEYS.indexOf(i.severity ?? 'unclassified');
const bySeverity = (a: IncidentRecord, b: IncidentRecord): number => rank(a) - rank(b) || byDetection(a, b);
const count = (n: number) => n.toLocaleString('en-US');

/**
 * Every incident, oldest first, when they fit; else the MAX_LISTED most severe of those a
 * retry did not settle (escalated, open, breached), P0 first, and the note says how many
 * are not listed and where to read them.
 */
function listedIncidents(incidents: readonly IncidentRecord[]): { rows: IncidentRecord[]; note: string } {
  if (incidents.length <= MAX_LISTED) return { rows: [...incidents].sort(byDetection), note: 'Oldest first.' };
  const notable = incidents.filter((i) => !i.autoResolved || i.escalations.length > 0 || i.slaBreaches.length > 0);
  const rows = notable.sort(bySeverity).slice(0, MAX_LISTED);
  const unsettled = notable.length - rows.length;
  const settled = incidents.length - notable.length;
  return {
    rows,
    note: `${count(rows.length)} of ${count(incidents.length)} incidents listed: the most severe of the ${count(notable.length)} a retry did not settle, P0 first, then oldest first. ` +
      `Not listed: ${count(incidents.length - rows.length)} (${count(unsettled)} more a retry did not settle, ${count(settled)} a retry settled). Narrow with --from/--to, or read every incident with report --json.`,
  };
}

/**
 * One self-contained HTML page with the incident metrics and four charts (incidents
 * per week by severity, time to resolve against target, escalation funnel, weekly
 * auto-resolve and repeat rates). A Content-Security-Policy forbids any script or
 * network load; every data string is escaped. Deterministic: same input, same bytes.
 * @example writeFileSync('report.html', renderHtmlReport({ title: 'March', incidents, metrics: computeMetrics(incidents) }))
 */
export function renderHtmlReport(input: HtmlReportInput): string {
  const { title, metrics: m } = input;
  // The incidents drawn are the ones the metrics counted: same range filter.
  const incidents = inRange(input.incidents, { ...(m.range.from !== null && { from: m.range.from }), ...(m.range.to !== null && { to: m.range.to }) });
  const listed = listedIncidents(incidents);
  const o = m.overall;
  const range = `${m.range.from ?? 'first incident'} to ${m.range.to ?? 'last incident'}`;
  return [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<link rel="icon" href="data:,">',
    `<title>${esc(title)}</title>`,
    `<style>${HTML_STYLE}</style>`,
    '</head><body><main>',
    `<header><h1>${esc(title)}</h1><p class="note">${esc(`Incidents detected from ${range} · ${o.incidents} incident(s)`)}</p></header>`,
    `<div class="cards">${[
      card('Incidents', String(o.incidents)),
      card('MTTD (detect)', formatDuration(o.mttdMs)),
      card('MTTR (respond)', formatDuration(o.mttrMs)),
      card('Mean time to resolve', formatDuration(o.mttResolveMs)),
      card('SLA attainment', formatPercent(o.sla.attainment)),
      card('Auto-resolve rate', formatPercent(o.autoResolveRate)),
      card('Repeat rate', formatPercent(o.repeatRate)),
    ].join('')}</div>`,
    section('Metrics by severity', 'Means over the incidents that have the timestamps; SLA met = share of decided incidents meeting both response and resolution targets.',
      table(METRICS_HEADER, metricsRows(m), 'metrics')),
    section('Incidents per week', 'Incidents by ISO week of detection, stacked by severity.', weeklyIncidentsChart(m)),
    section('Time to resolve against target', 'Each dot is a resolved incident; black tick = median; dashed line = the severity’s resolution target; outlined dots missed it.',
      resolutionDistributionChart(incidents)),
    section('Escalation funnel', 'How far incidents went along the chain: share of detected incidents reaching each stage.', escalationFunnelChart(m.funnel)),
    section('Auto-resolve and repeat rates', 'Per ISO week; no point where a week had no incident.', weeklyRatesChart(m)),
    section('Incidents', listed.note, table(
      ['Incident', 'Severity', 'Status', 'Agent / workflow · tenant', 'Detected (UTC)', 'Time to resolve', 'Repeat of', 'Root cause'],
      incidentRows(listed.rows), 'incidents')),
    '</main></body></html>',
    '',
  ].join('\n');
}
