import { SEVERITIES } from '../machines/types.js';
import { incidentList } from '../reports/incidentList.js';
import type { GroupMetrics } from '../reports/metricGroups.js';
import { p50, p95 } from '../reports/stats.js';
import { formatDuration, formatPercent, NONE } from '../reports/time.js';
import type { RunResult } from './runner.js';
import type { Verdict } from './expectations.js';
import type { Mismatch } from './mismatches.js';
import { metricValue } from './expectations.js';
import { Observations, type Observation } from './observations.js';
import { formatProblem } from './scenario/problems.js';

const show = (v: unknown): string => (v === null || v === undefined ? NONE : typeof v === 'object' ? JSON.stringify(v) : String(v));
/** Milliseconds with their reading, `2070000 (34m 30s)`: the scenario said "30m", report.json keeps ms. */
const showMs = (v: unknown): string => (typeof v === 'number' ? `${v} (${formatDuration(v)})` : show(v));
/** `key=value`, a value in milliseconds with its reading. */
const pair = (k: string, x: unknown, inMs: boolean): string => `${k}=${inMs ? showMs(x) : show(x)}`;

/**
 * What a failure expectation observed. One incident: its values. Several (a load mix entry
 * may open thousands): each checked field's distinct values with counts, and the longest
 * resolution, so the line stays one line.
 */
function observedIncidents(v: Verdict): string {
  const each = v.observed.each as Observations;
  const keys = Object.keys(v.expected) as Array<keyof Observation>;
  if (each.length === 0) return 'no incident';
  // `{ failure: x }` checks no field: that it opened incidents, how many.
  if (keys.length === 0) return `${each.length} incident${each.length === 1 ? '' : 's'}`;
  if (each.length === 1) return keys.map((k) => pair(k, (each.at(0) as Observation)[k], k.endsWith('Ms'))).join(' ');
  const fields = keys.map((k) => {
    if (k === 'resolvedWithinMs') {
      const times = Array.from(each, (o) => o[k]).filter((x): x is number => typeof x === 'number');
      const open = each.length - times.length;
      // reduce, not Math.max(...times): a long run's thousands of incidents overflow the stack.
      return `${k} max=${times.length ? showMs(times.reduce((a, b) => Math.max(a, b))) : NONE}${open ? ` (${open} unresolved)` : ''}`;
    }
    const counts = new Map<string, number>();
    for (const o of each) counts.set(show(o[k]), (counts.get(show(o[k])) ?? 0) + 1);
    return `${k}=${[...counts].map(([x, n]) => `${x}×${n}`).join(',')}`;
  });
  return `${each.length} incidents: ${fields.join(' ')}`;
}

/** `metric mttrMs (expect[1], line 10)`: the expectation and where the scenario writes it. */
function entryName(v: Verdict): string {
  return `${v.name} (${v.path}${v.line ? `, line ${v.line}` : ''})`;
}

function verdictLine(v: Verdict, file: string): string {
  const mark = v.status === 'pass' ? 'PASS' : 'FAIL';
  // A duration metric's bounds (min, max, equals) are milliseconds as its value (mttrMs) is.
  const inMs = (k: string) => k.endsWith('Ms') || (v.kind === 'metric' && Object.keys(v.observed).some((o) => o.endsWith('Ms')));
  const observed = v.kind === 'failure' ? observedIncidents(v) : Object.entries(v.observed).map(([k, x]) => pair(k, x, inMs(k))).join(' ');
  const expected = Object.entries(v.expected).map(([k, x]) => pair(k, x, inMs(k))).join(' ');
  const head = `  ${mark} ${entryName(v)}: expected ${expected || (v.kind === 'failure' ? 'an incident' : 'a value')}; observed ${observed}`;
  // Each field that failed on a line of its own, as `validate` writes a problem: file:line:column.
  return [head, ...mismatchLines(file, v).map((m) => `    ${m}`)].join('\n');
}

