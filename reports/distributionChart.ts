/** Time to resolve per severity, against each severity's resolution target. */
import type { IncidentRecord } from '../machines/types.js';
import { timeToResolve } from './metricGroups.js';
import { SEVERITY_KEYS, type SeverityKey } from './metrics.js';
import { resolutionTargetMs, slaVerdict } from './sla.js';
import { p50 } from './stats.js';
import { esc, inner, logScale, num, SEVERITY_COLOURS, svgRoot, xLabels, type Frame } from './svg.js';
import { formatDuration } from './time.js';

const MIN = 60_000;
const TICKS: Array<[number, string]> = [
  [10_000, '10s'], [MIN, '1m'], [5 * MIN, '5m'], [15 * MIN, '15m'], [60 * MIN, '1h'],
  [240 * MIN, '4h'], [1440 * MIN, '1d'], [7 * 1440 * MIN, '7d'], [30 * 1440 * MIN, '30d'],
];

/** Dots drawn per row at most: beyond it a row shows evenly spaced quantiles, so a month of 20,000 incidents stays a light page. */
export const MAX_DOTS = 400;

/** Every point when few; else MAX_DOTS quantiles of the sorted times plus, up to as many again, the missed targets. */
function shown<P extends { ms: number; missed: boolean; i: IncidentRecord }>(points: P[]): P[] {
  if (points.length <= MAX_DOTS) return points;
  const sorted = [...points].sort((a, b) => a.ms - b.ms || (a.i.id < b.i.id ? -1 : 1));
  const picked = new Set<P>();
  for (let k = 0; k < MAX_DOTS; k++) picked.add(sorted[Math.floor((k * (sorted.length - 1)) / (MAX_DOTS - 1))]);
  for (const p of sorted) if (p.missed && picked.size < 2 * MAX_DOTS) picked.add(p);
  return sorted.filter((p) => picked.has(p));
}

/** Golden-ratio jitter: spreads dots vertically, the same way on every run. */
const jitter = (i: number): number => ((i * 0.618_033_988_75) % 1) - 0.5;

/**
 * A strip plot, one row per severity, of each resolved incident's time to resolve
 * (log scale), with the row's median as a black tick and its target as a dashed line.
 * Dots outlined in black missed their resolution target. P3's target, "next window",
 * is drawn at its upper bound of 7 days. Large rows show quantiles (see MAX_DOTS); the
 * median is always over every incident.
 */
export function resolutionDistributionChart(incidents: readonly IncidentRecord[]): string {
  const rows = SEVERITY_KEYS.map((key) => ({
    key,
    points: incidents
      .filter((i) => (i.severity ?? 'unclassified') === key && i.resolvedAt !== null)
      .map((i) => ({ i, ms: timeToResolve(i) as number, missed: slaVerdict(i).resolution === 'missed' })),
    open: incidents.filter((i) => (i.severity ?? 'unclassified') === key && i.resolvedAt === null).length,
  }));
  const all = rows.flatMap((r) => r.points.map((p) => p.ms));
  const lo = Math.min(10_000, ...all.map((v) => Math.max(v, 1000)));
  const hi = Math.max(7 * 1440 * MIN, ...all) * 1.15;
  const rowHeight = 62;
  const frame: Frame = { width: 960, height: 60 + rowHeight * rows.length, left: 110, right: 20, top: 12, bottom: 48 };
  const { x0, x1, y0, y1 } = inner(frame);
  const x = logScale(lo, hi, x0, x1);
  const body: string[] = [];
  const ticks = TICKS.filter(([v]) => v >= lo && v <= hi);
  for (const [v] of ticks) body.push(`<line class="grid" x1="${num(x(v))}" x2="${num(x(v))}" y1="${y0}" y2="${y1}"/>`);
  body.push(`<line class="axis" x1="${x0}" x2="${x1}" y1="${y1}" y2="${y1}"/>`);
  rows.forEach((row, r) => {
    const cy = y0 + rowHeight * (r + 0.5);
    const colour = SEVERITY_COLOURS[row.key as SeverityKey];
    const dots = shown(row.points);
    const extra = row.open > 0 ? ` (+${row.open} open)` : '';
    body.push(`<text class="row-label" x="${x0 - 10}" y="${num(cy - 6)}" text-anchor="end">${esc(row.key)}</text>`);
    body.push(`<text class="tick" x="${x0 - 10}" y="${num(cy + 9)}" text-anchor="end">${esc(`n=${row.points.length}${extra}`)}</text>`);
    if (dots.length < row.points.length) body.push(`<text class="tick" x="${x0 - 10}" y="${num(cy + 21)}" text-anchor="end">${esc(`${dots.length} shown`)}</text>`);
    if (r > 0) body.push(`<line class="grid" x1="${x0}" x2="${x1}" y1="${num(cy - rowHeight / 2)}" y2="${num(cy - rowHeight / 2)}"/>`);
    if (row.key !== 'unclassified') {
      const t = resolutionTargetMs(row.key);
      const label = row.key === 'P3' ? 'next window ≤ 7d' : `target ${formatDuration(t)}`;
      body.push(`<line class="target" x1="${num(x(t))}" x2="${num(x(t))}" y1="${num(cy - rowHeight / 2 + 4)}" y2="${num(cy + rowHeight / 2 - 4)}"/>`);
      body.push(`<text class="target-label" x="${num(x(t) - 4)}" y="${num(cy - rowHeight / 2 + 12)}" text-anchor="end">${esc(label)}</text>`);
    }
    dots.forEach((p, k) => {
      const stroke = p.missed ? ' stroke="#111" stroke-width="1.5"' : ' stroke="#fff" stroke-width="0.8"';
      // The top 16 px of a row hold the target label; dots spread below it.
      body.push(`<circle cx="${num(x(p.ms))}" cy="${num(cy + 6 + jitter(k) * (rowHeight - 34))}" r="4.5" fill="${colour}" fill-opacity="0.85"${stroke}><title>${esc(`${p.i.id} ${row.key}: resolved in ${formatDuration(p.ms)}${p.missed ? ' (target missed)' : ''}`)}</title></circle>`);
    });
    const median = p50(row.points.map((p) => p.ms));
    if (median !== null) {
      body.push(`<line class="median" x1="${num(x(median))}" x2="${num(x(median))}" y1="${num(cy - 8)}" y2="${num(cy + 20)}"><title>${esc(`${row.key} median ${formatDuration(median)}`)}</title></line>`);
    }
  });
  body.push(...xLabels(frame, ticks.map(([v, label]) => ({ x: x(v), label })), 'Time from detection to resolution (log scale)'));
  return svgRoot(frame, 'Time to resolve per severity against its resolution target', body);
}
