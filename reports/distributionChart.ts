/** Time to resolve per severity, against each severity's resolution target. */
import type { IncidentRecord } from '../machines/types.js';
import { timeToResolve } from './metricGroups.js';
import { SEVERITY_KEYS, type SeverityKey } from './metrics.js';
import { resolutionTargetMs, slaVerdict } from './sla.js';
import { p50 } from './stats.js';
import { esc, inner, logScale, num, SEVERITY_COLOURS, svgRoot, xLabels, type Frame } from './svg.js';
import { formatDuration } from './time.js';

const MIN = 60_000;
const SECOND = 1000;
const TICKS: Array<[number, string]> = [
  [SECOND, '1s'], [10_000, '10s'], [MIN, '1m'], [5 * MIN, '5m'], [15 * MIN, '15m'], [60 * MIN, '1h'],
  [240 * MIN, '4h'], [1440 * MIN, '1d'], [7 * 1440 * MIN, '7d'], [30 * 1440 * MIN, '30d'],
];
/** A log axis has no 0: resolves under a second get a slot of their own, ZERO_SLOT into the plot, and the axis starts at 1s ZERO_GAP in. */
const ZERO_SLOT = 14;
const ZERO_GAP = 40;

/** Dots drawn per row at most (missed targets included): beyond it a row shows a sample, so a month of 20,000 incidents stays a light page. */
export const MAX_DOTS = 400;

/** `count` items spread evenly over `items` (first and last included). */
function evenly<T>(items: readonly T[], count: number): T[] {
  if (count >= items.length) return [...items];
  if (count <= 1) return items.slice(0, count);
  return Array.from({ length: count }, (_, k) => items[Math.floor((k * (items.length - 1)) / (count - 1))] as T);
}

/**
 * Every point when few; else at most MAX_DOTS: up to half of them the missed targets
 * (spread over their range), the rest evenly spaced quantiles of the sorted times.
 */
function shown<P extends { ms: number; missed: boolean; i: IncidentRecord }>(points: P[]): P[] {
  if (points.length <= MAX_DOTS) return points;
  const sorted = [...points].sort((a, b) => a.ms - b.ms || (a.i.id < b.i.id ? -1 : 1));
  const missed = sorted.filter((p) => p.missed);
  const picked = new Set<P>(evenly(missed, MAX_DOTS / 2));
  for (const p of evenly(sorted, MAX_DOTS - picked.size)) picked.add(p);
  return sorted.filter((p) => picked.has(p));
}

/** Golden-ratio jitter: spreads dots vertically, the same way on every run. */
const jitter = (i: number): number => ((i * 0.618_033_988_75) % 1) - 0.5;

/**
 * A strip plot, one row per severity, of each resolved incident's time to resolve
 * (log scale), with the row's median as a black tick and its target as a dashed line.
 * Dots outlined in black missed their resolution target. P3's target, "next window",
 * is drawn at its upper bound of 7 days. Resolves under a second sit in a slot labelled
 * "0s" left of the log axis (which starts at 1s). Large rows show a sample of at most
 * MAX_DOTS, labelled "N drawn"; the median is always over every incident.
 */
export function resolutionDistributionChart(incidents: readonly IncidentRecord[]): string {
  const rows = SEVERITY_KEYS.map((key) => ({
    key,
    points: incidents
      .filter((i) => (i.severity ?? 'unclassified') === key && i.resolvedAt !== null)
      .map((i) => ({ i, ms: timeToResolve(i) as number, missed: slaVerdict(i).resolution === 'missed' })),
    open: incidents.filter((i) => (i.severity ?? 'unclassified') === key && i.resolvedAt === null).length,
  }));
  let lo = 10_000;
  let hi = 7 * 1440 * MIN;
  let sub = { any: false, zero: true };
  for (const row of rows) {
    for (const { ms } of row.points) {
      lo = Math.min(lo, Math.max(ms, SECOND));
      hi = Math.max(hi, ms);
      if (ms < SECOND) sub = { any: true, zero: sub.zero && ms === 0 };
    }
  }
  hi *= 1.15;
  const rowHeight = 62;
  const frame: Frame = { width: 960, height: 60 + rowHeight * rows.length, left: 110, right: 20, top: 12, bottom: 48 };
  const { x0, x1, y0, y1 } = inner(frame);
  // Resolves under a second (a retry that settled at once: 0s) sit in their own labelled slot, clear of the axis's end.
  const start = sub.any ? x0 + ZERO_GAP : x0;
  const log = logScale(lo, hi, start, x1);
  const x = (v: number): number => (sub.any && v < SECOND ? x0 + ZERO_SLOT : log(v));
  const body: string[] = [];
  const ticks: Array<[number, string]> = TICKS.filter(([v]) => v >= lo && v <= hi);
  if (sub.any) ticks.unshift([0, sub.zero ? '0s' : '<1s']);
  for (const [v] of ticks) body.push(`<line class="grid" x1="${num(x(v))}" x2="${num(x(v))}" y1="${y0}" y2="${y1}"/>`);
  // A break in the axis between the slot and the log scale: 0 is not a point on a log axis.
  if (sub.any) body.push(`<line class="axis" x1="${x0}" x2="${num(start - 10)}" y1="${y1}" y2="${y1}"/>`, `<line class="axis" x1="${num(start - 4)}" x2="${x1}" y1="${y1}" y2="${y1}"/>`);
  else body.push(`<line class="axis" x1="${x0}" x2="${x1}" y1="${y1}" y2="${y1}"/>`);
  rows.forEach((row, r) => {
    const cy = y0 + rowHeight * (r + 0.5);
    const colour = SEVERITY_COLOURS[row.key as SeverityKey];
    const dots = shown(row.points);
    const extra = row.open > 0 ? ` (+${row.open} open)` : '';
    body.push(`<text class="row-label" x="${x0 - 10}" y="${num(cy - 6)}" text-anchor="end">${esc(row.key)}</text>`);
    body.push(`<text class="tick" x="${x0 - 10}" y="${num(cy + 9)}" text-anchor="end">${esc(`n=${row.points.length}${extra}`)}</text>`);
    if (dots.length < row.points.length) body.push(`<text class="tick" x="${x0 - 10}" y="${num(cy + 21)}" text-anchor="end">${esc(`${dots.length} drawn`)}</text>`);
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
