import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { HOUR, MIN, SEC, T0, createHarness, failing, flaky } from './helpers/engineHarness.js';

// ---------------------------------------------------------------------------
const Loop = suite("worker loop: the engine loop's error handler (spec, Step 1)");

Loop('a job that throws is audited at error level with its stack, marked failed, and opens an incident', async () => {
  const h = createHarness();
  const { jobId, done } = h.engine.submit({ agent: 'billing', workflow: 'invoice-run', run: failing('ECONNREFUSED 10.0.0.5:5432') });
  assert.is(await done, 'failed');
  const [failed] = h.audit({ action: 'job.failed' });
  assert.equal([failed.entityType, failed.entityId, failed.level, failed.actor], ['job', jobId, 'error', 'billing']);
  assert.is(failed.meta.attempt, 0);
  assert.is(failed.meta.error, 'ECONNREFUSED 10.0.0.5:5432');
  assert.match(String(failed.meta.stack), /^Error: ECONNREFUSED 10\.0\.0\.5:5432\n\s+at /);
  const job = h.store.get('jobs', jobId)!;
  assert.is(job.status, 'failed');
  assert.is(job.error, 'ECONNREFUSED 10.0.0.5:5432');
  const incident = h.incident();
  assert.is(job.incidentId, incident.id);
  assert.is(incident.jobId, jobId);
  assert.equal([incident.agent, incident.workflow, incident.tenant], ['billing', 'invoice-run', 'acme']);
  assert.match(incident.error.stack!, /ECONNREFUSED/);
  // The loop caught the error first; the incident opened from it.
  assert.equal(h.actions().slice(0, 2), ['job.failed', 'incident.detected']);
});

Loop('the full stack trace: an error that wraps another keeps the stack of each cause', async () => {
  const h = createHarness();
  const refused = new Error('ECONNREFUSED 10.0.0.5:5432');
  const wrapped = new Error('invoice run failed', { cause: new Error('ledger write failed', { cause: refused }) });
  const { done } = h.engine.submit({ agent: 'billing', workflow: 'invoice-run', run: () => { throw wrapped; } });
  assert.is(await done, 'failed');
  const [failed] = h.audit({ action: 'job.failed' });
  const stack = String(failed.meta.stack);
  assert.ok(stack.startsWith(wrapped.stack!), stack);
  assert.match(stack, /\nCaused by: Error: ledger write failed\n\s+at .*\nCaused by: Error: ECONNREFUSED 10\.0\.0\.5:5432\n\s+at /s);
  assert.ok(stack.endsWith(refused.stack!));
  assert.is(failed.meta.error, 'invoice run failed');
  assert.is(h.incident().error.stack, stack);
});

Loop('a cause that loops back, or is no Error, ends the trace without failing the job', async () => {
  const h = createHarness();
  const a = new Error('a');
  const b = new Error('b', { cause: a });
  (a as Error & { cause: unknown }).cause = b;
  h.engine.submit({ agent: 'billing', workflow: 'invoice-run', run: () => { throw a; } });
  h.engine.submit({ agent: 'mailer', workflow: 'email-send', run: () => { throw new Error('smtp', { cause: 'code 421' }); } });
  await h.run(MIN);
  const [first, second] = h.audit({ action: 'job.failed', order: 'asc' }).map((e) => String(e.meta.stack));
  assert.is(first.split('\nCaused by: ').length, 2, first);
  assert.ok(second.endsWith('\nCaused by: code 421'), second);
});

Loop('a chain of causes longer than eight is cut after the eighth', async () => {
  const h = createHarness();
  // cause 11 wrapped by 10, … by 1, by the error the job throws (cause 0).
  let error = new Error('cause 11');
  for (let n = 10; n >= 0; n--) error = new Error(`cause ${n}`, { cause: error });
  const thrown = error;
  h.engine.submit({ agent: 'billing', workflow: 'invoice-run', run: () => { throw thrown; } });
  await h.run(SEC);
  const [failed] = h.audit({ action: 'job.failed' });
  const parts = String(failed.meta.stack).split('\nCaused by: ');
  assert.equal(parts.map((p) => p.split('\n')[0]), Array.from({ length: 9 }, (_, n) => `Error: cause ${n}`));
});

Loop('a job that succeeds leaves no incident', async () => {
  const h = createHarness();
  const { jobId, done } = h.engine.submit({ agent: 'billing', workflow: 'invoice-run', run: () => 'done' });
  assert.is(await done, 'succeeded');
  await h.run(HOUR);
  assert.is(h.store.get('jobs', jobId)!.status, 'succeeded');
  assert.equal(h.incidents(), []);
  assert.equal(h.actions(), []);
});

Loop('an error the job marks as not retryable goes straight to Cheryl', async () => {
  const h = createHarness();
  h.engine.submit({ agent: 'billing', workflow: 'invoice-run', run: () => { throw Object.assign(new Error('invalid amount'), { retryable: false }); } });
  await h.run(MIN);
  const incident = h.incident();
  assert.is(incident.error.retryable, false);
  assert.equal(incident.retries, []);
  assert.ok(h.actions(incident.id).includes('incident.retry_skipped'));
  assert.is(h.audit({ action: 'job.failed' }).length, 1);
});

Loop("a job's own retryable rule wins", async () => {
  const h = createHarness();
  h.engine.submit({ agent: 'billing', workflow: 'invoice-run', run: failing('quota'), retryable: () => false });
  await h.run(MIN);
  assert.is(h.incident().error.retryable, false);
});

