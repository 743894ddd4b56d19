import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { computeMetrics } from '../reports/metrics.js';
import { at, escalation, makeIncident, MIN } from './fixtures/incidents.js';


const MeanTimes = suite('computeMetrics: mean times');

MeanTimes('MTTD is the mean of detectedAt − failureStartedAt', () => {
  const m = computeMetrics([
    makeIncident({ id: 'a', failureStartedAt: at(-2), detectedAt: at(0) }),
    makeIncident({ id: 'b', failureStartedAt: at(96), detectedAt: at(100), respondedAt: at(110), resolvedAt: at(160) }),
  ]);
  assert.is(m.overall.mttdMs, 3 * MIN);
});

MeanTimes('MTTR averages respondedAt − detectedAt over acknowledged incidents only', () => {
  const m = computeMetrics([
    makeIncident({ id: 'a', respondedAt: at(10) }),
    makeIncident({ id: 'b', respondedAt: null, autoResolved: true, resolvedAt: at(1) }),
    makeIncident({ id: 'c', respondedAt: at(4) }),
  ]);
  assert.is(m.overall.mttrMs, 7 * MIN);
  assert.is(m.overall.responded, 2);
});

MeanTimes('mean time to resolve skips open incidents; p50/p95 and the max come from the same sample', () => {
  const m = computeMetrics([
    makeIncident({ id: 'a', resolvedAt: at(60) }),
    makeIncident({ id: 'b', resolvedAt: at(30) }),
    makeIncident({ id: 'c', resolvedAt: null, status: 'coordinated' }),
  ]);
  assert.is(m.overall.mttResolveMs, 45 * MIN);
  assert.is(m.overall.resolved, 2);
  assert.is(m.overall.resolveP50Ms, 45 * MIN);
  assert.is(m.overall.resolveP95Ms, 58.5 * MIN);
  assert.is(m.overall.resolveMaxMs, 60 * MIN);
  assert.is(m.bySeverity.unclassified.resolveMaxMs, null, 'none resolved: no max');
});

MeanTimes('per-severity means only see their severity; no samples give null', () => {
  const m = computeMetrics([
    makeIncident({ id: 'p0', severity: 'P0', respondedAt: at(2), resolvedAt: at(20) }),
    makeIncident({ id: 'p2', severity: 'P2', respondedAt: at(30), resolvedAt: at(600) }),
  ]);
  assert.is(m.bySeverity.P0.mttrMs, 2 * MIN);
  assert.is(m.bySeverity.P2.mttResolveMs, 600 * MIN);
  assert.is(m.bySeverity.P1.incidents, 0);
  assert.is(m.bySeverity.P1.mttdMs, null);
  assert.is(m.bySeverity.P1.sla.attainment, null);
});

MeanTimes.run();

const Sla = suite('computeMetrics: SLA attainment against the severity table');

// [case, incident overrides, judged, met] — the spec's table: response P0 <5m, P1 <15m,
// P2 <1h, P3 <24h; resolution P0 <1h, P1 <4h, P2 <24h, P3 before the next window.
// BASE is Monday 2026-03-02 09:00; the next window is Sunday 2026-03-08 02:00 (8220 min).
const cases: Array<[string, Parameters<typeof makeIncident>[0], boolean, boolean]> = [
  ['P0 acknowledged at 4:59 and resolved at 59 min', { id: '1', severity: 'P0', respondedAt: at(4.99), resolvedAt: at(59) }, true, true],
  ['P0 acknowledged at exactly 5 min (targets are strict)', { id: '2', severity: 'P0', respondedAt: at(5), resolvedAt: at(30) }, true, false],
  ['P1 resolved at exactly 4 h', { id: '3', severity: 'P1', respondedAt: at(10), resolvedAt: at(240) }, true, false],
  ['P2 on time by the clock but with a recorded breach', { id: '4', severity: 'P2', slaBreaches: [{ kind: 'response', at: at(60) }] }, true, false],
  ['P3 resolved before the Sunday window', { id: '5', severity: 'P3', respondedAt: at(600), resolvedAt: at(8200) }, true, true],
  ['P3 resolved after the Sunday window', { id: '6', severity: 'P3', respondedAt: at(600), resolvedAt: at(8280) }, true, false],
  ['P3 auto-resolved by retry: resolution stops the response clock', { id: '7', severity: 'P3', respondedAt: null, resolvedAt: at(1), autoResolved: true }, true, true],
  ['open P2 acknowledged in time: not decided yet', { id: '8', severity: 'P2', resolvedAt: null, status: 'coordinated' }, false, false],
  ['open P0 with a recorded response breach: already missed', { id: '9', severity: 'P0', respondedAt: null, resolvedAt: null, slaBreaches: [{ kind: 'response', at: at(5) }] }, true, false],
  ['unclassified: no targets', { id: '10', severity: null, respondedAt: null, resolvedAt: at(1), autoResolved: true }, false, false],
];

