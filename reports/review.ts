import type { AuditEntry, FollowUpRecord, IncidentRecord, KbDocument } from '../machines/types.js';
import type { Store } from '../store/types.js';
import { ReportError } from './errors.js';
import { correctiveActions, processImprovements } from './reviewActions.js';
import { renderReviewMarkdown } from './reviewMarkdown.js';
import { fiveWhys, impactOf, timelineOf } from './reviewSections.js';
import type { Review } from './reviewTypes.js';

export type ReviewStore = Pick<Store, 'get' | 'list' | 'queryAudit' | 'auditCount'>;
export const REVIEW_TAG = 'post-incident-review';

export interface ReviewOptions {
  /** When the review is written (ISO); follow-ups fall due from it. */
  now: string;
  ids: (prefix: string) => string;
}

/** Every audit entry matching the query, oldest first (the store pages; we want all). */
function allAudit(store: ReviewStore, query: { entityId: string; action?: string }): AuditEntry[] {
  return store.queryAudit({ ...query, order: 'asc', limit: Math.max(1, store.auditCount()) }).rows;
}

function incidentOf(store: ReviewStore, incidentId: string): IncidentRecord {
  const incident = store.get('incidents', incidentId);
  if (!incident) throw new ReportError(`no incident "${incidentId}" in the store`, 'unknown-incident');
  return incident;
}

/**
 * The post-incident review of one incident (spec: "Post-Incident Review"), built from
 * the store without writing to it. The caller (Atlas) stores `document` in
 * `kb_documents`, the follow-ups in `followups`, and links the document in the audit log.
 * @example
 * const { document, followups } = buildReview(store, 'inc_1', { now: clockIso(), ids });
 * store.put('kb_documents', document);
 * for (const f of followups) store.put('followups', f);
 */
export function buildReview(
  store: ReviewStore,
  incidentId: string,
  opts: ReviewOptions,
): { document: KbDocument; followups: FollowUpRecord[] } {
  const incident = incidentOf(store, incidentId);
  const documentId = opts.ids('doc');
  const jobIds = [...new Set([
    ...(incident.jobId ? [incident.jobId] : []),
    ...store.list('jobs', { incidentId }).map((j) => j.id),
  ])].sort();
  const failures = jobIds.reduce((n, jobId) => n + allAudit(store, { entityId: jobId, action: 'job.failed' }).length, 0);
  const { whys, source, rootCause } = fiveWhys(incident);
  const impact = impactOf(incident, { linked: jobIds.length, failures }, opts.now);
  const followups = correctiveActions(incident, rootCause, documentId, opts.now, opts.ids);
  const review: Review = {
    incidentId,
    severity: incident.severity,
    status: incident.status,
    agent: incident.agent,
    workflow: incident.workflow,
    tenant: incident.tenant,
    detectedAt: incident.detectedAt,
    resolvedAt: incident.resolvedAt,
    writtenAt: opts.now,
    timeline: timelineOf(incident, allAudit(store, { entityId: incidentId })),
    whys,
    whysSource: source,
    rootCause,
    impact,
    correctiveActions: followups,
    processImprovements: processImprovements(incident, impact),
  };
  const document: KbDocument = {
    id: documentId,
    tags: [REVIEW_TAG, incident.severity ?? 'unclassified'],
    title: `Post-incident review: ${incidentId} (${incident.severity ?? 'unclassified'}) ${rootCause}`,
    body: renderReviewMarkdown(review),
    createdAt: opts.now,
    incidentId,
    data: review,
  };
  return { document, followups };
}

/** The stored review document of an incident, if Atlas published one. */
export function storedReview(store: Pick<Store, 'get' | 'list'>, incident: IncidentRecord): KbDocument | undefined {
  const linked = incident.reviewId ? store.get('kb_documents', incident.reviewId) : undefined;
  return linked ?? store.list('kb_documents', { incidentId: incident.id }).find((d) => d.tags.includes(REVIEW_TAG));
}

/**
 * `incident-flow review <incident> --db FILE`: the published review's Markdown, or a
 * draft built on the spot (dated at resolution, or at the last audit entry while open)
 * when none was published. Throws `ReportError` for an unknown incident.
 * @example console.log(reviewCommand(await openStore('run.json', { readonly: true }), 'inc_1'))
 */
export function reviewCommand(store: ReviewStore, incidentId: string): string {
  const incident = incidentOf(store, incidentId);
  const stored = storedReview(store, incident);
  if (stored) return stored.body;
  const entries = allAudit(store, { entityId: incidentId });
  const now = incident.resolvedAt ?? entries[entries.length - 1]?.ts ?? incident.detectedAt;
  let n = 0;
  const draft = buildReview(store, incidentId, { now, ids: (prefix) => `${prefix}_draft_${++n}` });
  return `> Draft: ${unpublished(incident)}\n\n${draft.document.body}`;
}

/**
 * Why an incident has no published review: not yet (its severity gets one once it is
 * resolved), or never (REVIEW_SEVERITIES, copied into the incident at open, leaves it out).
 */
function unpublished(incident: IncidentRecord): string {
  const severities = incident.policy.REVIEW_SEVERITIES;
  if (incident.severity !== null && severities.includes(incident.severity)) return `no review has been published for ${incident.id} yet.`;
  return `${incident.id} is ${incident.severity ?? 'unclassified'}, and its REVIEW_SEVERITIES (${severities.join(', ') || 'none'}) commission no review for it: this one is built from its audit log and never published.`;
}