/**
 * A failing expectation's fields that failed, each `file:line:column expect[2].resolvedWithin:
 * expected …, observed …` (`formatProblem`, as `validate` writes a problem): the summary's
 * lines under FAIL and junit.xml's failure message say the same. One with no place (an
 * expectation built in code) is its path alone: it was never written in `file`.
 */
function mismatchLines(file: string, v: Verdict): string[] {
  return (v.mismatches ?? []).map(({ path, line, column, message }) => (line === null ? `${path}: ${message}` : formatProblem({ file, path, line, column, message })));
}

/**
 * The spec's mean time to resolve, said to be the mean, beside the median, the p95 and the
 * max: "46s (p95 5s)" read as a contradiction where a few long incidents among many short ones
 * put the mean above the p95; the max, never below the mean, shows the tail that does it.
 */
function resolveLine(o: GroupMetrics): string {
  const [mean, median, p95, max] = [o.mttResolveMs, o.resolveP50Ms, o.resolveP95Ms, o.resolveMaxMs].map(formatDuration);
  return `Time to resolve (${o.resolved} resolved): mean ${mean}, median ${median}, p95 ${p95}, max ${max}`;
}

/** The human-readable summary `incident-flow run` prints. Deterministic. */
export function renderSummary(r: RunResult): string {
  const o = r.metrics.overall;
  const bySev = SEVERITIES.map((s) => `${s} ${r.metrics.bySeverity[s].incidents}`).join(', ');
  const passed = r.expectations.filter((v) => v.status === 'pass').length;
  return [
    `${r.scenario}  (seed ${r.seed}; virtual time ${r.start} → ${r.end})`,
    `Failures: ${r.failures}   Incidents: ${o.incidents} (${bySev}; unclassified ${r.metrics.bySeverity.unclassified.incidents})`,
    `Escalations: ${o.escalations}   SLA breaches: ${o.slaBreaches}   Auto-resolved: ${o.autoResolved}   Repeats: ${o.repeats}`,
    `MTTD ${formatDuration(o.mttdMs)}   MTTR (respond) ${formatDuration(o.mttrMs)}   Auto-resolve ${formatPercent(o.autoResolveRate)}   Repeat ${formatPercent(o.repeatRate)}   SLA ${formatPercent(o.sla.attainment)}`,
    resolveLine(o),
    incidentList(r.incidents(), 'report.json lists every incident'),
    r.expectations.length ? 'Expectations:' : 'Expectations: none',
    ...r.expectations.map((v) => verdictLine(v, r.file)),
    `Verdict: ${r.verdict.toUpperCase()} (${passed}/${r.expectations.length} expectations)`,
  ].join('\n');
}

/** `report.json`: what other tools read of a run. Keys in a fixed order. */
export function reportJson(r: RunResult): string {
  return [...reportJsonParts(r)].join('');
}

/**
 * `report.json` in parts, the incidents one at a time as `r.incidents()` reads them from
 * the run's store: the same bytes as `JSON.stringify` of the whole report with an indent
 * of 2, without holding every incident's summary (nor the whole text) at once.
 */
export function* reportJsonParts(r: RunResult): Generator<string, undefined, undefined> {
  const { scenario, file, seed, start, end, verdict, metrics, failures, auditEntries } = r;
  const head = JSON.stringify({ scenario, file, seed, start, end, verdict, expectations: [] }, null, 2);
  const tail = JSON.stringify({ metrics, failures, auditEntries }, null, 2);
  // The head up to its empty list of expectations, the expectations, then the incidents.
  yield head.slice(0, -'[]\n}'.length);
  yield* listParts(r.expectations, 2, expectationParts);
  yield ',\n  "incidents": ';
  yield* listParts(r.incidents(), 2, (incident, indent) => [itemJson(incident, indent)]);
  // The tail without its opening "{\n".
  yield `,\n${tail.slice(2)}\n`;
  return undefined;
}

/**
 * A list as JSON.stringify with an indent of 2 writes it at `indent` spaces in, one part or
 * more per item (`parts`: an item's, the item `indent` + 2 spaces in).
 */
