import { SEVERITIES, type IncidentRecord, type IncidentStatus, type Severity } from '../machines/types.js';
import type { Store } from '../store/types.js';
import { funnelOf, groupMetrics, isAutoResolved, isRepeat, type Funnel, type GroupMetrics } from './metricGroups.js';
import { ratio } from './stats.js';
import { isoWeek, weeksBetween } from './time.js';

/** Severity buckets: incidents auto-resolved before triage may have no severity. */
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

/** The incidents detected in `[from, to)`: what the metrics, the HTML page and the lists count. */
export function inRange(incidents: readonly IncidentRecord[], opts: MetricsOptions): IncidentRecord[] {
  const from = opts.from === undefined ? -Infinity : Date.parse(opts.from);
  const to = opts.to === undefined ? Infinity : Date.parse(opts.to);
  if (Number.isNaN(from) || Number.isNaN(to)) {
    throw new RangeError(`incident-flow reports: range ${opts.from ?? ''}..${opts.to ?? ''}: expected ISO-8601 instants`);
  }
  return incidents.filter((i) => {
    const t = Date.parse(i.detectedAt);
    return t >= from && t < to;
  });
}

function weekly(incidents: readonly IncidentRecord[], opts: MetricsOptions): WeekMetrics[] {
  // Each incident's week once, its incidents grouped in their order: one pass, not one per week.
  const byWeek = new Map<string, IncidentRecord[]>();
  for (const incident of incidents) {
    const week = isoWeek(incident.detectedAt);
    const these = byWeek.get(week);
    if (these) these.push(incident);
    else byWeek.set(week, [incident]);
  }
  const weeks = [...byWeek.keys()].sort();
  const first = opts.from !== undefined ? isoWeek(opts.from) : weeks[0];
  const last = opts.to !== undefined ? isoWeek(Date.parse(opts.to) - 1) : weeks[weeks.length - 1];
  if (first === undefined || last === undefined) return [];
  return weeksBetween(first, last).map((week) => {
    const these = byWeek.get(week) ?? [];
    const bySeverity = Object.fromEntries(SEVERITY_KEYS.map((k) => [k, these.filter((i) => keyOf(i) === k).length]));
    const autoResolved = these.filter(isAutoResolved).length;
    const repeats = these.filter(isRepeat).length;
    return {
      week,
      incidents: these.length,
      bySeverity: bySeverity as Record<SeverityKey, number>,
      autoResolved,
      repeats,
      autoResolveRate: ratio(autoResolved, these.length),
      repeatRate: ratio(repeats, these.length),
    };
  });
}

/**
 * The incident metrics of the spec's "Metrics Tracked", overall and per severity, for
 * incidents detected in `[from, to)`. Pure: same incidents, same numbers.
 * Definitions: reports/METRICS.md.
 * @example
 * const m = computeMetrics(store.list('incidents'), { from: '2026-03-02T00:00:00Z' });
 * m.bySeverity.P0.mttrMs // mean time to respond to P0s, in ms
 */
export function computeMetrics(incidents: readonly IncidentRecord[], opts: MetricsOptions = {}): Metrics {
  const selected = inRange(incidents, opts);
  const bySeverity = Object.fromEntries(
    SEVERITY_KEYS.map((k) => [k, groupMetrics(selected.filter((i) => keyOf(i) === k))]),
  ) as Record<SeverityKey, GroupMetrics>;
  const byStatus = Object.fromEntries(STATUSES.map((s) => [s, selected.filter((i) => i.status === s).length]));
  return {
    range: { from: opts.from ?? null, to: opts.to ?? null },
    overall: groupMetrics(selected),
    bySeverity,
    weeks: weekly(selected, opts),
    byStatus: byStatus as Record<IncidentStatus, number>,
    funnel: funnelOf(selected),
  };
}

/**
 * `computeMetrics` over the store's `incidents` table.
 * @example metricsFromStore(await openStore('run.json', { readonly: true }), { to: '2026-04-01T00:00:00Z' })
 */
export function metricsFromStore(store: Pick<Store, 'list'>, opts: MetricsOptions = {}): Metrics {
  return computeMetrics(store.list('incidents'), opts);
}
