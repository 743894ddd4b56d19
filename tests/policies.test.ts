import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import {
  CHERYL_TO_PETRA,
  DEFAULT_MAINTENANCE_WINDOW,
  DEFAULT_POLICY,
  PETRA_TO_ATLAS,
  RETRY_DELAYS_MS,
  SEVERITY_TABLE,
  SPEC_EXAMPLES,
  cherylCriteria,
  classify,
  fingerprintOf,
  impactOf,
  isRetryable,
  nextMaintenanceWindow,
  nextRetry,
  normalizeMessage,
  petraCriteria,
  resolutionDueAt,
  resolvePolicy,
  responseDueAt,
  type EscalationFacts,
} from '../machines/policies/index.js';
import type { ImpactAssessment, ImpactKind, Severity } from '../machines/types.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
/** Monday 2026-03-02 14:00 UTC. */
const T0 = Date.parse('2026-03-02T14:00:00Z');

// ---------------------------------------------------------------------------
const Severities = suite('severity table (spec: "Severity Levels")');

// The spec's table, row by row: name, definition, response, resolution.
const SPEC_TABLE: Array<[Severity, string, string, number, number | 'next-window']> = [
  ['P0', 'System Down', 'Platform unavailable or critical subsystem failed', 5 * MIN, 1 * HOUR],
  ['P1', 'Data Integrity', 'Incorrect data, corrupted records, safety violation', 15 * MIN, 4 * HOUR],
  ['P2', 'Feature Broken', 'Specific capability broken, platform operational', 1 * HOUR, 24 * HOUR],
  ['P3', 'Cosmetic/Minor', 'Minor issue, no impact on core functionality', 24 * HOUR, 'next-window'],
];

for (const [severity, name, definition, responseMs, resolution] of SPEC_TABLE) {
  Severities(`${severity} is "${name}": responds within ${responseMs / MIN} min, resolves ${resolution === 'next-window' ? 'by the next window' : `within ${resolution / HOUR} h`}`, () => {
    const row = SEVERITY_TABLE[severity];
    assert.is(row.severity, severity);
    assert.is(row.name, name);
    assert.is(row.definition, definition);
    assert.is(row.responseMs, responseMs);
    assert.equal(row.resolution, resolution === 'next-window' ? { kind: 'next-window' } : { kind: 'within', ms: resolution });
    assert.is(responseDueAt(severity, T0), T0 + responseMs);
    const due = resolutionDueAt(severity, T0, DEFAULT_MAINTENANCE_WINDOW);
    // Monday 14:00 → the next window is Sunday 2026-03-08 02:00 UTC.
    assert.is(due, resolution === 'next-window' ? Date.parse('2026-03-08T02:00:00Z') : T0 + resolution);
  });
}

Severities('has exactly the four rows of the spec, in order', () => {
  assert.equal(Object.keys(SEVERITY_TABLE), ['P0', 'P1', 'P2', 'P3']);
});

Severities("lists the spec's examples under each severity", () => {
  assert.equal(SEVERITY_TABLE.P0.examples, ['database down', 'engine loop stopped', 'auth failure']);
  assert.equal(SEVERITY_TABLE.P1.examples, ['unapproved action executed', 'wrong financial amount', 'missing audit entries']);
  assert.equal(SEVERITY_TABLE.P2.examples, ['single agent workflow failure', 'stuck email job', 'expired OAuth token']);
  assert.equal(SEVERITY_TABLE.P3.examples, ['stale dashboard data', 'UI glitch', 'slow responses']);
});

// ---------------------------------------------------------------------------
const Window = suite('maintenance window (P3 "Next window")');

Window('defaults to Sunday 02:00 UTC, weekly', () => {
  assert.equal(DEFAULT_MAINTENANCE_WINDOW, { day: 0, hour: 2, minute: 0 });
  assert.equal(DEFAULT_POLICY.MAINTENANCE_WINDOW, { day: 0, hour: 2, minute: 0 });
});

const WINDOW_CASES: Array<[string, string, string]> = [
  ['a Monday afternoon', '2026-03-02T14:00:00Z', '2026-03-08T02:00:00Z'],
  ['a Saturday night', '2026-03-07T23:59:00Z', '2026-03-08T02:00:00Z'],
  ['Sunday before the window', '2026-03-08T01:59:59Z', '2026-03-08T02:00:00Z'],
  ['the window itself (strictly after)', '2026-03-08T02:00:00Z', '2026-03-15T02:00:00Z'],
  ['Sunday after the window', '2026-03-08T02:00:01Z', '2026-03-15T02:00:00Z'],
];
for (const [label, after, expected] of WINDOW_CASES) {
  Window(`from ${label} the next window is ${expected}`, () => {
    assert.is(new Date(nextMaintenanceWindow(Date.parse(after))).toISOString(), new Date(expected).toISOString());
  });
}

