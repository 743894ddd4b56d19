import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { nothingThrownDuring } from './helpers/rejections.js';
import { createIncidentEngine } from '../agents/engine.js';
import { EngineError, type JobRunner } from '../agents/types.js';
import { VirtualClock } from '../sim/virtualClock.js';
import { createMemoryStore } from '../store/memoryStore.js';
import { SEC, T0, createHarness } from './helpers/engineHarness.js';

/**
 * `await engine.stop(); await store.close();` (README, "Embedding the engine") with a job
 * still running: its run ends after both, and must write nothing, to a closed store or an
 * open one; the next engine over the store runs it again, as after a crash.
 */

/** A job that fails once `release()` is called, and says which engine ran it. */
function heldJob(calls: string[], engine: string) {
  let release = () => {};
  const released = new Promise<void>((resolve) => (release = resolve));
  const run: JobRunner = async ({ attempt }) => {
    calls.push(`${engine} engine, run ${attempt}`);
    await released;
    throw new Error('ECONNRESET invoices-api');
  };
  return { run, release };
}

/** A memory store, a clock, and a first engine over them whose `sync` jobs are held (see heldJob). */
function heldEngine(calls: string[] = []) {
  const store = createMemoryStore();
  const clock = new VirtualClock({ start: T0 });
  const held = heldJob(calls, 'first');
  return { held, ...createHarness({ store, clock, fixAfterMs: null, jobs: { sync: held.run } }) };
}

const Stop = suite('engine.stop() with a job still running');

Stop("the README's snippet (submit, then at once stop() and close()): a job failing after them writes nothing; its done is refused (nothing recorded)", async () => {
  const store = createMemoryStore();
  const { engine } = createHarness({ store, fixAfterMs: null, jobs: { sync: async () => { throw new Error('ECONNRESET invoices-api'); } } });
  let job = '';
  await nothingThrownDuring(async () => {
    const { jobId, done } = engine.submit({ agent: 'billing', workflow: 'invoice-run', kind: 'sync' });
    job = jobId;
    await engine.stop();
    await store.close();
    const refusal = await done.then(() => null, (error: unknown) => error);
    assert.instance(refusal, EngineError);
    assert.match(String((refusal as Error).message), `job ${jobId}: the engine stopped before its first run was recorded`);
  });
  assert.is(store.auditCount(), 0, 'no audit row');
  assert.is(store.get('jobs', job)?.status, 'running', 'the next engine runs it again');
  assert.equal(store.list('incidents'), []);
});

Stop('a job that failed before stop() (it threw at once) has its incident opened and saved, and nothing is written after close()', async () => {
  const store = createMemoryStore();
  const { engine } = createHarness({ store, fixAfterMs: null, jobs: { sync: failingNamed([], 'first') } });
  await nothingThrownDuring(async () => {
    engine.submit({ agent: 'billing', workflow: 'invoice-run', kind: 'sync' });
    await engine.stop();
    await store.close();
  });
  const [incident] = store.list('incidents');
  assert.ok(incident, 'the failure opened its incident');
  assert.is(incident.state, 'retrying.waiting', 'its retries are left for the next engine');
  assert.equal(store.queryAudit({ order: 'asc' }).rows.map((e) => e.action), ['job.failed', 'incident.detected']);
});

Stop('the next engine over the store runs the job again, and its failure opens the incident once', async () => {
  const store = createMemoryStore();
  const clock = new VirtualClock({ start: T0 });
  const calls: string[] = [];
  const held = heldJob(calls, 'first');
  const first = createHarness({ store, clock, fixAfterMs: null, jobs: { sync: held.run } });
  first.engine.submit({ agent: 'billing', workflow: 'invoice-run', kind: 'sync' });
  await first.run(SEC);
  await first.engine.stop();
  held.release();
  await new Promise((resolve) => setTimeout(resolve, 5));
  const second = createHarness({ store, clock, fixAfterMs: null, seed: 2, jobs: { sync: failingNamed(calls, 'second') } });
  await second.run(SEC);
  assert.equal(calls, ['first engine, run 0', 'second engine, run 0', 'second engine, run 1']);
  assert.is(second.incidents().length, 1);
  assert.equal(second.audit().filter((e) => e.action === 'job.failed').map((e) => e.meta?.['attempt']), [0, 1]);
  await second.engine.stop();
});

Stop('a job still running at stop() leaves no timer behind: its timeout no longer keeps the process alive', async () => {
  const { store, clock, held, engine, run } = heldEngine();
  engine.submit({ agent: 'billing', workflow: 'invoice-run', kind: 'sync' });
  await run(SEC);
  assert.ok(clock.pending() > 0, 'the run under way has its timeout armed');
  await engine.stop();
  assert.is(clock.pending(), 0);
  held.release();
  await new Promise((resolve) => setTimeout(resolve, 5));
  assert.is(store.get('jobs', store.list('jobs')[0].id)?.status, 'running', 'its end after stop() wrote nothing');
});