for (const [name, over, judged, met] of cases) {
  Sla(name, () => {
    const m = computeMetrics([makeIncident(over)]);
    assert.is(m.overall.sla.judged, judged ? 1 : 0);
    assert.is(m.overall.sla.met, met ? 1 : 0);
  });
}

Sla('attainment is met / judged over the whole table', () => {
  const m = computeMetrics(cases.map(([, over]) => makeIncident(over)));
  assert.equal(m.overall.sla, { met: 3, judged: 8, attainment: 3 / 8 });
  assert.equal(m.bySeverity.P3.sla, { met: 2, judged: 3, attainment: 2 / 3 });
});

Sla.run();

const Rates = suite('computeMetrics: rates, counts and weeks');

Rates('auto-resolve rate counts auto-resolved incidents that never escalated', () => {
  const m = computeMetrics([
    makeIncident({ id: 'a', autoResolved: true, respondedAt: null }),
    makeIncident({ id: 'b', autoResolved: true, escalations: [escalation('cheryl', 1)] }),
    makeIncident({ id: 'c' }),
    makeIncident({ id: 'd' }),
  ]);
  assert.is(m.overall.autoResolved, 1);
  assert.is(m.overall.autoResolveRate, 0.25);
});

Rates('repeat rate counts incidents linked to an earlier one with the same fingerprint', () => {
  const m = computeMetrics([
    makeIncident({ id: 'a', fingerprint: 'x' }),
    makeIncident({ id: 'b', fingerprint: 'x', repeatOf: 'a' }),
    makeIncident({ id: 'c', fingerprint: 'y' }),
  ]);
  assert.is(m.overall.repeats, 1);
  assert.is(m.overall.repeatRate, 1 / 3);
});

Rates('counts escalations, SLA breaches and incidents by status', () => {
  const m = computeMetrics([
    makeIncident({ id: 'a', escalations: [escalation('cheryl', 1), escalation('petra', 2, 'cheryl')], status: 'closed' }),
    makeIncident({ id: 'b', slaBreaches: [{ kind: 'response', at: at(5) }, { kind: 'resolution', at: at(60) }], status: 'executive', resolvedAt: null }),
    makeIncident({ id: 'c', status: 'closed' }),
  ]);
  assert.is(m.overall.incidents, 3);
  assert.is(m.overall.escalations, 2);
  assert.is(m.overall.slaBreaches, 2);
  assert.is(m.byStatus.closed, 2);
  assert.is(m.byStatus.executive, 1);
  assert.is(m.byStatus.detected, 0);
});

