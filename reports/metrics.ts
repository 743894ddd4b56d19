import { SEVERITIES, type IncidentRecord, type IncidentStatus, type Severity } from '../machines/types.js';
import type { Store } from '../store/types.js';
import { addToFunnel, funnelOf, GroupTally, isAutoResolved, isRepeat, type Funnel, type GroupMetrics } from './metricGroups.js';
import { ratio } from './stats.js';
import { isoWeek, weeksBetween } from './time.js';

/** Severity buckets: the engine classifies at detection; a record written otherwise may have no severity. */
export type SeverityKey = Severity | 'unclassified';
export const SEVERITY_KEYS: readonly SeverityKey[] = [...SEVERITIES, 'unclassified'];

export const STATUSES: readonly IncidentStatus[] = [
  'detected', 'retrying', 'triaged', 'coordinated', 'executive', 'resolved', 'auto_resolved', 'closed',
];

export interface WeekMetrics {
  /** ISO week of `detectedAt`, e.g. "2026-W10". */
  week: string;
  incidents: number;
  bySeverity: Record<SeverityKey, number>;
  autoResolved: number;
  repeats: number;
  autoResolveRate: number | null;
  repeatRate: number | null;
}

export interface Metrics {
  /** The filter applied to `detectedAt`: from inclusive, to exclusive. */
  range: { from: string | null; to: string | null };
  overall: GroupMetrics;
  bySeverity: Record<SeverityKey, GroupMetrics>;
  /** Every ISO week of the range (or of the data), empty weeks included, oldest first. */
  weeks: WeekMetrics[];
  byStatus: Record<IncidentStatus, number>;
  funnel: Funnel;
}

export interface MetricsOptions {
  /** ISO instant; incidents detected at or after it. */
  from?: string;
  /** ISO instant; incidents detected before it. */
  to?: string;
}

const keyOf = (i: IncidentRecord): SeverityKey => i.severity ?? 'unclassified';

/** The epoch-ms bounds of a range; a bound that is not an instant is a RangeError. */
function boundsOf(opts: MetricsOptions): { from: number; to: number } {
  const from = opts.from === undefined ? -Infinity : Date.parse(opts.from);
  const to = opts.to === undefined ? Infinity : Date.parse(opts.to);
  if (Number.isNaN(from) || Number.isNaN(to)) {
    throw new RangeError(`incident-flow reports: range ${opts.from ?? ''}..${opts.to ?? ''}: expected ISO-8601 instants`);
  }
  return { from, to };
}

/** The incidents detected in `[from, to)`: what the metrics, the HTML page and the lists count. */
export function inRange(incidents: readonly IncidentRecord[], opts: MetricsOptions): IncidentRecord[] {
  const { from, to } = boundsOf(opts);
  return incidents.filter((i) => {
    const t = Date.parse(i.detectedAt);
    return t >= from && t < to;
  });
}

/** One ISO week's counts, as incidents are added. */
interface WeekTally {
  incidents: number;
  bySeverity: Record<SeverityKey, number>;
  autoResolved: number;
  repeats: number;
}

const zeroBySeverity = () => Object.fromEntries(SEVERITY_KEYS.map((k) => [k, 0])) as Record<SeverityKey, number>;

function weekly(byWeek: ReadonlyMap<string, WeekTally>, opts: MetricsOptions): WeekMetrics[] {
  const weeks = [...byWeek.keys()].sort();
  const first = opts.from !== undefined ? isoWeek(opts.from) : weeks[0];
  const last = opts.to !== undefined ? isoWeek(Date.parse(opts.to) - 1) : weeks[weeks.length - 1];
  if (first === undefined || last === undefined) return [];
  return weeksBetween(first, last).map((week) => {
    const t = byWeek.get(week) ?? { incidents: 0, bySeverity: zeroBySeverity(), autoResolved: 0, repeats: 0 };
    return {
      week,
      incidents: t.incidents,
      bySeverity: t.bySeverity,
      autoResolved: t.autoResolved,
      repeats: t.repeats,
      autoResolveRate: ratio(t.autoResolved, t.incidents),
      repeatRate: ratio(t.repeats, t.incidents),
    };
  });
}

/**
 * The incident metrics of the spec's "Metrics Tracked", overall and per severity, for
 * incidents detected in `[from, to)`. Pure: same incidents, same numbers. One pass that
 * keeps counts, sums and the times to resolve, not the incidents: `store.each('incidents')`
 * gives the metrics of a long run without holding its records.
 * Definitions: reports/METRICS.md.
 * @example
 * const m = computeMetrics(store.list('incidents'), { from: '2026-03-02T00:00:00Z' });
 * m.bySeverity.P0.mttrMs // mean time to respond to P0s, in ms
 */
export function computeMetrics(incidents: Iterable<IncidentRecord>, opts: MetricsOptions = {}): Metrics {
  const { from, to } = boundsOf(opts);
  const overall = new GroupTally();
  const bySeverity = new Map(SEVERITY_KEYS.map((k) => [k, new GroupTally()]));
  const byStatus = new Map<string, number>(STATUSES.map((s) => [s, 0]));
  const funnel: Funnel = funnelOf([]);
  const byWeek = new Map<string, WeekTally>();
  for (const i of incidents) {
    const t = Date.parse(i.detectedAt);
    if (!(t >= from && t < to)) continue;
    const key = keyOf(i);
    overall.add(i);
    bySeverity.get(key)?.add(i);
    const status = byStatus.get(i.status);
    if (status !== undefined) byStatus.set(i.status, status + 1);
    addToFunnel(funnel, i);
    const week = isoWeek(i.detectedAt);
    let w = byWeek.get(week);
    if (!w) byWeek.set(week, (w = { incidents: 0, bySeverity: zeroBySeverity(), autoResolved: 0, repeats: 0 }));
    w.incidents++;
    if (Object.hasOwn(w.bySeverity, key)) w.bySeverity[key]++;
    if (isAutoResolved(i)) w.autoResolved++;
    if (isRepeat(i)) w.repeats++;
  }
  return {
    range: { from: opts.from ?? null, to: opts.to ?? null },
    overall: overall.result(),
    bySeverity: Object.fromEntries(SEVERITY_KEYS.map((k) => [k, bySeverity.get(k)!.result()])) as Record<SeverityKey, GroupMetrics>,
    weeks: weekly(byWeek, opts),
    byStatus: Object.fromEntries(byStatus) as Record<IncidentStatus, number>,
    funnel,
  };
}

/**
 * `computeMetrics` over the store's `incidents` table.
 * @example metricsFromStore(await openStore('run.json', { readonly: true }), { to: '2026-04-01T00:00:00Z' })
 */
export function metricsFromStore(store: Pick<Store, 'each'>, opts: MetricsOptions = {}): Metrics {
  return computeMetrics(store.each('incidents'), opts);
}