Loop('jobs of one agent run one at a time, in the order submitted', async () => {
  const h = createHarness();
  const log: string[] = [];
  const job = (name: string) => async () => {
    log.push(`start ${name}`);
    await new Promise<void>((resolve) => h.clock.setTimeout(resolve, 10 * SEC));
    log.push(`end ${name}`);
  };
  h.engine.submit({ agent: 'billing', workflow: 'invoice-run', run: job('a') });
  h.engine.submit({ agent: 'billing', workflow: 'invoice-run', run: job('b') });
  await h.run(MIN);
  assert.equal(log, ['start a', 'end a', 'start b', 'end b']);
});

// ---------------------------------------------------------------------------
const Retries = suite('worker loop: retries re-run the real job');

Retries('a job that fails three times is run four times: once, then attempts 1, 2 and 3', async () => {
  const h = createHarness();
  const run = flaky(99);
  const { jobId } = h.engine.submit({ agent: 'billing', workflow: 'invoice-run', run });
  await h.run(MIN);
  assert.equal(run.calls, [0, 1, 2, 3]);
  assert.equal(h.audit({ action: 'job.failed' }).map((e) => [e.meta.attempt, Date.parse(e.ts) - T0]), [[0, 0], [1, 0], [2, 5_000], [3, 30_000]]);
  const job = h.store.get('jobs', jobId)!;
  assert.is(job.attempts, 4);
  assert.is(job.status, 'failed');
  assert.equal(h.incident().retries.map((r) => r.outcome), ['failed', 'failed', 'failed']);
});

for (const [failures, attempt] of [[1, 1], [2, 2], [3, 3]] as const) {
  Retries(`a job that fails ${failures} time(s) succeeds on retry attempt ${attempt}: auto-resolved, no escalation`, async () => {
    const h = createHarness();
    const run = flaky(failures);
    const { jobId } = h.engine.submit({ agent: 'billing', workflow: 'invoice-run', run });
    await h.run(HOUR);
    assert.is(run.calls.length, failures + 1);
    const incident = h.incident();
    assert.equal([incident.status, incident.autoResolved, incident.retries.length], ['closed', true, attempt]);
    assert.is(h.store.get('jobs', jobId)!.status, 'succeeded');
    const resolved = h.audit({ entityId: incident.id, action: 'incident.resolved' });
    assert.is(resolved.length, 1);
    assert.is(resolved[0].meta.autoResolved, true);
    assert.not.ok(h.actions(incident.id).includes('incident.escalated'));
    assert.not.ok(h.actions(incident.id).includes('incident.assigned'));
    assert.equal(h.store.list('responders').flatMap((r) => [...r.active, ...r.queue]), []);
    assert.equal(h.store.list('deadlines').filter((d) => d.incidentId === incident.id), []);
  });
}

Retries('a registered runner is re-run by kind with the job input', async () => {
  const seen: Array<[number, unknown]> = [];
  const h = createHarness({
    jobs: {
      sendInvoices: ({ attempt, input }) => {
        seen.push([attempt, input]);
        if (attempt < 2) throw new Error('SMTP 421');
      },
    },
  });
  h.engine.submit({ agent: 'billing', workflow: 'invoice-run', kind: 'sendInvoices', input: { batch: 7 } });
  await h.run(HOUR);
  assert.equal(seen, [[0, { batch: 7 }], [1, { batch: 7 }], [2, { batch: 7 }]]);
  assert.is(h.incident().autoResolved, true);
});

// ---------------------------------------------------------------------------
const Pause = suite('worker loop: pause and resume with no job lost');

Pause('jobs submitted while their workflow is paused wait, and run after the incident resolves', async () => {
  const h = createHarness({ fixAfterMs: 40 * MIN });
  const ran: string[] = [];
  h.engine.submit({ agent: 'billing', workflow: 'invoice-run', run: failing('database down'), impact: { kind: 'platform-down' } });
  await h.run(5 * MIN);
  assert.is(h.store.get('workflows', 'invoice-run')?.status, 'paused');
  const waiting = ['w1', 'w2'].map((name) => h.engine.submit({ agent: 'billing', workflow: 'invoice-run', run: () => void ran.push(name) }));
  const other = h.engine.submit({ agent: 'billing', workflow: 'refunds', run: () => void ran.push('refund') });
  await h.run(10 * MIN);
  // Another workflow of the same agent goes on; the paused one waits.
  assert.equal(ran, ['refund']);
  assert.is(await other.done, 'succeeded');
  for (const w of waiting) assert.is(h.store.get('jobs', w.jobId)!.status, 'queued');
  await h.run(2 * HOUR);
  assert.is(h.incident().status, 'closed');
  assert.is(h.store.get('workflows', 'invoice-run')?.status, 'active');
  assert.equal(ran, ['refund', 'w1', 'w2']);
  for (const w of waiting) {
    assert.is(await w.done, 'succeeded');
    assert.is(h.store.get('jobs', w.jobId)!.status, 'succeeded');
  }
});

Pause('jobs of a paused agent wait, and run after the incident resolves', async () => {
  const h = createHarness();
  const ran: string[] = [];
  // No workflow: Cheryl pauses the agent itself.
  h.engine.submit({ agent: 'mailer', run: failing('data corrupted'), impact: { kind: 'data-integrity' } });
  await h.run(5 * MIN);
  assert.equal([h.store.get('agents', 'mailer')?.status, h.store.get('agents', 'mailer')?.pausedBy], ['paused', h.incident().id]);
  h.engine.submit({ agent: 'mailer', workflow: 'email-send', run: () => void ran.push('queued while paused') });
  await h.run(10 * MIN);
  assert.equal(ran, []);
  await h.run(3 * HOUR);
  assert.is(h.store.get('agents', 'mailer')?.status, 'active');
  assert.equal(ran, ['queued while paused']);
});

Loop.run();
Retries.run();
Pause.run();
