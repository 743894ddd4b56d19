import type { IncidentContext } from '../machines/incidentContext.js';
import type { IncidentEvent } from '../machines/incidentEvents.js';
import { isoAt, type Runtime } from './runtime.js';

type Assessed = Extract<IncidentEvent, { type: 'executive.assessed' }>;

/**
 * Atlas's executive response (spec, Step 5): the customer-facing communication when
 * customers are affected, an immediate memo to the board (the Chairman agent) for
 * P0, and a go/no-go decision that waits for a person when the recovery needs one.
 */
export function assess(rt: Runtime, incident: IncidentContext, at: number): Assessed {
  const ts = isoAt(at);
  const impact = incident.impact;
  const communication = Boolean(impact?.customerFacing);
  if (communication) {
    rt.store.put('kb_documents', {
      id: rt.ids('doc'),
      tags: ['customer-communication', 'draft'],
      title: `Customer communication: ${incident.id}`,
      body: [
        `# Service incident ${incident.id}`,
        '',
        `Since ${incident.failureStartedAt}, ${incident.workflow ?? incident.agent} has not worked as it should.`,
        `Our team is on it${incident.coordination?.workaround ? ` and a workaround is in place: ${incident.coordination.workaround}` : ''}.`,
        incident.coordination?.eta ? `We expect a resolution by ${incident.coordination.eta}.` : 'We will share an expected resolution time soon.',
      ].join('\n'),
      createdAt: ts,
      incidentId: incident.id,
    });
  }
  const boardMemo = incident.severity === 'P0';
  if (boardMemo) {
    rt.store.put('notifications', {
      id: rt.ids('ntf'),
      ts,
      from: 'atlas',
      to: 'chairman',
      channel: 'memo',
      subject: `P0 incident ${incident.id}: ${incident.error.message}`,
      body: `P0 on ${incident.agent}${incident.workflow ? `/${incident.workflow}` : ''} since ${incident.failureStartedAt}. Escalations: ${incident.escalations.map((e) => `${e.from}→${e.to}`).join(', ')}.`,
      incidentId: incident.id,
    });
  }
  let decisionId: string | null = null;
  if (impact?.decision) {
    decisionId = rt.ids('dec');
    const decision = {
      id: decisionId,
      incidentId: incident.id,
      action: impact.decision,
      status: 'pending' as const,
      requestedAt: ts,
      answeredAt: null,
      by: null,
      timeoutAt: isoAt(at + incident.policy.DECISION_TIMEOUT_MS),
    };
    // Announced by the engine once the incident waits for it (see engine.ts, work()).
    rt.store.put('decisions', decision);
  }
  return { type: 'executive.assessed', at, communication, boardMemo, decisionId };
}