Window('is configurable: a Wednesday 22:30 window moves the P3 resolution target', () => {
  const window = { day: 3, hour: 22, minute: 30 };
  assert.is(new Date(nextMaintenanceWindow(T0, window)).toISOString(), '2026-03-04T22:30:00.000Z');
  assert.is(resolutionDueAt('P3', T0, window), Date.parse('2026-03-04T22:30:00Z'));
  // A P2 target is fixed: the window does not move it.
  assert.is(resolutionDueAt('P2', T0, window), T0 + 24 * HOUR);
  const policy = resolvePolicy({ MAINTENANCE_WINDOW: window });
  assert.equal(policy.MAINTENANCE_WINDOW, window);
});

// ---------------------------------------------------------------------------
const Classification = suite('classification of the spec examples');

// The spec lists 12 examples, three per severity; each is classified from its impact.
const EXAMPLES: Array<[string, ImpactKind, Severity]> = [
  ['database down', 'platform-down', 'P0'],
  ['engine loop stopped', 'subsystem-failed', 'P0'],
  ['auth failure', 'subsystem-failed', 'P0'],
  ['unapproved action executed', 'safety', 'P1'],
  ['wrong financial amount', 'data-integrity', 'P1'],
  ['missing audit entries', 'data-integrity', 'P1'],
  ['single agent workflow failure', 'feature-broken', 'P2'],
  ['stuck email job', 'feature-broken', 'P2'],
  ['expired OAuth token', 'feature-broken', 'P2'],
  ['stale dashboard data', 'cosmetic', 'P3'],
  ['UI glitch', 'cosmetic', 'P3'],
  ['slow responses', 'cosmetic', 'P3'],
];

for (const [example, kind, severity] of EXAMPLES) {
  Classification(`"${example}" (${kind}) is ${severity}`, () => {
    assert.is(classify({ kind }), severity);
    const listed = SPEC_EXAMPLES.find((e) => e.example === example);
    assert.ok(listed, `${example} is missing from SPEC_EXAMPLES`);
    assert.equal(listed, { example, kind, severity });
    assert.ok(SEVERITY_TABLE[severity].examples.includes(example), `${example} is not listed under ${severity}`);
  });
}

Classification('SPEC_EXAMPLES holds exactly the 12 examples', () => {
  assert.is(SPEC_EXAMPLES.length, 12);
  assert.equal(SPEC_EXAMPLES.map((e) => e.example).sort(), EXAMPLES.map(([e]) => e).sort());
});

Classification('an impact with no kind given is a broken feature (P2) with neutral defaults', () => {
  assert.equal(impactOf(), {
    kind: 'feature-broken', customerFacing: false, crossAgent: false, needsChange: false, financialUSD: 0, dataCompromised: false, decision: null,
  });
  assert.is(classify(impactOf()), 'P2');
});

// ---------------------------------------------------------------------------
const Ladder = suite('retry ladder (spec: "Auto-Retry Logic")');

Ladder('waits 0 s, 5 s, then 25 s before attempts 1, 2 and 3', () => {
  assert.equal([...RETRY_DELAYS_MS], [0, 5_000, 25_000]);
  assert.equal(DEFAULT_POLICY.RETRY_DELAYS_MS, [0, 5_000, 25_000]);
});

const LADDER: Array<[number, { attempt: number; delayMs: number } | null]> = [
  [0, { attempt: 1, delayMs: 0 }],
  [1, { attempt: 2, delayMs: 5_000 }],
  [2, { attempt: 3, delayMs: 25_000 }],
  [3, null],
  [4, null],
];
for (const [made, next] of LADDER) {
  Ladder(`after ${made} failed attempt(s) the next is ${next ? `attempt ${next.attempt} after ${next.delayMs / 1000} s` : 'none: escalate to Cheryl'}`, () => {
    assert.equal(nextRetry(made), next);
  });
}

Ladder('follows a configured ladder', () => {
  assert.equal(nextRetry(1, [0, 1_500, 3_000]), { attempt: 2, delayMs: 1_500 });
  assert.is(nextRetry(1, [0]), null);
});

