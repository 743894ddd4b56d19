import { Ajv, type AnySchemaObject, type ErrorObject } from 'ajv';
import { describe, DURATION_PATTERN, durationOrUndefined, parseDuration } from '../duration.js';
import { DURATION_METRICS, isMetric } from './expectCheck.js';
import type { ScenarioInput } from './input.js';
import { didYouMean } from '../../store/didYouMean.js';
import type { PathSegment, ProblemList } from './problems.js';
import schema from './scenario.schema.json' with { type: 'json' };

const defs = schema.definitions;

// validateFormats: false — `format: date-time` is there for editors; the start time is
// checked by pattern here and by Date.parse in the semantic checks (no ajv-formats needed).
const ajv = new Ajv({ allErrors: true, verbose: true, allowUnionTypes: true, validateFormats: false });
// `maxDuration: "366d"` on the duration definition: a pattern cannot bound a number, and a
// huge one ("999999999999999d") must be a problem at its path, not an error in a later step.
const maxDuration = Object.assign(
  (max: string, data: string): boolean => {
    if (!DURATION_PATTERN.test(data) || durationOrUndefined(data) !== undefined) return true;
    maxDuration.errors = [{ keyword: 'maxDuration', message: `expected a duration of at most ${max}, got ${describe(data)}`, params: { limit: max } }];
    return false;
  },
  { errors: [] as Array<Partial<ErrorObject>> },
);
ajv.addKeyword({ keyword: 'maxDuration', type: 'string', schemaType: 'string', errors: true, validate: maxDuration });
const validate = ajv.compile<ScenarioInput>(schema);

/** What a value written against these schemas should have been, in the user's words. */
const EXPECTED = new Map<object, string>([
  [defs.duration, 'a duration like "5m"'],
  [defs.id, 'an id of letters, digits, ".", "_", ":" or "-" (at most 100)'],
  [defs.latency, 'a duration like "2m", { uniform: [low, high] } or { lognormal: { median, p95 } }'],
  [defs.latency.else, 'exactly one of uniform or lognormal'],
  [defs.durationOrMs, 'a duration like "2h" or a number of milliseconds'],
  [defs.metricValue, 'a number, or a duration like "5m" for the *Ms metrics'],
  [schema.properties.start, 'an ISO 8601 time with a zone like "2026-03-02T14:00:00Z"'],
  [defs.load.properties.rate, 'a rate above 0 like "30/day", "2/hour" or "5/week"'],
]);

/** Why a value an author may well write is not one of the schema's, keyed by its schema and the value. */
const ENUM_NOTES = new Map<object, Record<string, string>>([
  [defs.failureExpectation.properties.escalatedTo, {
    cheryl: ' (every incident the retries do not settle goes to Cheryl first: escalatedTo is the highest responder she or Petra escalated it to, none when Cheryl kept it)',
  }],
]);

/**
 * Values that share durationOrMs (>= 0) but take only more than 0 (the semantic check refuses
 * 0): a negative one is told at once what the key takes, not ">= 0" and then "longer than 0s".
 */
const MORE_THAN_ZERO = new Map<string, string>([
  ['/config/JOB_TIMEOUT_MS', 'expected a duration longer than 0s like "10m", or a number of milliseconds > 0'],
]);

const TYPE_WORDS: Record<string, string> = {
  string: 'text', integer: 'a whole number', number: 'a number', boolean: 'true or false',
  array: 'a list', object: 'a mapping', null: 'null',
};

/**
 * Checks `data` against scenario.schema.json and adds a problem, worded for the scenario
 * author, for each error ajv finds (all of them, not the first).
 *
 * @example
 * const problems = new ProblemList('scenario.yaml', doc, lineCounter);
 * checkSchema(doc.toJS(), problems);
 */
export function checkSchema(data: unknown, problems: ProblemList): data is ScenarioInput {
  if (validate(data)) return true;
  const errors = (validate.errors ?? []).filter((error) => error.keyword !== 'if');
  // A value of the wrong type makes every other error about it noise: keep the type error.
  const mistyped = new Set(errors.filter((e) => e.keyword === 'type').map((e) => e.instancePath));
  const reported = new Set<string>();
  for (const error of errors) {
    if (mistyped.has(error.instancePath) && error.keyword !== 'type') continue;
    if (notADurationBound(data, error)) continue;
    if (error.keyword === 'type' && reported.has(error.instancePath)) continue;
    reported.add(error.instancePath);
    report(error, toPath(data, error.instancePath), problems);
  }
  return false;
}

/**
 * A text bound of a metric that is no duration (`{ metric: slaAttainment, min: 95% }`) fails the
 * duration pattern too, but "expected a duration" is wrong advice there: the semantic check
 * says what it takes (`expected a number for slaAttainment`).
 */
