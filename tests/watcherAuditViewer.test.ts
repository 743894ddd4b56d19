import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { AuditEntry } from '../machines/types.js';
import { startWatcher, type WatcherServer } from '../watcher/server.js';
import { HOUR, MIN, createHarness, failing, type Harness } from './helpers/engineHarness.js';

/**
 * Spec, "Monitoring Integration": historical incidents can be filtered and reviewed
 * through the audit log viewer. The viewer's page sends its filters to /api/audit; here
 * they are sent as the page does, over a store the engine wrote.
 */

interface Ctx { h: Harness; watcher: WatcherServer; base: string; closed: string; open: string }

const Viewer = suite<Ctx>('watcher: a past incident reviewed in the audit log viewer', {} as Ctx);

Viewer.before(async (ctx) => {
  // One incident Cheryl fixed an hour ago, then another still open on another agent.
  ctx.h = createHarness({ fixAfterMs: 20 * MIN });
  ctx.h.engine.submit({ agent: 'billing', workflow: 'invoice-run', run: failing('ECONNREFUSED 10.0.0.5:5432') });
  await ctx.h.run(2 * HOUR);
  ctx.h.engine.submit({ agent: 'reporter', workflow: 'dashboards', run: failing('render timeout') });
  await ctx.h.run(5 * MIN);
  const [closed, open] = ctx.h.incidents();
  assert.equal([closed.status, open.status === 'closed'], ['closed', false]);
  ctx.closed = closed.id;
  ctx.open = open.id;
  ctx.watcher = await startWatcher({ store: ctx.h.store });
  ctx.base = `http://127.0.0.1:${ctx.watcher.port}/app/watcher/api`;
});
Viewer.after(async (ctx) => {
  await ctx.watcher.close();
  await ctx.h.engine.stop();
});

async function page(ctx: Ctx, query: Record<string, string>): Promise<{ total: number; rows: AuditEntry[] }> {
  const res = await fetch(`${ctx.base}/audit?${new URLSearchParams({ limit: '500', ...query })}`);
  assert.is(res.status, 200);
  return (await res.json()) as { total: number; rows: AuditEntry[] };
}

Viewer('the incident list finds the past incident by its status, agent and time', async (ctx) => {
  const ids = async (q: string) => ((await (await fetch(`${ctx.base}/incidents?${q}`)).json()) as { rows: Array<{ id: string }> }).rows.map((r) => r.id);
  assert.equal(await ids('status=closed'), [ctx.closed]);
  assert.equal(await ids('agent=billing'), [ctx.closed]);
  assert.equal(await ids('status=active'), [ctx.open]);
  // Detected in [since, until): the open incident from its detection on, the closed one before it.
  const opened = encodeURIComponent(ctx.h.store.get('incidents', ctx.open)!.detectedAt);
  assert.equal(await ids(`since=${opened}`), [ctx.open]);
  assert.equal(await ids(`until=${opened}`), [ctx.closed]);
});

Viewer('filtered by its id, the viewer gives every audit entry of the incident, from detection to closing, oldest first', async (ctx) => {
  const { total, rows } = await page(ctx, { entityId: ctx.closed, order: 'asc' });
  const stored = ctx.h.audit({ entityId: ctx.closed, order: 'asc' });
  assert.is(total, stored.length);
  assert.equal(rows.map((e) => e.id), stored.map((e) => e.id));
  assert.ok(rows.every((e) => e.entityType === 'incident' && e.entityId === ctx.closed));
  assert.is(rows[0].action, 'incident.detected');
  assert.is(rows.at(-1)!.action, 'incident.closed');
  assert.ok(rows.some((e) => e.action === 'incident.triage') && rows.some((e) => e.action === 'incident.resolved'));
});

Viewer('the other filters narrow the incident\'s entries: its failures by level, one step by action, a time window', async (ctx) => {
  const errors = await page(ctx, { entityId: ctx.closed, level: 'error', order: 'asc' });
  assert.equal(errors.rows.map((e) => [e.action, e.meta.outcome]), [['incident.retry', 'failed'], ['incident.retry', 'failed'], ['incident.retry', 'failed']]);
  const triage = await page(ctx, { entityId: ctx.closed, action: 'incident.triage' });
  assert.is(triage.total, 1);
  assert.is(triage.rows[0].actor, 'cheryl');
  const resolvedAt = ctx.h.store.get('incidents', ctx.closed)!.resolvedAt!;
  const after = await page(ctx, { entityId: ctx.closed, since: resolvedAt, order: 'asc' });
  assert.equal(after.rows.map((e) => e.action), ['incident.resolved', 'incident.closed']);
  const before = await page(ctx, { entityId: ctx.closed, until: resolvedAt });
  assert.is(before.total + after.total, (await page(ctx, { entityId: ctx.closed })).total);
});

Viewer('the search box finds the incident by its id, and the agent filter leaves the other incident out', async (ctx) => {
  const found = await page(ctx, { text: ctx.closed });
  assert.ok(found.rows.length > 0 && found.rows.every((e) => e.entityId === ctx.closed || e.message.includes(ctx.closed)));
  const billing = await page(ctx, { agent: 'billing' });
  assert.ok(billing.rows.length > 0);
  assert.not.ok(billing.rows.some((e) => e.entityId === ctx.open));
});

Viewer.run();
