/**
 * Every P0 and P1 gets its post-incident review (spec, "Post-Incident Review"), one a retry
 * resolved included. Over PostgreSQL the review follows the step that commissions it
 * (agents/cluster/followUps.ts), whichever state that step left: here `autoResolved`.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { clusterEngine, startFlaky } from './helpers/clusterEngine.js';
import { eventually } from './helpers/clusterProcs.js';

const test = suite('cluster: a P0 a retry resolved is reviewed');

const cluster = clusterEngine('h3_auto_review');
test.after(cluster.stop);

test('the incident closes with its review published and linked, and nobody paged', async () => {
  // The first run and retry attempt 1 fail; attempt 2 succeeds.
  const { engine, db } = await startFlaky(cluster, { failures: 2, retryDelaysMs: [0, 50, 100], message: 'database down' });
  const job = engine.submit({ id: 'job_db', kind: 'flaky', agent: 'db-agent', workflow: 'orders', impact: { kind: 'platform-down' } });
  assert.is(await job.done, 'failed');
  const incident = await eventually(async () => {
    const { rows } = await db.admin(`SELECT id, severity, auto_resolved, review_id, escalations FROM incidents WHERE job_id = 'job_db' AND status = 'closed'`);
    return rows[0] as { id: string; severity: string; auto_resolved: boolean; review_id: string | null; escalations: unknown[] } | undefined;
  }, 60_000, 'the incident closed');
  assert.equal([incident.severity, incident.auto_resolved, incident.escalations], ['P0', true, []]);
  const { rows: docs } = await db.admin(`SELECT id, tags, data->>'status' AS status FROM kb_documents WHERE incident_id = $1`, [incident.id]);
  assert.equal(docs.map((d) => d.id), [incident.review_id]);
  assert.ok((docs[0].tags as string[]).includes('post-incident-review'));
  assert.is(docs[0].status, 'auto_resolved', 'the review gives the incident as auto-resolved, as one process does');
  const { rows: actions } = await db.admin(`SELECT action FROM audit_log WHERE entity_id = $1 ORDER BY seq`, [incident.id]);
  assert.equal(actions.map((a) => a.action).slice(-4), ['incident.resolved', 'incident.review_commissioned', 'incident.review_published', 'incident.closed']);
  assert.not.ok(actions.some((a) => a.action === 'incident.assigned'), 'nobody paged: no responder was assigned');
  const { rows: notices } = await db.admin(`SELECT to_address FROM notifications WHERE incident_id = $1`, [incident.id]);
  assert.equal(notices, [], 'nobody paged: no notification');
});

test.run();