const RETRYABLE: Array<[string, unknown, boolean]> = [
  ['a plain Error', new Error('ECONNRESET'), true],
  ['a thrown string', 'timeout', true],
  ['an error that says retryable: false', Object.assign(new Error('bad input'), { retryable: false }), false],
  ['an error that says retryable: true, even a TypeError', Object.assign(new TypeError('x'), { retryable: true }), true],
  ['a TypeError (a programming error)', new TypeError('undefined is not a function'), false],
  ['a RangeError', new RangeError('out of range'), false],
  ['a SyntaxError (bad data)', new SyntaxError('Unexpected token'), false],
];
for (const [label, error, expected] of RETRYABLE) {
  Ladder(`${label} is ${expected ? '' : 'not '}retryable`, () => {
    assert.is(isRetryable(error), expected);
  });
}

// ---------------------------------------------------------------------------
const Escalation = suite('escalation criteria');

const neutral = impactOf({ kind: 'cosmetic' });
function facts(over: { severity?: Severity | null; impact?: Partial<ImpactAssessment>; openMs?: number } = {}): EscalationFacts {
  return {
    severity: over.severity === undefined ? 'P3' : over.severity,
    impact: { ...neutral, ...over.impact },
    detectedAt: T0,
    now: T0 + (over.openMs ?? 10 * MIN),
    policy: { AUTO_SPEND_LIMIT_USD: 1_000, TWO_HOUR_RULE_MS: 2 * HOUR },
  };
}

Escalation('Cheryl keeps a P3 with no other criterion (none fire)', () => {
  assert.equal(cherylCriteria(facts()), []);
  assert.equal(cherylCriteria(facts({ severity: 'P2' })), []);
});

// Spec, Step 3: each "Cheryl escalates to Petra if" criterion, alone.
const CHERYL_ALONE: Array<[string, Parameters<typeof facts>[0], string]> = [
  ['severity is P0', { severity: 'P0' }, 'severity-p0-p1'],
  ['severity is P1', { severity: 'P1' }, 'severity-p0-p1'],
  ['the issue needs cross-agent coordination', { impact: { crossAgent: true } }, 'cross-agent'],
  ['resolution needs a code or configuration change', { impact: { needsChange: true } }, 'needs-change'],
  ['the issue has persisted for more than 2 hours (P3)', { openMs: 2 * HOUR + 1 }, 'open-over-2h'],
  ['the issue has persisted for more than 2 hours (P2)', { severity: 'P2', openMs: 3 * HOUR }, 'open-over-2h'],
  ['the issue has persisted for more than 2 hours (unclassified)', { severity: null, openMs: 3 * HOUR }, 'open-over-2h'],
];
for (const [label, input, criterion] of CHERYL_ALONE) {
  Escalation(`Cheryl escalates to Petra when ${label}, and for that reason only`, () => {
    assert.equal(cherylCriteria(facts(input)), [criterion]);
  });
}

Escalation('exactly two hours is not "more than 2 hours"', () => {
  assert.equal(cherylCriteria(facts({ openMs: 2 * HOUR })), []);
});

Escalation('Petra keeps an incident that meets no criterion (none fire)', () => {
  assert.equal(petraCriteria(facts({ severity: 'P1' })), []);
  assert.equal(petraCriteria(facts({ impact: { financialUSD: 1_000 } })), [], 'at the limit is not over it');
});

// Spec, Step 4: each "Petra escalates to Atlas if" criterion, alone.
const PETRA_ALONE: Array<[string, Parameters<typeof facts>[0], string]> = [
  ['severity is P0', { severity: 'P0' }, 'severity-p0'],
  ['the financial impact exceeds AUTO_SPEND_LIMIT_USD', { impact: { financialUSD: 1_000.01 } }, 'financial-over-limit'],
  ['customer data may have been compromised', { impact: { dataCompromised: true } }, 'data-compromised'],
  ['resolution requires an executive decision (rollback)', { impact: { decision: 'rollback' } }, 'executive-decision'],
];
for (const [label, input, criterion] of PETRA_ALONE) {
  Escalation(`Petra escalates to Atlas when ${label}, and for that reason only`, () => {
    assert.equal(petraCriteria(facts(input)), [criterion]);
  });
}

Escalation('the rule tables name every criterion of the spec, in order', () => {
  assert.equal(CHERYL_TO_PETRA.map(([n]) => n), ['severity-p0-p1', 'cross-agent', 'needs-change', 'open-over-2h']);
  assert.equal(PETRA_TO_ATLAS.map(([n]) => n), ['severity-p0', 'financial-over-limit', 'data-compromised', 'executive-decision']);
});

Escalation('the spend limit and the two-hour rule come from the policy', () => {
  const f = facts({ impact: { financialUSD: 600 }, openMs: 90 * MIN });
  assert.equal(petraCriteria({ ...f, policy: { ...f.policy, AUTO_SPEND_LIMIT_USD: 500 } }), ['financial-over-limit']);
  assert.equal(cherylCriteria({ ...f, policy: { ...f.policy, TWO_HOUR_RULE_MS: HOUR } }), ['open-over-2h']);
});

