import type { FollowUpRecord, IncidentRecord, IncidentStatus, KbDocument } from '../machines/types.js';
import type { Store } from '../store/types.js';
import { ReportError } from './errors.js';
import { isOverdue, openFollowUps } from './followups.js';
import { byDetection } from './incidentList.js';
import { formatInstant, mdTable } from './markdown.js';
import { computeMetrics, SEVERITY_KEYS, type SeverityKey } from './metrics.js';
import { storedReview } from './review.js';
import { formatDuration, formatPercent, isoWeek } from './time.js';

export const BOARD_TAG = 'board-summary';
const WEEK = 7 * 86_400_000;

export interface BoardP0 {
  incidentId: string;
  status: IncidentStatus;
  detectedAt: string;
  resolvedAt: string | null;
  rootCause: string | null;
  /** The post-incident review document id, or null while none is published. */
  reviewId: string | null;
}

/** The structured weekly summary (`KbDocument.data`). */
export interface BoardSummary {
  week: string;
  weekStart: string;
  weekEnd: string;
  writtenAt: string;
  incidents: number;
  bySeverity: Record<SeverityKey, number>;
  headline: { mttdMs: number | null; mttrMs: number | null; mttResolveMs: number | null; slaAttainment: number | null; autoResolveRate: number | null; repeatRate: number | null };
  slaBreaches: Array<{ incidentId: string; severity: string; kind: 'response' | 'resolution'; at: string }>;
  /** P0s detected this week, and earlier P0s still unresolved. */
  p0s: BoardP0[];
  followUps: Array<FollowUpRecord & { overdue: boolean }>;
}

/**
 * The Chairman's weekly incident summary for the week starting at `weekStart`
 * ([weekStart, weekStart + 7 days)), tagged `board-summary`. Reads the store, writes
 * nothing: the caller stores the document. `incidents` narrows what it reads: any
 * superset of the incidents detected in the week, those with an SLA breach in it and the
 * P0s still unresolved (the Chairman passes the incidents saved since the week began plus
 * the unresolved ones); default, every incident in the store.
 * @example store.put('kb_documents', buildBoardSummary(store, { weekStart: '2026-03-02T00:00:00Z', now, ids }))
 */
export function buildBoardSummary(
  store: Pick<Store, 'get' | 'list'>,
  opts: { weekStart: string; now: string; ids: (prefix: string) => string; incidents?: IncidentRecord[] },
): KbDocument {
  const start = Date.parse(opts.weekStart);
  if (Number.isNaN(start)) throw new ReportError(`weekStart "${opts.weekStart}": expected an ISO-8601 instant`, 'bad-option');
  const weekEnd = new Date(start + WEEK).toISOString();
  const all = opts.incidents ?? store.list('incidents');
  const m = computeMetrics(all, { from: opts.weekStart, to: weekEnd });
  const inWeek = (iso: string) => Date.parse(iso) >= start && Date.parse(iso) < start + WEEK;
  const slaBreaches = all
    .flatMap((i) => i.slaBreaches.filter((b) => inWeek(b.at)).map((b) => ({ incidentId: i.id, severity: i.severity ?? 'unclassified', kind: b.kind, at: b.at })))
    .sort((a, b) => (a.at === b.at ? (a.incidentId < b.incidentId ? -1 : 1) : a.at < b.at ? -1 : 1));
  const p0s = all
    .filter((i) => i.severity === 'P0' && (inWeek(i.detectedAt) || (i.resolvedAt === null && Date.parse(i.detectedAt) < start)))
    .sort(byDetection)
    .map((i) => ({
      incidentId: i.id, status: i.status, detectedAt: i.detectedAt, resolvedAt: i.resolvedAt, rootCause: i.rootCause,
      reviewId: storedReview(store, i)?.id ?? null,
    }));
  const summary: BoardSummary = {
    week: isoWeek(start),
    weekStart: new Date(start).toISOString(),
    weekEnd,
    writtenAt: opts.now,
    incidents: m.overall.incidents,
    bySeverity: Object.fromEntries(SEVERITY_KEYS.map((k) => [k, m.bySeverity[k].incidents])) as Record<SeverityKey, number>,
    headline: {
      mttdMs: m.overall.mttdMs, mttrMs: m.overall.mttrMs, mttResolveMs: m.overall.mttResolveMs,
      slaAttainment: m.overall.sla.attainment, autoResolveRate: m.overall.autoResolveRate, repeatRate: m.overall.repeatRate,
    },
    slaBreaches,
    p0s,
    followUps: openFollowUps(store).map((f) => ({ ...f, overdue: isOverdue(f, opts.now) })),
  };
  return {
    id: opts.ids('doc'),
    tags: [BOARD_TAG],
    title: `Weekly incident summary ${summary.week}`,
    body: renderBoardMarkdown(summary),
    createdAt: opts.now,
    incidentId: null,
    data: summary,
  };
}

/** The summary as Markdown, for the Chairman's memo. */
export function renderBoardMarkdown(s: BoardSummary): string {
  const h = s.headline;
  const overdue = s.followUps.filter((f) => f.overdue).length;
  return [
    `# Weekly incident summary ${s.week}`,
    '',
    `${formatInstant(s.weekStart)} to ${formatInstant(s.weekEnd)} · written ${formatInstant(s.writtenAt)}`,
    '',
    `${s.incidents} incident(s) · ${s.slaBreaches.length} SLA breach(es) · ${s.p0s.length} P0 · ${s.followUps.length} open follow-up(s), ${overdue} overdue`,
    '',
    mdTable([...SEVERITY_KEYS], [SEVERITY_KEYS.map((k) => s.bySeverity[k])]),
    '',
    `MTTD ${formatDuration(h.mttdMs)} · MTTR (respond) ${formatDuration(h.mttrMs)} · mean time to resolve ${formatDuration(h.mttResolveMs)} · SLA attainment ${formatPercent(h.slaAttainment)} · auto-resolved ${formatPercent(h.autoResolveRate)} · repeats ${formatPercent(h.repeatRate)}`,
    '',
    '## P0 incidents',
    '',
    s.p0s.length
      ? mdTable(['Incident', 'Status', 'Detected', 'Resolved', 'Root cause', 'Review'],
        s.p0s.map((p) => [p.incidentId, p.status, formatInstant(p.detectedAt), formatInstant(p.resolvedAt), p.rootCause, p.reviewId ?? 'pending']))
      : 'No P0 incident this week.',
    '',
    '## SLA breaches',
    '',
    s.slaBreaches.length
      ? mdTable(['Incident', 'Severity', 'Target', 'At'], s.slaBreaches.map((b) => [b.incidentId, b.severity, b.kind, formatInstant(b.at)]))
      : 'No SLA breach this week.',
    '',
    '## Open follow-ups',
    '',
    s.followUps.length
      ? mdTable(['Follow-up', 'Incident', 'Action', 'Owner', 'Due', ''],
        s.followUps.map((f) => [f.id, f.incidentId, f.action, f.owner, f.dueAt.slice(0, 10), f.overdue ? '**OVERDUE**' : '']))
      : 'No open follow-up.',
    '',
  ].join('\n');
}
