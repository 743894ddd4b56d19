import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mean, p50, p95, percentile, summarize } from '../reports/stats.js';
import { formatDuration, formatOffset, formatPercent, isoWeek, isoWeekStart, weeksBetween } from '../reports/time.js';

const Stats = suite('percentile helpers');

Stats('interpolate between closest ranks', () => {
  assert.is(p50([4, 1, 3, 2]), 2.5);
  assert.is(p95([1, 2, 3, 4, 5]), 4.8);
  assert.is(percentile([10, 20, 30, 40], 95), 38.5);
  assert.is(percentile([7], 95), 7);
});

Stats('give null for no samples and reject a percentile outside 0..100', () => {
  assert.is(p50([]), null);
  assert.is(mean([]), null);
  assert.throws(() => percentile([1], 101), /101/);
});

Stats('summarize a seed sweep sample', () => {
  assert.equal(summarize([1, 2, 3]), { count: 3, mean: 2, p50: 2, p95: 2.9, min: 1, max: 3 });
  assert.equal(summarize([]), { count: 0, mean: null, p50: null, p95: null, min: null, max: null });
});

Stats('summarize a sample of a long run (more values than a call has arguments)', () => {
  const s = summarize(Array.from({ length: 300_000 }, (_, i) => (i * 7919) % 300_000));
  assert.equal([s.min, s.max], [0, 299_999]);
});

Stats.run();

const Weeks = suite('ISO weeks');

Weeks('follow ISO-8601 at year boundaries', () => {
  assert.is(isoWeek('2026-03-02T10:00:00Z'), '2026-W10');
  assert.is(isoWeek('2026-03-08T23:59:59Z'), '2026-W10');
  assert.is(isoWeek('2021-01-03T23:00:00Z'), '2020-W53');
  assert.is(isoWeek('2024-12-30T00:00:00Z'), '2025-W01');
  assert.is(isoWeek('2026-12-31T12:00:00Z'), '2026-W53');
});

Weeks('start on Monday and enumerate across a year end', () => {
  assert.is(new Date(isoWeekStart('2026-W10')).toISOString(), '2026-03-02T00:00:00.000Z');
  assert.is(new Date(isoWeekStart('2020-W53')).toISOString(), '2020-12-28T00:00:00.000Z');
  assert.equal(weeksBetween('2026-W52', '2027-W01'), ['2026-W52', '2026-W53', '2027-W01']);
  assert.throws(() => isoWeekStart('2026-10'), /YYYY-Www/);
});

Weeks.run();

const Format = suite('fixed formats');

Format('durations, offsets and percentages', () => {
  assert.is(formatDuration(45_000), '45s');
  assert.is(formatDuration(245_000), '4m 05s');
  assert.is(formatDuration(2 * 3_600_000 + 7 * 60_000), '2h 07m');
  assert.is(formatDuration(3 * 86_400_000 + 4 * 3_600_000), '3d 04h');
  assert.is(formatDuration(null), '—');
  assert.is(formatOffset(125_000), 'T+02:05');
  assert.is(formatOffset(75 * 60_000), 'T+75:00');
  assert.is(formatOffset(-30_000), 'T-00:30');
  assert.is(formatPercent(0.125), '12.5%');
  assert.is(formatPercent(null), '—');
});

Format.run();