Stop('stop() refuses the done of every first run it will not record (EngineError): the one under way and those queued behind it, no rejection left unhandled', async () => {
  const calls: string[] = [];
  const { store, held, engine, run } = heldEngine(calls);
  let queuedId = '';
  let refusals: unknown[] = [];
  await nothingThrownDuring(async () => {
    const running = engine.submit({ agent: 'billing', workflow: 'invoice-run', kind: 'sync' });
    const queued = engine.submit({ agent: 'billing', workflow: 'invoice-run', kind: 'sync' });
    queuedId = queued.jobId;
    // A third nobody awaits: refused too, and no unhandled rejection.
    engine.submit({ agent: 'billing', workflow: 'invoice-run', kind: 'sync' });
    await run(SEC);
    await engine.stop();
    refusals = await Promise.all([running.done, queued.done].map((done) => done.then(() => null, (error: unknown) => error)));
    // The run under way ends after stop(): its outcome is not recorded, and its done stays refused.
    held.release();
  });
  for (const refusal of refusals) assert.instance(refusal, EngineError);
  assert.match(String((refusals[1] as Error).message), `job ${queuedId}: the engine stopped before its first run was recorded; the job stays in the store, and the next engine over it runs it`);
  assert.is(store.get('jobs', queuedId)?.status, 'queued', 'the next engine runs it');
  assert.equal(calls, ['first engine, run 0']);
});

Stop('a job with its own run and no kind, stopped before its first run: its caller is told the next engine cannot run it, and the next engine fails it', async () => {
  const { store, clock, held, engine, run } = heldEngine();
  let refusal: unknown = null;
  let jobId = '';
  await nothingThrownDuring(async () => {
    engine.submit({ agent: 'billing', workflow: 'invoice-run', kind: 'sync' });
    const own = engine.submit({ agent: 'billing', workflow: 'invoice-run', run: () => {} });
    jobId = own.jobId;
    await run(SEC);
    await engine.stop();
    refusal = await own.done.then(() => null, (error: unknown) => error);
    held.release();
  });
  assert.instance(refusal, EngineError);
  assert.is((refusal as Error).message, `incident-flow: job ${jobId}: the engine stopped before its first run was recorded; the job stays in the store, but it has no kind and its own run is not stored: the next engine over it finds no runner for it and fails it (give such a job a kind registered in jobs)`);
  // What the message says: the next engine has nothing to run it with.
  const next = createHarness({ store, clock, seed: 2, fixAfterMs: null, jobs: { sync: held.run } });
  await next.run(SEC);
  assert.is(store.get('jobs', jobId)?.status, 'failed');
  assert.match(store.get('jobs', jobId)?.error ?? '', `no runner for job ${jobId}`);
  await next.engine.stop();
});

Stop('a job with a kind stopped mid-run fails in the next engine as its submit said: its impact (P0, not an unassessed P2), else the assess hook, given its kind and input', async () => {
  const { store, clock, held, engine, run } = heldEngine();
  await nothingThrownDuring(async () => {
    engine.submit({ id: 'job-down', agent: 'billing', workflow: 'invoice-run', kind: 'sync', input: { batch: 1 }, impact: { kind: 'platform-down', customerFacing: true }, rootCause: 'db primary lost' });
    engine.submit({ id: 'job-other', agent: 'pager', kind: 'sync', input: { batch: 2 } });
    await run(SEC);
    await engine.stop();
    held.release();
  });
  assert.is(store.get('jobs', 'job-down')?.status, 'running', 'left for the next engine');
  const assessed: unknown[] = [];
  const failing: JobRunner = () => { throw new Error('ECONNRESET invoices-api'); };
  const next = createHarness({ store, clock, seed: 2, fixAfterMs: null, jobs: { sync: failing }, assess: (_error, job) => (assessed.push([job.id, job.kind, job.input]), { kind: 'safety' }) });
  await next.run(SEC);
  const severityOf = (jobId: string) => store.get('incidents', store.get('jobs', jobId)?.incidentId ?? '')?.severity;
  assert.is(severityOf('job-down'), 'P0', 'the impact given at submit');
  assert.is(store.get('incidents', store.get('jobs', 'job-down')!.incidentId!)?.rootCause, 'db primary lost');
  assert.is(severityOf('job-other'), 'P1', "the next engine's assess (safety)");
  assert.equal(assessed, [['job-other', 'sync', { batch: 2 }]]);
  assert.is(store.get('jobs', 'job-down')?.failureSpec, undefined, 'dropped once its run is recorded');
  await next.engine.stop();
});

/** A job that fails at once, and says which engine ran it. */
function failingNamed(calls: string[], engine: string): JobRunner {
  return ({ attempt }) => {
    calls.push(`${engine} engine, run ${attempt}`);
    throw new Error('ECONNRESET invoices-api');
  };
}

Stop('a second engine over a store whose engine has not been stopped is refused (it would run each retry twice); once stop() resolves, one may take over', async () => {
  const store = createMemoryStore();
  const first = createIncidentEngine({ store });
  const refused = (() => { try { createIncidentEngine({ store }); return null; } catch (error) { return error; } })();
  assert.instance(refused, EngineError);
  assert.is((refused as Error).message, "incident-flow: options.store: another engine runs over this memory store and has not been stopped; a second one would run each open incident's retries and deadlines twice: await the first one's stop() before creating another");
  await first.stop();
  const second = createIncidentEngine({ store });
  await second.stop();
});

Stop("the first engine's stop() called again once another took the store over leaves that one's claim to it", async () => {
  // A shutdown path that stops every engine it made, the first one a second time.
  const store = createMemoryStore();
  const first = createIncidentEngine({ store });
  await first.stop();
  const second = createIncidentEngine({ store });
  await first.stop();
  const third = (() => { try { return createIncidentEngine({ store }); } catch (error) { return error as Error; } })();
  if (!(third instanceof Error)) await third.stop();
  await second.stop();
  assert.instance(third, EngineError, 'a third engine beside the second is refused');
  assert.match(String(third), 'another engine runs over this memory store');
  await createIncidentEngine({ store }).stop();
});

Stop.run();