function* listParts<T>(items: Iterable<T>, indent: number, parts: (item: T, indent: number) => Iterable<string>): Generator<string, undefined, undefined> {
  let first = true;
  for (const item of items) {
    yield `${first ? '[\n' : ',\n'}${' '.repeat(indent + 2)}`;
    yield* parts(item, indent + 2);
    first = false;
  }
  yield first ? '[]' : `\n${' '.repeat(indent)}]`;
  return undefined;
}

/** `value` as JSON.stringify with an indent of 2 writes it `indent` spaces in (JSON strings hold no raw newline). */
const itemJson = (value: unknown, indent: number): string => JSON.stringify(value, null, 2).replaceAll('\n', `\n${' '.repeat(indent)}`);

/**
 * An expectation of report.json, `indent` spaces in: a failure's observations one at a time
 * (a long run's may be a hundred thousand), not as one array of them.
 */
function* expectationParts(v: Verdict, indent: number): Generator<string, undefined, undefined> {
  const { status, kind, name, path, line, mismatches, expected, observed } = v;
  // A pass has no `mismatches` key: what a passing run writes stays as it was.
  const head = mismatches ? { status, kind, name, path, line, mismatches } : { status, kind, name, path, line };
  const each = observed.each;
  if (!(each instanceof Observations)) return void (yield itemJson({ ...head, expected, observed }, indent));
  // `each` is the last member of `observed`, itself the expectation's last: its empty list is
  // the text's last "[]", followed by the closing braces only.
  const text = itemJson({ ...head, expected, observed: { ...observed, each: [] } }, indent);
  const at = text.lastIndexOf('[]');
  yield text.slice(0, at);
  yield* listParts(each, indent + 4, (o, inner) => [itemJson(o, inner)]);
  yield text.slice(at + 2);
  return undefined;
}

const XML_ESCAPES: Record<string, string> = { '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;', '\t': '&#9;', '\n': '&#10;', '\r': '&#13;' };
/**
 * Text for an XML attribute. XML 1.0 cannot carry a control character but tab, newline and
 * carriage return, not even as a reference (a scenario `name` holding one made junit.xml a file
 * no parser reads): each is written U+FFFD. Those three are references, which an attribute's
 * value would otherwise fold into spaces.
 */
