import { formatInstant, formatUsd, mdTable } from './markdown.js';
import type { Review } from './reviewTypes.js';
import { formatDuration } from './time.js';

const list = (values: string[]): string => (values.length ? values.join(', ') : 'none');

/**
 * The review as Markdown, in the spec's five sections. Deterministic: same review,
 * same bytes.
 * @example renderReviewMarkdown(buildReview(store, 'inc_1', opts).document.data as Review)
 */
export function renderReviewMarkdown(review: Review): string {
  const i = review.impact;
  const whys = review.whys.map((w, n) => `${n + 1}. **${w.why}** ${w.because}`);
  const misses = i.slaMissed.map((m) => {
    const stopped = m.stoppedAt === null
      ? 'still running'
      : `${m.kind === 'response' ? 'acknowledged' : 'resolved'} ${formatInstant(m.stoppedAt)}, ${formatDuration(Date.parse(m.stoppedAt) - Date.parse(m.dueAt))} late`;
    return `${m.kind} (due ${formatInstant(m.dueAt)}; ${stopped})`;
  });
  const outage = `${formatDuration(i.outageMs.fromDetection)} from detection, ${formatDuration(i.outageMs.fromFailure)} from failure start${i.outageMs.ongoing ? ' (ongoing)' : ''}`;
  const assessed = i.jobsFailedAssessed === null ? '' : `; Petra assessed ${i.jobsFailedAssessed}`;
  const lines = [
    `# Post-incident review: ${review.incidentId} (${review.severity ?? 'unclassified'})`,
    '',
    `Agent ${review.agent} · workflow ${review.workflow ?? '—'} · tenant ${review.tenant ?? '—'} · status ${review.status}`,
    `Detected ${formatInstant(review.detectedAt)} · resolved ${formatInstant(review.resolvedAt)} · review written ${formatInstant(review.writtenAt)}`,
    '',
    '## 1. Timeline',
    '',
    review.timeline.length
      ? mdTable(['T+', 'Time', 'Action', 'Actor', 'Message'],
        review.timeline.map((r) => [r.offset, r.ts.slice(11, 19), r.action, r.actor, r.message]))
      : '_No audit entries were recorded for this incident._',
    '',
    `## 2. Root cause analysis (5 Whys, ${review.whysSource})`,
    '',
    ...whys,
    '',
    `**Root cause:** ${review.rootCause}`,
    '',
    '## 3. Impact',
    '',
    `- Tenants affected: ${list(i.tenants)}${i.customerFacing ? ` — customer-facing: customers of ${i.customerTenants} tenant(s)` : ' — not customer-facing'}`,
    `- Agents: ${list(i.agents)} · workflows: ${list(i.workflows)}`,
    `- Jobs failed: ${i.jobsFailed} failure(s) across ${i.jobsLinked} linked job(s)${assessed}; ${i.attachedFailures} further failure(s) attached`,
    `- Outage or degradation: ${outage}`,
    `- Financial impact: ${formatUsd(i.financialUSD)}${i.dataCompromised ? ' · customer data may have been compromised' : ''}`,
    `- SLA targets missed: ${misses.length ? misses.join('; ') : 'none'}`,
    '',
    '## 4. Corrective actions',
    '',
    mdTable(['Id', 'Action', 'Owner', 'Due', 'Status'],
      review.correctiveActions.map((f) => [f.id, f.action, f.owner, f.dueAt.slice(0, 10), f.status])),
    '',
    '## 5. Process improvements',
    '',
    ...(review.processImprovements.length
      ? review.processImprovements.map((p) => `- **${p.area}**: ${p.change}. ${p.reason}`)
      : ['- No runbook, monitoring or escalation change: detection was prompt, no target was missed and the cause is new.']),
    '',
  ];
  return lines.join('\n');
}
