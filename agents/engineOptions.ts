import { DEFAULT_POLICY } from '../machines/policies/config.js';
import { SEVERITIES } from '../machines/types.js';
import { didYouMean } from '../store/didYouMean.js';
import { optionsProblem, type Rule } from '../store/optionsProblem.js';
import { valueText } from '../store/valueText.js';
import { storeProblem } from '../store/storeShape.js';
import { EngineError, type EngineOptions } from './types.js';

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const fn: Rule = (v) => (typeof v === 'function' ? null : 'a function');
const atLeast = (min: number, whole = false): Rule => (v) =>
  typeof v === 'number' && Number.isFinite(v) && v >= min && (!whole || Number.isInteger(v)) ? null : `${whole ? 'a whole number' : 'a number'} ≥ ${min}`;
const ms = atLeast(0);
const between = (min: number, max: number): Rule => (v) => (Number.isInteger(v) && (v as number) >= min && (v as number) <= max ? null : `a whole number from ${min} to ${max}`);
const oneOf = (values: readonly string[]): Rule => (v) => (values.includes(v as string) ? null : `one of ${values.join(', ')}`);
const text: Rule = (v) => (typeof v === 'string' && v !== '' ? null : 'a non-empty string');

/** Each policy's rule (README, "Policies"); the keys are DEFAULT_POLICY's. */
const POLICY_RULES: Record<keyof typeof DEFAULT_POLICY, Rule> = {
  ACK_TIMEOUT_MS: (v) => (v === null ? null : ms(v) && 'null or a number ≥ 0 (milliseconds)'),
  AUTO_SPEND_LIMIT_USD: atLeast(0),
  DECISION_TIMEOUT_MS: ms,
  DECISION_TIMEOUT_POLICY: oneOf(['approve', 'deny', 'escalate']),
  // 0 would fail every job that awaits anything before it could finish: no such thing as no timeout here.
  JOB_TIMEOUT_MS: (v) => (typeof v === 'number' && Number.isFinite(v) && v > 0 ? null : 'a number > 0 (milliseconds; a job given 0 fails before it can finish)'),
  MAINTENANCE_WINDOW: (v) => (isObject(v) && !between(0, 6)(v.day) && !between(0, 23)(v.hour) && !between(0, 59)(v.minute) ? null : '{ day: 0–6, hour: 0–23, minute: 0–59 } (UTC)'),
  RETRY_DELAYS_MS: (v) => (Array.isArray(v) && v.every((d) => !ms(d)) ? null : 'an array of delays in milliseconds, each a number ≥ 0'),
  REVIEW_SEVERITIES: (v) => (Array.isArray(v) && v.every((s) => SEVERITIES.includes(s)) ? null : `an array of severities (${SEVERITIES.join(', ')})`),
  TWO_HOUR_RULE_MS: ms,
};

const OPTION_RULES: Record<keyof EngineOptions, Rule | null> = {
  store: storeProblem,
  clock: (v) => (isObject(v) && ['now', 'setTimeout', 'clearTimeout'].every((name) => typeof v[name] === 'function') ? null : 'a Clock (now, setTimeout, clearTimeout)'),
  config: null, // each policy on its own, below
  ids: fn,
  random: fn,
  jobs: (v) => (isObject(v) ? null : 'an object of job runners by kind'),
  responders: (v) => (isObject(v) ? null : 'an object of settings by responder (cheryl, petra, atlas)'),
  tenants: (v) => (Array.isArray(v) ? null : 'an array of tenants ({ id, admin })'),
  agents: (v) => (Array.isArray(v) ? null : 'an array of agents ({ id, tenant?, workflows? })'),
  assess: fn,
  onFix: fn,
  cluster: null, // checkClusterSettings
};

/**
 * Refuses options an engine cannot run with, naming the option, what was expected and
 * what was given (`EngineError`), before anything starts: a mistake found later would
 * surface as a TypeError deep in a step, or an actor's uncaught error.
 * @example checkEngineOptions({ stor: store }) // EngineError: options.stor: no such option; did you mean "store"? …
 */
export function checkEngineOptions(options: unknown): asserts options is EngineOptions {
  if (options === undefined) return;
  const problem = optionsProblem(options, OPTION_RULES);
  if (problem) throw new EngineError(problem.option ? problem.text : `createIncidentEngine: ${problem.text}`);
  const checked = options as EngineOptions; // each option's type checked above
  checkEach('config', checked.config, (key, value) => {
    const rule = POLICY_RULES[key as keyof typeof POLICY_RULES];
    if (!rule) return `no such policy${didYouMean(key, Object.keys(POLICY_RULES))}; the policies are ${Object.keys(POLICY_RULES).join(', ')}`;
    return value === undefined ? null : withGot(rule(value), value);
  }, 'an object of policies');
  checkEach('jobs', checked.jobs, (_, value) => withGot(fn(value), value));
  checkEach('responders', checked.responders, (key, value) => {
    if (!['cheryl', 'petra', 'atlas'].includes(key)) return `no such responder${didYouMean(key, ['cheryl', 'petra', 'atlas'])}; the responders are cheryl, petra, atlas`;
    if (!isObject(value)) return withGot('an object ({ ack?, capacity? })', value);
    if (value.capacity !== undefined && value.capacity !== Infinity && atLeast(1, true)(value.capacity)) return `capacity: expected a whole number ≥ 1 (or Infinity), got ${valueText(value.capacity)}`;
    if (value.ack !== undefined && typeof value.ack !== 'function' && ms(value.ack)) return `ack: expected milliseconds (a number ≥ 0) or a function of the random source, got ${valueText(value.ack)}`;
    return null;
  });
  const list = (name: 'tenants' | 'agents', fields: Record<string, Rule>) =>
    (checked[name] ?? []).forEach((item: unknown, i: number) => {
      if (!isObject(item)) throw new EngineError(`options.${name}[${i}]: expected an object, got ${valueText(item)}`);
      for (const [field, rule] of Object.entries(fields)) {
        const expected = rule(item[field]);
        if (expected) throw new EngineError(`options.${name}[${i}].${field}: expected ${expected}, got ${valueText(item[field])}`);
      }
    });
  list('tenants', { id: text, admin: text });
  list('agents', {
    id: text,
    tenant: (v) => (v == null || !text(v) ? null : 'a tenant id (a non-empty string) or null'),
    workflows: (v) => (v === undefined || (Array.isArray(v) && v.every((w) => !text(w))) ? null : 'an array of workflow names'),
  });
  if (checked.store?.closed) {
    throw new EngineError(`options.store: ${checked.store.path ?? 'the memory store'} is closed; open it again for a new engine`);
  }
}

/** Runs `check` on each entry of the object option `name`; its answer, when not null, is the error. */
function checkEach(name: string, value: unknown, check: (key: string, value: unknown) => string | null, expected = ''): void {
  if (value === undefined) return;
  if (!isObject(value)) throw new EngineError(`options.${name}: expected ${expected}, got ${valueText(value)}`);
  for (const [key, entry] of Object.entries(value)) {
    const problem = check(key, entry);
    if (problem) throw new EngineError(`options.${name}.${key}: ${problem}`);
  }
}

const withGot = (expected: string | null, value: unknown) => (expected ? `expected ${expected}, got ${valueText(value)}` : null);
