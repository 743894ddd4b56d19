import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { MAX_DOTS } from '../reports/distributionChart.js';
import { MAX_LISTED, renderHtmlReport } from '../reports/html.js';
import { computeMetrics } from '../reports/metrics.js';
import type { IncidentRecord } from '../machines/types.js';
import { at, makeIncident } from './fixtures/incidents.js';

const scale = suite('HTML report at the scale of a month of a fleet');

/** The time-to-resolve chart's section. */
const chartOf = (html: string): string => html.split('<section').find((s) => s.includes('Time to resolve against target'))!;
/** The dots of the time-to-resolve chart (other charts draw circles too). */
const dotsOf = (html: string): number => chartOf(html).match(/<circle /g)?.length ?? 0;
const render = (incidents: IncidentRecord[]) => renderHtmlReport({ title: 'March', incidents, metrics: computeMetrics(incidents) });
const incidentIds = (html: string): string[] =>
  [...html.split('<section').find((s) => s.includes('>Incidents</h2>'))!.matchAll(/<tr><th scope="row">([^<]+)<\/th>/g)].map((m) => m[1]!);

/** `n` P2 incidents resolved by retry in a minute, and every tenth one escalated and slow. */
function month(n: number) {
  return Array.from({ length: n }, (_, k) => {
    const escalated = k % 10 === 0;
    return makeIncident({
      id: `inc_${String(k).padStart(5, '0')}`,
      severity: 'P2',
      status: 'closed',
      detectedAt: at(k),
      resolvedAt: at(k + (escalated ? 120 : 1)),
      autoResolved: !escalated,
      escalations: escalated ? [{ from: 'cheryl', to: 'petra', criteria: ['needs-change'], at: at(k + 5) }] : [],
    });
  });
}

scale('draws at most MAX_DOTS per severity, labelled with how many it drew', () => {
  const html = render(month(5_000));
  const dots = dotsOf(html);
  assert.ok(dots > 0 && dots <= MAX_DOTS, `${dots} dots`);
  assert.match(html, `>n=5000<`);
  assert.match(html, `>${dots} drawn<`);
});

scale('missed targets are drawn, and the sample still never exceeds the cap ("402 shown" where the cap is 400)', () => {
  // P3 rows where a third missed the 7-day window: before, quantiles plus every missed dot went past the cap.
  const incidents = Array.from({ length: 3_000 }, (_, k) => makeIncident({
    id: `inc_p3_${k}`, severity: 'P3', detectedAt: at(k), resolvedAt: at(k + (k % 3 === 0 ? 8 * 1440 : 30 + (k % 50))),
  }));
  const html = render(incidents);
  const labels = [...chartOf(html).matchAll(/>(\d+) drawn</g)].map((m) => Number(m[1]));
  assert.is(labels.length, 1);
  assert.ok(labels[0]! <= MAX_DOTS, `label says ${labels[0]} drawn`);
  assert.is(dotsOf(html), labels[0], 'the label counts the dots drawn');
  const missed = chartOf(html).match(/\(target missed\)/g)?.length ?? 0;
  assert.ok(missed >= MAX_DOTS / 2, `${missed} missed dots drawn (half the cap kept for them)`);
});

scale('lists at most MAX_LISTED incidents, the most severe first, and says how many are not listed', () => {
  const incidents = month(5_000);
  incidents[4_321] = { ...incidents[4_321]!, severity: 'P0', autoResolved: false };
  const html = render(incidents);
  const ids = incidentIds(html);
  assert.is(ids.length, MAX_LISTED);
  assert.is(ids[0], 'inc_04321', 'the P0 first');
  assert.is(ids[1], 'inc_00000', 'then the oldest of those a retry did not settle');
  assert.ok(ids.every((id) => Number(id.slice(4)) % 10 === 0 || id === 'inc_04321'), 'none a retry settled');
  assert.match(html, `${MAX_LISTED} of 5,000 incidents listed: the most severe of the 501 a retry did not settle, P0 first, then oldest first. Not listed: 4,900 (401 more a retry did not settle, 4,499 a retry settled).`);
});

scale('a small report still draws every incident and lists them all, oldest first', () => {
  const incidents = month(50);
  const html = render(incidents);
  assert.is(dotsOf(html), 50);
  assert.not.match(html, ' drawn<');
  assert.equal(incidentIds(html), incidents.map((i) => i.id));
  assert.match(html, '<p class="note">Oldest first.</p>');
});

scale('a resolve of 0 s is placed in a labelled 0s slot left of the log axis, which starts at 1s', () => {
  const incidents = [
    makeIncident({ id: 'inc_zero', severity: 'P2', detectedAt: at(0), resolvedAt: at(0), autoResolved: true }),
    makeIncident({ id: 'inc_hour', severity: 'P2', detectedAt: at(0), resolvedAt: at(60) }),
  ];
  const chart = chartOf(render(incidents));
  const label = (text: string) => Number(new RegExp(`<text class="tick" x="([\\d.]+)" y="[\\d.]+" text-anchor="middle">${text}</text>`).exec(chart)?.[1]);
  const dot = (id: string) => Number(new RegExp(`<circle cx="([\\d.]+)"[^>]*><title>${id} `).exec(chart)?.[1]);
  const plotLeft = 110;
  assert.ok(label('0s') > plotLeft, `0s labelled at ${label('0s')}`);
  assert.ok(label('1s') > label('0s') + 20, `1s at ${label('1s')}, clear of 0s`);
  assert.is(dot('inc_zero'), label('0s'), 'the 0 s dot sits on its label');
  assert.ok(dot('inc_zero') - 4.5 > plotLeft, 'wholly inside the plot, not half over its edge');
  assert.ok(dot('inc_hour') > label('1s'));
  assert.match(chart, '<title>inc_zero P2: resolved in 0s</title>');
});

scale('without sub-second resolves the axis has no 0s slot', () => {
  const chart = chartOf(render(month(20)));
  assert.not.match(chart, '>0s<');
  assert.not.match(chart, '>&lt;1s<');
});

scale.run();
