import type { IncidentRecord, Responder } from '../machines/types.js';
import { grown } from '../store/grown.js';
import { slaVerdict } from './sla.js';
import { p50, p95, ratio } from './stats.js';
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
  /**
   * The longest time to resolve: a few long incidents among many short ones put the mean
   * above the p95, and the max, never below the mean, shows the tail that does it.
   */
  resolveMaxMs: number | null;
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
export function groupMetrics(incidents: Iterable<IncidentRecord>): GroupMetrics {
  const tally = new GroupTally();
  for (const incident of incidents) tally.add(incident);
  return tally.result();
}

/**
 * `groupMetrics` one incident at a time, so a pass over a store's incidents holds numbers,
 * not records: sums in the order added (the same floating-point means as a sum over a
 * list), and the times to resolve, for their percentiles.
 * @example const t = new GroupTally(); for (const i of store.each('incidents')) t.add(i); t.result().mttrMs
 */
export class GroupTally {
  #incidents = 0;
  #detectSum = 0;
  #respondSum = 0;
  #responded = 0;
  #resolveSum = 0;
  /** The times to resolve, in `#resolve[0, #resolved)`: a typed array, not a number a slot of V8's heap. */
  #resolve = new Float64Array(64);
  #resolved = 0;
  #resolveMax = -Infinity;
  #met = 0;
  #judged = 0;
  #autoResolved = 0;
  #repeats = 0;
  #escalations = 0;
  #slaBreaches = 0;

  add(i: IncidentRecord): void {
    this.#incidents++;
    this.#detectSum += msBetween(i.failureStartedAt, i.detectedAt);
    if (i.respondedAt !== null) {
      this.#respondSum += msBetween(i.detectedAt, i.respondedAt);
      this.#responded++;
    }
    const resolve = timeToResolve(i);
    if (resolve !== null) {
      this.#resolveSum += resolve;
      if (this.#resolved === this.#resolve.length) this.#resolve = grown(this.#resolve, this.#resolved);
      this.#resolve[this.#resolved++] = resolve;
      this.#resolveMax = Math.max(this.#resolveMax, resolve);
    }
    const sla = slaVerdict(i);
    if (sla.judged) {
      this.#judged++;
      if (sla.met) this.#met++;
    }
    if (isAutoResolved(i)) this.#autoResolved++;
    if (isRepeat(i)) this.#repeats++;
    this.#escalations += i.escalations.length;
    this.#slaBreaches += i.slaBreaches.length;
  }

  result(): GroupMetrics {
    const n = this.#incidents;
    const resolved = this.#resolved;
    const times = this.#resolve.subarray(0, resolved);
    return {
      incidents: n,
      mttdMs: n === 0 ? null : this.#detectSum / n,
      mttrMs: this.#responded === 0 ? null : this.#respondSum / this.#responded,
      mttResolveMs: resolved === 0 ? null : this.#resolveSum / resolved,
      resolveP50Ms: p50(times),
      resolveP95Ms: p95(times),
      resolveMaxMs: resolved === 0 ? null : this.#resolveMax,
      responded: this.#responded,
      resolved,
      sla: { met: this.#met, judged: this.#judged, attainment: ratio(this.#met, this.#judged) },
      autoResolved: this.#autoResolved,
      autoResolveRate: ratio(this.#autoResolved, n),
      repeats: this.#repeats,
      repeatRate: ratio(this.#repeats, n),
      escalations: this.#escalations,
      slaBreaches: this.#slaBreaches,
    };
  }
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
export function funnelOf(incidents: Iterable<IncidentRecord>): Funnel {
  const funnel: Funnel = { detected: 0, retried: 0, cheryl: 0, petra: 0, atlas: 0 };
  for (const incident of incidents) addToFunnel(funnel, incident);
  return funnel;
}

/** Counts one incident into a funnel (a pass over incidents one at a time). */
export function addToFunnel(funnel: Funnel, i: IncidentRecord): void {
  funnel.detected++;
  if (i.retries.length > 0) funnel.retried++;
  if (reached(i, 'cheryl')) funnel.cheryl++;
  if (reached(i, 'petra')) funnel.petra++;
  if (reached(i, 'atlas')) funnel.atlas++;
}
