/**
 * MTTD of a hung job (spec, "Metrics Tracked"): a job that never settles was failing from the
 * start of the attempt that hung, and `JOB_TIMEOUT_MS` is when the engine noticed. Its
 * incident's `failureStartedAt` was the moment the timeout fired, so its MTTD was 0, as if
 * the hang had been seen the instant it began. Now it is the attempt's start (the job's own
 * `startedAt`, a scenario's failure start, still wins), and a thrown error's stays the
 * moment it was caught. The cluster's: clusterHungJob.test.ts.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createIncidentEngine } from '../agents/engine.js';
import type { EngineOptions } from '../agents/types.js';
import type { Clock } from '../machines/types.js';
import { computeMetrics } from '../reports/metrics.js';
import { createMemoryStore } from '../store/memoryStore.js';
import { nextTurn, VirtualClock } from '../sim/virtualClock.js';

const T0 = Date.UTC(2026, 2, 2, 14);
const TIMEOUT_MS = 60_000;
const iso = (ms: number) => new Date(ms).toISOString();
/** Settles after `ms` on the engine's clock. */
const after = (clock: Clock, ms: number) => new Promise<void>((resolve) => clock.setTimeout(resolve, ms));

function engineWith(jobs: (clock: VirtualClock) => EngineOptions['jobs']) {
  const clock = new VirtualClock({ start: T0 });
  return { clock, engine: createIncidentEngine({ store: createMemoryStore(), clock, jobs: jobs(clock), config: { JOB_TIMEOUT_MS: TIMEOUT_MS } }) };
}

const test = suite('engine: when a failure started (MTTD)');

test('a hung job: failureStartedAt is the start of the attempt that hung, MTTD the timeout', async () => {
  // The hung job waits 30 s behind another: its attempt starts then, not when it was submitted.
  const { clock, engine } = engineWith((clock) => ({ slow: () => after(clock, 30_000), hang: () => new Promise(() => {}) }));
  engine.submit({ agent: 'mailer', kind: 'slow' });
  const { done } = engine.submit({ agent: 'mailer', kind: 'hang' });
  await clock.advanceByAsync(30_000 + TIMEOUT_MS);
  assert.is(await done, 'failed');
  const [incident] = engine.store.list('incidents');
  assert.is(incident.error.name, 'JobTimeoutError');
  assert.is(incident.failureStartedAt, iso(T0 + 30_000), 'the hung attempt started when the slow job ended');
  assert.is(incident.detectedAt, iso(T0 + 30_000 + TIMEOUT_MS));
  assert.is(computeMetrics([incident]).overall.mttdMs, TIMEOUT_MS);
  await engine.stop();
});

test('a thrown error: failureStartedAt is when it was caught, however long the run took', async () => {
  const { clock, engine } = engineWith((clock) => ({ fail: async () => { await after(clock, 20_000); throw new Error('SMTP 421'); } }));
  const { done } = engine.submit({ agent: 'mailer', kind: 'fail' });
  await nextTurn();
  await clock.advanceByAsync(20_000);
  assert.is(await done, 'failed');
  const [incident] = engine.store.list('incidents');
  assert.is(incident.failureStartedAt, iso(T0 + 20_000));
  assert.is(incident.detectedAt, iso(T0 + 20_000));
  assert.is(computeMetrics([incident]).overall.mttdMs, 0);
  await engine.stop();
});

test("a hung job whose spec says when its failure began (a scenario's): that start wins", async () => {
  const { clock, engine } = engineWith(() => ({ hang: () => new Promise(() => {}) }));
  const began = T0 - 3_600_000;
  const { done } = engine.submit({ agent: 'mailer', kind: 'hang', startedAt: began });
  await clock.advanceByAsync(TIMEOUT_MS);
  assert.is(await done, 'failed');
  const [incident] = engine.store.list('incidents');
  assert.is(incident.failureStartedAt, iso(began));
  assert.is(computeMetrics([incident]).overall.mttdMs, 3_600_000 + TIMEOUT_MS);
  await engine.stop();
});

test.run();
