import type { IncidentRecord, Responder } from '../machines/types.js';
import { slaVerdict } from './sla.js';
import { mean, p50, p95, ratio } from './stats.js';
import { msBetween } from './time.js';

/** Metrics of one group of incidents (all of them, or one severity). Durations in ms. */
export interface GroupMetrics {
  incidents: number;
  /** Mean time to detect: detectedAt − failureStartedAt. */
  mttdMs: number | null;
  /** Mean time to respond: respondedAt − detectedAt, over acknowledged incidents. */
  mttrMs: number | null;
  /** Mean time to resolve: resolvedAt − detectedAt, over resolved incidents. */
  mttResolveMs: number | null;
  resolveP50Ms: number | null;
  resolveP95Ms: number | null;
  responded: number;
  resolved: number;
  sla: { met: number; judged: number; attainment: number | null };
  autoResolved: number;
  autoResolveRate: number | null;
  repeats: number;
  repeatRate: number | null;
  escalations: number;
  slaBreaches: number;
}

/** Resolved by the retry ladder alone: auto-resolved and never escalated. */
export const isAutoResolved = (i: IncidentRecord): boolean => i.autoResolved && i.escalations.length === 0;

/** Its root-cause fingerprint occurred before (the engine links the earlier incident). */
export const isRepeat = (i: IncidentRecord): boolean => i.repeatOf !== null;

/** Time to resolve in ms, or null while open. */
export const timeToResolve = (i: IncidentRecord): number | null =>
  i.resolvedAt === null ? null : msBetween(i.detectedAt, i.resolvedAt);

/**
 * Whether the escalation chain reached a responder: they hold the incident, or an
 * escalation went to or came from them. The engine hands incidents to Cheryl by
 * assignment (no escalation record), so "escalated from Cheryl" is how a later stage
 * shows she had it.
 */
export const reached = (i: IncidentRecord, who: Responder): boolean =>
  i.assignee === who || i.escalations.some((e) => e.to === who || e.from === who);

/**
 * The metrics of a group of incidents.
 * @example groupMetrics([]).mttdMs // null
 */
export function groupMetrics(incidents: readonly IncidentRecord[]): GroupMetrics {
  const detect = incidents.map((i) => msBetween(i.failureStartedAt, i.detectedAt));
  const respond = incidents.flatMap((i) => (i.respondedAt === null ? [] : [msBetween(i.detectedAt, i.respondedAt)]));
  const resolve = incidents.flatMap((i) => {
    const t = timeToResolve(i);
    return t === null ? [] : [t];
  });
  const verdicts = incidents.map(slaVerdict);
  const met = verdicts.filter((v) => v.judged && v.met).length;
  const judged = verdicts.filter((v) => v.judged).length;
  const autoResolved = incidents.filter(isAutoResolved).length;
  const repeats = incidents.filter(isRepeat).length;
  return {
    incidents: incidents.length,
    mttdMs: mean(detect),
    mttrMs: mean(respond),
    mttResolveMs: mean(resolve),
    resolveP50Ms: p50(resolve),
    resolveP95Ms: p95(resolve),
    responded: respond.length,
    resolved: resolve.length,
    sla: { met, judged, attainment: ratio(met, judged) },
    autoResolved,
    autoResolveRate: ratio(autoResolved, incidents.length),
    repeats,
    repeatRate: ratio(repeats, incidents.length),
    escalations: incidents.reduce((n, i) => n + i.escalations.length, 0),
    slaBreaches: incidents.reduce((n, i) => n + i.slaBreaches.length, 0),
  };
}

/** How far incidents went along the spec's escalation chain. */
export interface Funnel {
  detected: number;
  retried: number;
  cheryl: number;
  petra: number;
  atlas: number;
}

/** @example funnelOf([]) // { detected: 0, retried: 0, cheryl: 0, petra: 0, atlas: 0 } */
export function funnelOf(incidents: readonly IncidentRecord[]): Funnel {
  return {
    detected: incidents.length,
    retried: incidents.filter((i) => i.retries.length > 0).length,
    cheryl: incidents.filter((i) => reached(i, 'cheryl')).length,
    petra: incidents.filter((i) => reached(i, 'petra')).length,
    atlas: incidents.filter((i) => reached(i, 'atlas')).length,
  };
}
