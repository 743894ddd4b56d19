import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { MAX_DOTS } from '../reports/distributionChart.js';
import { MAX_LISTED, renderHtmlReport } from '../reports/html.js';
import { computeMetrics } from '../reports/metrics.js';
import { at, makeIncident } from './fixtures/incidents.js';

const scale = suite('HTML report at the scale of a month of a fleet');

/** The dots of the time-to-resolve chart (other charts draw circles too). */
const dotsOf = (html: string): number =>
  html.split('<section').find((s) => s.includes('Time to resolve against target'))!.match(/<circle /g)?.length ?? 0;

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

scale('draws at most its quantile dots per severity and lists the incidents a retry did not settle', () => {
  const incidents = month(5_000);
  const html = renderHtmlReport({ title: 'March', incidents, metrics: computeMetrics(incidents) });
  const dots = dotsOf(html);
  assert.ok(dots > 0 && dots <= 2 * MAX_DOTS, `${dots} dots`);
  assert.match(html, `${MAX_DOTS} shown`);
  const rows = html.split('<section').find((s) => s.includes('>Incidents</h2>'))!.match(/<tr/g)!.length - 1;
  assert.is(rows, 500, 'the 500 escalated incidents, not all 5,000');
  assert.ok(rows <= MAX_LISTED);
  assert.match(html, '500 of the 500 incidents a retry did not settle (of 5000 in all)');
});

scale('a small report still draws every incident and lists them all', () => {
  const incidents = month(50);
  const html = renderHtmlReport({ title: 'March', incidents, metrics: computeMetrics(incidents) });
  assert.is(dotsOf(html), 50);
  assert.not.match(html, ' shown<');
});

scale.run();