const xml = (s: string): string => s.replace(/[<>&"'\t\n\r\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, (c) => XML_ESCAPES[c] ?? '\uFFFD');

/** Seconds with millisecond precision, as JUnit's `time` wants them. */
const seconds = (ms: number): string => (ms / 1000).toFixed(3);

/**
 * One `<testsuite>` per run. Every attribute comes from virtual time, so the same scenario
 * and seed give the same bytes: `timestamp` is the scenario's virtual start (JUnit's
 * `xs:dateTime` without a zone, UTC) and `time` the virtual length of the rehearsal; an
 * expectation is checked once the run is over, so each testcase takes `time="0.000"`.
 * `errors` and `skipped` are 0: a scenario that cannot run is refused before any JUnit is written.
 */
function junitSuite(r: RunResult, name: string): string[] {
  const failures = r.expectations.filter((v) => v.status === 'fail').length;
  const cases = r.expectations.map((v) => {
    const open = `    <testcase classname="${xml(name)}" name="${xml(`${v.name} (${v.path})`)}" time="0.000"`;
    if (v.status === 'pass') return `${open}/>`;
    // The message names the fields that failed, as the summary does; the body has the whole verdict.
    const whole = `expected ${JSON.stringify(v.expected)}; observed ${JSON.stringify(v.observed)}`;
    const msg = mismatchLines(r.file, v).join('; ') || whole;
    return `${open}>\n      <failure message="${xml(msg)}">${xml(whole)}</failure>\n    </testcase>`;
  });
  const time = seconds(Date.parse(r.end) - Date.parse(r.start));
  return [
    `  <testsuite name="${xml(name)}" tests="${r.expectations.length}" failures="${failures}" errors="0" skipped="0" time="${time}" timestamp="${r.start.slice(0, 19)}">`,
    ...cases,
    '  </testsuite>',
  ];
}

/**
 * JUnit XML of the expectations, for CI pipelines: one testsuite for a run, one per seed for a
 * sweep (named "<scenario> (seed N)"). Deterministic (see junitSuite).
 */
export function junitXml(runs: RunResult | RunResult[]): string {
  const all = Array.isArray(runs) ? runs : [runs];
  const suites = all.flatMap((r) => junitSuite(r, Array.isArray(runs) ? `${r.scenario} (seed ${r.seed})` : r.scenario));
  const tests = all.reduce((n, r) => n + r.expectations.length, 0);
  const failures = all.reduce((n, r) => n + r.expectations.filter((v) => v.status === 'fail').length, 0);
  const time = seconds(all.reduce((t, r) => t + Date.parse(r.end) - Date.parse(r.start), 0));
  return ['<?xml version="1.0" encoding="UTF-8"?>', `<testsuites tests="${tests}" failures="${failures}" errors="0" skipped="0" time="${time}">`, ...suites, '</testsuites>', ''].join('\n');
}

/** p50/p95 of each metric over a seed sweep. */
export function sweepTable(results: RunResult[], names: readonly string[]): { rows: Array<{ metric: string; p50: number | null; p95: number | null }>; text: string } {
  const rows = names.map((metric) => {
    const values = results.map((r) => metricValue(r.metrics, metric)).filter((v): v is number => v !== null);
    return { metric, p50: p50(values), p95: p95(values) };
  });
  // A count's percentile interpolates between runs (30.1 of 30 and 31): two decimals say it,
  // where String() would print the float's noise (30.099999999999998).
  const count = (v: number) => String(Math.round(v * 100) / 100);
  const fmt = (m: string, v: number | null) => (v === null ? NONE : m.endsWith('Ms') ? formatDuration(v) : m.endsWith('Rate') || m === 'slaAttainment' ? formatPercent(v) : count(v));
  const text = [`${'metric'.padEnd(16)} ${'p50'.padStart(12)} ${'p95'.padStart(12)}`, ...rows.map((r) => `${r.metric.padEnd(16)} ${fmt(r.metric, r.p50).padStart(12)} ${fmt(r.metric, r.p95).padStart(12)}`)].join('\n');
  return { rows, text };
}

/**
 * A run's failing expectations, for a sweep's report.json (`runs[].failedExpectations`), as its
 * junit.xml has them per seed: each headed as a single run's report.json heads it, with its
 * `mismatches`; not what it observed (a failure expectation's every incident, for each seed).
 * @example failedExpectations(r) // [{ kind: 'metric', name: 'metric incidents', path: 'expect[1]', line: 17, mismatches: [{ path: 'expect[1].max', … }] }]
 */
export function failedExpectations(r: RunResult): Array<Pick<Verdict, 'kind' | 'name' | 'path' | 'line'> & { mismatches: Mismatch[] }> {
  return r.expectations.filter((v) => v.status === 'fail').map(({ kind, name, path, line, mismatches }) => ({ kind, name, path, line, mismatches: mismatches ?? [] }));
}

/**
 * A sweep's verdict: which seeds failed and, under it, each expectation that failed with the
 * seeds it failed for, so the author knows what to look at before rebuilding a seed's run.
 * @example sweepVerdict(results) // 'Expectations failed for seeds 1, 3:\n  FAIL metric mttrMs (expect[1], line 10): seeds 1, 3'
 */
export function sweepVerdict(results: readonly RunResult[]): string {
  const failed = results.filter((r) => r.verdict === 'fail');
  if (failed.length === 0) return 'Every run met its expectations';
  // The same scenario every run: expectation k is the same entry in each.
  const lines = (results[0]?.expectations ?? []).flatMap((v, k) => {
    const seeds = failed.filter((r) => r.expectations[k]?.status === 'fail').map((r) => r.seed);
    return seeds.length ? [`  FAIL ${entryName(v)}: seed${seeds.length > 1 ? 's' : ''} ${seeds.join(', ')}`] : [];
  });
  return [`Expectations failed for seeds ${failed.map((r) => r.seed).join(', ')}:`, ...lines].join('\n');
}
