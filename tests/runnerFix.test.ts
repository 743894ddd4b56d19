import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { runScenario } from '../sim/runner.js';
import { parseScenario } from '../sim/scenario/index.js';

/**
 * A scripted failure's fix lands `fixedAfter` after the incident's last escalation (the
 * schema's words), by whoever holds it then: a fix Cheryl started is not the one that
 * resolves an incident the two-hour rule has since handed to Petra.
 */
const Fix = suite('when a rehearsal\'s fix lands');

// A P3 (its acknowledgement may take a day): Cheryl acknowledges at 1h45m and starts a
// 30-minute fix (due 2h15m); the two-hour rule hands the incident to Petra just past 2h, who
// acknowledges 20 minutes later.
const SLOW_HANDOVER = `name: fix across the two-hour rule
start: "2026-03-02T09:00:00Z"
agents: [{ id: report-agent, workflows: [weekly-report] }]
responders: { cheryl: { ack: 1h45m }, petra: { ack: 20m } }
failures:
  - { id: template, agent: report-agent, workflow: weekly-report, error: "legend overlaps", retryable: false, impact: { kind: cosmetic }, fixedAfter: 30m }
`;

Fix('a fix Cheryl started is dropped when the two-hour rule escalates: Petra\'s lands 30m after the escalation, not Cheryl\'s 15m after it, before Petra had acknowledged', async () => {
  const result = await runScenario(parseScenario(SLOW_HANDOVER, 'handover.yaml'));
  const [incident] = result.store.list('incidents');
  const [escalation] = incident.escalations;
  assert.equal([escalation.to, escalation.criteria], ['petra', ['open-over-2h']]);
  const detected = Date.parse(incident.detectedAt);
  assert.is(Date.parse(escalation.at) - detected, 2 * 3_600_000 + 1, 'the first millisecond past two hours');
  assert.is(Date.parse(incident.resolvedAt!) - Date.parse(escalation.at), 30 * 60_000, 'fixedAfter after the last escalation');
  const steps = result.store.queryAudit({ entityId: incident.id }).rows.map((e) => [e.action, e.actor]);
  const resolved = steps.findIndex(([action]) => action === 'incident.resolved');
  assert.equal(steps[resolved], ['incident.resolved', 'petra']);
  assert.ok(steps.slice(0, resolved).some(([action, actor]) => action === 'incident.acknowledged' && actor === 'petra'), 'Petra acknowledged it before her fix landed');
});

Fix.run();