function notADurationBound(data: unknown, error: ErrorObject): boolean {
  const bound = /^\/expect\/(\d+)\/(?:min|max|equals)$/.exec(error.instancePath);
  if (!bound || error.parentSchema !== defs.duration) return false;
  const list: unknown = data !== null && typeof data === 'object' && 'expect' in data ? data.expect : undefined;
  const entry: unknown = Array.isArray(list) ? list[Number(bound[1])] : undefined;
  const metric = entry !== null && typeof entry === 'object' && 'metric' in entry ? String(entry.metric) : '';
  return isMetric(metric) && !DURATION_METRICS.has(metric);
}

function report(error: ErrorObject, path: PathSegment[], problems: ProblemList): void {
  const { keyword, params, data } = error;
  const parent: AnySchemaObject = error.parentSchema ?? {};
  const expected = EXPECTED.get(parent);
  const got = `got ${describe(data)}`;
  const positive = MORE_THAN_ZERO.get(error.instancePath);
  if (positive && isNegative(keyword, data)) return problems.add(path, `${positive}, ${got}`);
  switch (keyword) {
    case 'additionalProperties': {
      const key = String(params.additionalProperty);
      const known = Object.keys(parent.properties ?? {});
      const hint = didYouMean(key, known) || `; expected one of: ${known.join(', ')}`;
      return problems.add([...path, key], `unknown key "${key}"${hint}`, 'key');
    }
    case 'required':
      return problems.add(path, `missing required key "${params.missingProperty}"`);
    case 'type':
      return problems.add(path, `expected ${expected ?? typeWords(params.type)}, ${got}`);
    case 'pattern':
      if (parent === defs.duration) return problems.add(path, durationMessage(data));
      return problems.add(path, `expected ${expected ?? `text matching ${params.pattern}`}, ${got}`);
    case 'enum': {
      const allowed: unknown[] = params.allowedValues ?? [];
      const note = typeof data === 'string' ? ENUM_NOTES.get(parent)?.[data.toLowerCase()] : undefined;
      if (note !== undefined) return problems.add(path, `expected one of ${allowed.map((v) => String(v)).join(', ')}, ${got}${note}`);
      const hint = typeof data === 'string' ? didYouMean(data, allowed.map(String)) : '';
      return problems.add(path, `expected one of ${allowed.map((v) => String(v)).join(', ')}, ${got}${hint}`);
    }
    case 'minimum': case 'maximum': case 'exclusiveMinimum': case 'exclusiveMaximum':
      return problems.add(path, `expected ${typeWords(parent.type)} ${params.comparison} ${params.limit}, ${got}`);
    case 'minItems': case 'maxItems':
      return problems.add(path, `expected ${keyword === 'minItems' ? 'at least' : 'at most'} ${params.limit} item${params.limit === 1 ? '' : 's'}, got ${countOf(data)}`);
    case 'minLength':
      return problems.add(path, `expected non-empty text, ${got}`);
    case 'uniqueItems':
      return problems.add(path, `expected no duplicates, got ${describe(Array.isArray(data) ? data[params.j] : data)} twice`);
    case 'minProperties': case 'maxProperties':
      return problems.add(path, `expected ${expected ?? `${keyword === 'minProperties' ? 'at least' : 'at most'} ${params.limit} keys`}`);
    case 'not': {
      const keys = data !== null && typeof data === 'object' ? Object.keys(data) : [];
      const hint = keys.map((key) => didYouMean(key, ['failure', 'audit', 'metric'])).find(Boolean) ?? '';
      return problems.add(path, `expected one of the keys failure, audit or metric${hint}`);
    }
    default:
      return problems.add(path, error.message ?? `is not valid (${keyword})`);
  }
}

/** A number below 0 or a duration written with a minus sign ("-5m"): what `minimum` or the duration pattern refuses. */
function isNegative(keyword: string, data: unknown): boolean {
  if (keyword === 'minimum') return typeof data === 'number' && data < 0;
  return keyword === 'pattern' && typeof data === 'string' && data.startsWith('-') && DURATION_PATTERN.test(data.slice(1));
}

function durationMessage(value: unknown): string {
  try {
    parseDuration(value);
    return `expected a duration like "5m", got ${describe(value)}`;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

function typeWords(type: unknown): string {
  const types = Array.isArray(type) ? type : [type];
  return types.map((t) => TYPE_WORDS[String(t)] ?? String(t)).join(' or ');
}

function countOf(data: unknown): number {
  return Array.isArray(data) ? data.length : 0;
}

/** JSON pointer → path segments, with list indexes as numbers (for `failures[2]`). */
function toPath(data: unknown, pointer: string): PathSegment[] {
  const path: PathSegment[] = [];
  let node = data;
  for (const raw of pointer.split('/').slice(1)) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    const segment = Array.isArray(node) && /^\d+$/.test(key) ? Number(key) : key;
    path.push(segment);
    node = node !== null && typeof node === 'object' ? (node as Record<PathSegment, unknown>)[segment] : undefined;
  }
  return path;
}
