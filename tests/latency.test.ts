import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { DurationError } from '../sim/duration.js';
import { LatencyError, parseLatency, sampleLatency, type Latency, type LatencySpec } from '../sim/latency.js';
import { createRandom } from '../sim/random.js';

const quantile = (values: number[], q: number) => [...values].sort((a, b) => a - b)[Math.floor(q * values.length)];
const draw = (spec: LatencySpec | Latency, n: number, seed = 7) => {
  const random = createRandom(seed);
  return Array.from({ length: n }, () => sampleLatency(spec, random));
};

const latency = suite('sampleLatency');

latency('a duration is a fixed latency and draws nothing', () => {
  let draws = 0;
  assert.is(sampleLatency('2m', () => (draws++, 0.5)), 120_000);
  assert.is(draws, 0);
});

latency('uniform stays within its bounds and covers them', () => {
  const values = draw({ uniform: ['1m', '3m'] }, 5_000);
  assert.ok(values.every((ms) => ms >= 60_000 && ms <= 180_000 && Number.isInteger(ms)));
  assert.ok(Math.min(...values) < 62_000 && Math.max(...values) > 178_000);
});

latency('lognormal hits its median and 95th percentile', () => {
  const values = draw({ lognormal: { median: '5m', p95: '30m' } }, 40_000);
  const median = quantile(values, 0.5);
  const p95 = quantile(values, 0.95);
  assert.ok(Math.abs(median / 300_000 - 1) < 0.04, `median ${median}`);
  assert.ok(Math.abs(p95 / 1_800_000 - 1) < 0.06, `p95 ${p95}`);
  assert.ok(values.every((ms) => ms >= 0));
});

latency('lognormal with p95 equal to the median is fixed', () => {
  assert.equal(new Set(draw({ lognormal: { median: '5m', p95: '5m' } }, 100)), new Set([300_000]));
});

latency('the same seed gives the same latencies; parsed and raw specs agree', () => {
  const spec: LatencySpec = { lognormal: { median: '2m', p95: '10m' } };
  assert.equal(draw(spec, 50), draw(spec, 50));
  assert.equal(draw(parseLatency(spec), 50), draw(spec, 50));
  assert.not.equal(draw(spec, 50, 1), draw(spec, 50, 2));
});

latency('rejects bad durations and bounds in the wrong order', () => {
  assert.throws(() => parseLatency('soon'), (error: unknown) => error instanceof DurationError);
  assert.throws(() => parseLatency({ uniform: ['5m', '1m'] }), (error: unknown) => error instanceof LatencyError && /\[low, high\]/.test(error.message));
  assert.throws(() => parseLatency({ lognormal: { median: '10m', p95: '5m' } }), /0 < median <= p95/);
  assert.throws(() => parseLatency({ lognormal: { median: '0s', p95: '5m' } }), (error: unknown) => error instanceof LatencyError);
});

latency('parses each shape to milliseconds', () => {
  assert.equal(parseLatency('90s'), { kind: 'fixed', ms: 90_000 });
  assert.equal(parseLatency({ uniform: ['0s', '1h'] }), { kind: 'uniform', minMs: 0, maxMs: 3_600_000 });
  assert.equal(parseLatency({ lognormal: { median: '5m', p95: '1h' } }), { kind: 'lognormal', medianMs: 300_000, p95Ms: 3_600_000 });
});

latency.run();
