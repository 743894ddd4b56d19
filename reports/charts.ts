/** The weekly charts: incidents stacked by severity, and auto-resolve/repeat rates. */
import type { Metrics } from './metrics.js';
import { SEVERITY_KEYS } from './metrics.js';
import { esc, inner, legend, linear, niceCountAxis, num, SEVERITY_COLOURS, svgRoot, xLabels, yAxis, type Frame } from './svg.js';

const FRAME: Frame = { width: 960, height: 300, left: 56, right: 16, top: 14, bottom: 48 };

/** Show at most ~12 week labels so they never overlap. */
const labelEvery = (count: number): number => Math.max(1, Math.ceil(count / 12));

/**
 * Incidents per ISO week (of detection), stacked by severity.
 * @example weeklyIncidentsChart(computeMetrics(incidents))
 */
export function weeklyIncidentsChart(m: Metrics): string {
  const { x0, x1, y0, y1 } = inner(FRAME);
  const weeks = m.weeks;
  const axis = niceCountAxis(Math.max(0, ...weeks.map((w) => w.incidents)));
  const y = linear(0, axis.max, y1, y0);
  const band = weeks.length ? (x1 - x0) / weeks.length : 0;
  // Capped so one or two weeks do not draw slabs across the whole chart.
  const barWidth = Math.min(64, Math.max(2, band * 0.7));
  const body: string[] = [];
  const ticks = [];
  for (let v = 0; v <= axis.max; v += axis.step) ticks.push({ value: v, label: String(v) });
  body.push(...yAxis(FRAME, ticks, y, 'Incidents'));
  weeks.forEach((w, i) => {
    const x = x0 + band * i + (band - barWidth) / 2;
    let base = 0;
    for (const key of SEVERITY_KEYS) {
      const count = w.bySeverity[key];
      if (count === 0) continue;
      const top = y(base + count);
      body.push(`<rect x="${num(x)}" y="${num(top)}" width="${num(barWidth)}" height="${num(y(base) - top)}" fill="${SEVERITY_COLOURS[key]}"><title>${esc(`${w.week} ${key}: ${count}`)}</title></rect>`);
      base += count;
    }
    if (w.incidents > 0) body.push(`<text class="value" x="${num(x + barWidth / 2)}" y="${num(y(w.incidents) - 4)}" text-anchor="middle">${w.incidents}</text>`);
  });
  const every = labelEvery(weeks.length);
  body.push(...xLabels(FRAME, weeks.flatMap((w, i) => (i % every === 0 ? [{ x: x0 + band * (i + 0.5), label: w.week }] : [])), 'ISO week of detection'));
  if (weeks.length === 0) body.push(`<text class="empty" x="${num((x0 + x1) / 2)}" y="${num((y0 + y1) / 2)}" text-anchor="middle">No incidents in range</text>`);
  return legend(SEVERITY_KEYS.map((k) => ({ colour: SEVERITY_COLOURS[k], label: k }))) +
    svgRoot(FRAME, 'Incidents per ISO week, stacked by severity', body);
}

const RATE_SERIES = [
  // Different dot sizes: where the rates coincide the first shows as a ring around the second.
  { key: 'autoResolveRate', label: 'Auto-resolve rate', colour: '#1b7f5a', dash: '', r: 5.5 },
  { key: 'repeatRate', label: 'Repeat incident rate', colour: '#7b3fa0', dash: ' stroke-dasharray="6 4"', r: 3 },
] as const;

/**
 * Auto-resolve rate and repeat rate per ISO week, as lines on a 0–100 % axis.
 * Weeks without incidents have no rate: the line breaks there.
 */
export function weeklyRatesChart(m: Metrics): string {
  const { x0, x1, y0, y1 } = inner(FRAME);
  const weeks = m.weeks;
  const y = linear(0, 1, y1, y0);
  const band = weeks.length ? (x1 - x0) / weeks.length : 0;
  const xOf = (i: number) => x0 + band * (i + 0.5);
  const body = yAxis(FRAME, [0, 0.25, 0.5, 0.75, 1].map((v) => ({ value: v, label: `${v * 100}%` })), y, 'Share of the week’s incidents');
  for (const s of RATE_SERIES) {
    const segments: string[][] = [[]];
    weeks.forEach((w, i) => {
      const rate = w[s.key];
      if (rate === null) {
        segments.push([]);
        return;
      }
      segments[segments.length - 1].push(`${num(xOf(i))},${num(y(rate))}`);
      body.push(`<circle cx="${num(xOf(i))}" cy="${num(y(rate))}" r="${s.r}" fill="${s.colour}"><title>${esc(`${w.week} ${s.label}: ${(rate * 100).toFixed(1)}% of ${w.incidents}`)}</title></circle>`);
    });
    for (const seg of segments.filter((p) => p.length > 1)) {
      body.push(`<polyline fill="none" stroke="${s.colour}" stroke-width="2"${s.dash} points="${seg.join(' ')}"/>`);
    }
  }
  const every = labelEvery(weeks.length);
  body.push(...xLabels(FRAME, weeks.flatMap((w, i) => (i % every === 0 ? [{ x: xOf(i), label: w.week }] : [])), 'ISO week of detection'));
  return legend(RATE_SERIES.map((s) => ({ colour: s.colour, label: s.label, line: true }))) +
    svgRoot(FRAME, 'Auto-resolve and repeat incident rates per ISO week', body);
}