Escalation('several criteria fire together', () => {
  assert.equal(cherylCriteria(facts({ severity: 'P1', impact: { crossAgent: true, needsChange: true }, openMs: 3 * HOUR })), ['severity-p0-p1', 'cross-agent', 'needs-change', 'open-over-2h']);
  assert.equal(petraCriteria(facts({ severity: 'P0', impact: { financialUSD: 5_000, dataCompromised: true, decision: 'rollback' } })), ['severity-p0', 'financial-over-limit', 'data-compromised', 'executive-decision']);
});

// ---------------------------------------------------------------------------
const Fingerprint = suite('fingerprint normalization');

const NORMALIZE: Array<[string, string, string]> = [
  ['IP and port', 'ECONNREFUSED 10.0.0.5:5432', 'ECONNREFUSED <ip>:<n>'],
  ['numbers', 'timeout after 3000 ms on try 2', 'timeout after <n> ms on try <n>'],
  ['uuids', 'row 3f2a8b1c-1d2e-4f5a-8b9c-0123456789ab not found', 'row <uuid> not found'],
  ['prefixed ids', 'job job_7k2m9x4p failed', 'job <id> failed'],
  ['quoted values', 'unknown field "amount_due" in \'invoice\'', 'unknown field <str> in <str>'],
  ['hex addresses', 'segfault at 0xdeadbeef', 'segfault at <hex>'],
  ['only the first line, whitespace squeezed', 'boom   here\n    at run (file.ts:1:2)', 'boom here'],
];
for (const [label, message, expected] of NORMALIZE) {
  Fingerprint(`strips ${label}`, () => {
    assert.is(normalizeMessage(message), expected);
  });
}

Fingerprint('the same failure on another host or job matches; another failure does not', () => {
  const a = fingerprintOf({ message: 'ECONNREFUSED 10.0.0.5:5432', workflow: 'invoice-run', agent: 'billing' });
  const b = fingerprintOf({ message: 'ECONNREFUSED 10.0.9.7:6543', workflow: 'invoice-run', agent: 'billing' });
  const c = fingerprintOf({ message: 'ETIMEDOUT 10.0.0.5:5432', workflow: 'invoice-run', agent: 'billing' });
  assert.is(a, 'invoice-run:ECONNREFUSED <ip>:<n>');
  assert.is(a, b);
  assert.is.not(a, c);
});

Fingerprint('is scoped by workflow, else by agent', () => {
  assert.is(fingerprintOf({ message: 'boom', workflow: 'a', agent: 'x' }), 'a:boom');
  assert.is(fingerprintOf({ message: 'boom', workflow: null, agent: 'x' }), 'x:boom');
  assert.is(fingerprintOf({ message: 'boom' }), 'unknown:boom');
});

Fingerprint('a known root cause wins over the error signature', () => {
  assert.is(fingerprintOf({ message: 'anything 42', workflow: 'a', rootCause: 'expired-cert' }), 'root:expired-cert');
});

Fingerprint('long messages are cut at 200 characters', () => {
  assert.is(normalizeMessage('x'.repeat(500)).length, 200);
});

// ---------------------------------------------------------------------------
const Config = suite('policy config');

Config('defaults follow the spec: 2-hour rule, ladder, P0/P1 reviews', () => {
  assert.is(DEFAULT_POLICY.TWO_HOUR_RULE_MS, 2 * HOUR);
  assert.equal(DEFAULT_POLICY.REVIEW_SEVERITIES, ['P0', 'P1']);
});

Config('resolvePolicy copies arrays and objects: editing the result or the overrides changes nothing else', () => {
  const overrides = { RETRY_DELAYS_MS: [0, 1_000], MAINTENANCE_WINDOW: { day: 6, hour: 1, minute: 0 } };
  const policy = resolvePolicy(overrides);
  overrides.RETRY_DELAYS_MS.push(9_999);
  overrides.MAINTENANCE_WINDOW.hour = 5;
  policy.REVIEW_SEVERITIES.push('P2');
  assert.equal(policy.RETRY_DELAYS_MS, [0, 1_000]);
  assert.is(policy.MAINTENANCE_WINDOW.hour, 1);
  assert.equal(DEFAULT_POLICY.REVIEW_SEVERITIES, ['P0', 'P1']);
  assert.equal(resolvePolicy().RETRY_DELAYS_MS, [0, 5_000, 25_000]);
});

Severities.run();
Window.run();
Classification.run();
Ladder.run();
Escalation.run();
Fingerprint.run();
Config.run();
