/**
 * Reports: incident metrics, post-incident reviews, follow-ups, the Chairman's weekly
 * summary and the self-contained HTML report. Everything here reads the store and
 * returns values; callers store documents and write files.
 */
export { computeMetrics, metricsFromStore, SEVERITY_KEYS, STATUSES } from './metrics.js';
export type { Metrics, MetricsOptions, SeverityKey, WeekMetrics } from './metrics.js';
export { funnelOf, groupMetrics, isAutoResolved, isRepeat, timeToResolve } from './metricGroups.js';
export type { Funnel, GroupMetrics } from './metricGroups.js';
export { slaVerdict } from './sla.js';
export type { SlaOutcome, SlaVerdict } from './sla.js';
export { mean, p50, p95, percentile, ratio, summarize } from './stats.js';
export type { Summary } from './stats.js';
export { formatDuration, formatOffset, formatPercent, isoWeek, isoWeekStart, weeksBetween } from './time.js';
export { buildReview, reviewCommand, storedReview, REVIEW_TAG } from './review.js';
export type { ReviewOptions, ReviewStore } from './review.js';
export { renderReviewMarkdown } from './reviewMarkdown.js';
export { FOLLOW_UP_DAYS, SLOW_DETECTION_MS } from './reviewActions.js';
export type { ProcessImprovement, Review, ReviewImpact, SlaMiss, TimelineRow } from './reviewTypes.js';
export { completeFollowUp, isOverdue, openFollowUps, overdueFollowUps, repeatsAgainstFollowUps } from './followups.js';
export type { RepeatAgainstFollowUps } from './followups.js';
export { buildBoardSummary, renderBoardMarkdown, BOARD_TAG } from './boardSummary.js';
export type { BoardP0, BoardSummary } from './boardSummary.js';
export { renderHtmlReport } from './html.js';
export type { HtmlReportInput } from './html.js';
export { reportCommand, renderTextReport } from './reportCommand.js';
export type { ReportCommandOptions } from './reportCommand.js';
export { ReportError } from './errors.js';