Rates('incidents by severity per ISO week, empty weeks included', () => {
  const m = computeMetrics([
    makeIncident({ id: 'a', severity: 'P0', detectedAt: '2026-03-02T00:00:00.000Z' }),
    makeIncident({ id: 'b', severity: 'P2', detectedAt: '2026-03-08T23:59:59.000Z' }),
    makeIncident({ id: 'c', severity: 'P2', detectedAt: '2026-03-16T08:00:00.000Z', repeatOf: 'b' }),
    makeIncident({ id: 'd', severity: null, detectedAt: '2026-03-16T09:00:00.000Z', autoResolved: true }),
  ]);
  assert.equal(m.weeks.map((w) => w.week), ['2026-W10', '2026-W11', '2026-W12']);
  assert.equal(m.weeks[0].bySeverity, { P0: 1, P1: 0, P2: 1, P3: 0, unclassified: 0 });
  assert.is(m.weeks[1].incidents, 0);
  assert.is(m.weeks[1].repeatRate, null);
  assert.equal(m.weeks[2].bySeverity, { P0: 0, P1: 0, P2: 1, P3: 0, unclassified: 1 });
  assert.is(m.weeks[2].repeatRate, 0.5);
  assert.is(m.weeks[2].autoResolveRate, 0.5);
});

Rates('the escalation funnel counts how far each incident went', () => {
  const m = computeMetrics([
    makeIncident({ id: 'a', autoResolved: true, assignee: null, retries: [{ attempt: 1, delayMs: 0, at: at(0), outcome: 'succeeded' }] }),
    makeIncident({ id: 'b', retries: [{ attempt: 1, delayMs: 0, at: at(0), outcome: 'failed' }], escalations: [escalation('cheryl', 1)] }),
    makeIncident({ id: 'c', assignee: 'atlas', escalations: [escalation('cheryl', 1), escalation('petra', 2), escalation('atlas', 3)] }),
  ]);
  assert.equal(m.funnel, { detected: 3, retried: 2, cheryl: 2, petra: 1, atlas: 1 });
});

Rates('Cheryl counts as reached when the engine assigned her and she escalated (no escalation to her)', () => {
  const m = computeMetrics([
    makeIncident({ id: 'a', assignee: 'petra', escalations: [escalation('petra', 4, 'cheryl', ['severity-p0-p1'])] }),
    makeIncident({ id: 'b', assignee: 'cheryl', escalations: [] }),
  ]);
  assert.equal(m.funnel, { detected: 2, retried: 0, cheryl: 2, petra: 1, atlas: 0 });
});

Rates.run();

const Range = suite('computeMetrics: time range');

Range('filters on detectedAt, from inclusive and to exclusive, and spans the weeks of the range', () => {
  const incidents = [
    makeIncident({ id: 'before', detectedAt: '2026-03-01T23:59:59.999Z' }),
    makeIncident({ id: 'first', detectedAt: '2026-03-02T00:00:00.000Z' }),
    makeIncident({ id: 'last', detectedAt: '2026-03-15T23:59:59.999Z' }),
    makeIncident({ id: 'after', detectedAt: '2026-03-16T00:00:00.000Z' }),
  ];
  const m = computeMetrics(incidents, { from: '2026-03-02T00:00:00.000Z', to: '2026-03-16T00:00:00.000Z' });
  assert.is(m.overall.incidents, 2);
  assert.equal(m.weeks.map((w) => w.week), ['2026-W10', '2026-W11']);
  assert.equal(m.range, { from: '2026-03-02T00:00:00.000Z', to: '2026-03-16T00:00:00.000Z' });
});

Range('rejects a range that is not ISO time, naming it', () => {
  assert.throws(() => computeMetrics([], { from: 'last tuesday' }), /last tuesday/);
});

Range('no incidents: zero counts, null means, no weeks', () => {
  const m = computeMetrics([]);
  assert.is(m.overall.incidents, 0);
  assert.is(m.overall.mttdMs, null);
  assert.is(m.overall.autoResolveRate, null);
  assert.equal(m.weeks, []);
});

Range('same input gives byte-identical output', () => {
  const input = [makeIncident({ id: 'a' }), makeIncident({ id: 'b', severity: 'P0', respondedAt: at(3) })];
  assert.is(JSON.stringify(computeMetrics(input)), JSON.stringify(computeMetrics(structuredClone(input))));
});

Range.run();
