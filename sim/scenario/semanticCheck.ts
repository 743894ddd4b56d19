import { durationOrUndefined } from '../duration.js';
import { checkExpectations } from './expectCheck.js';
import { expandFleet } from './fleet.js';
import { didYouMean } from '../../store/didYouMean.js';
import { formatPath, type PathSegment, type ProblemList } from './problems.js';
import schema from './scenario.schema.json' with { type: 'json' };
import { latencyProblem, MAX_EVENTS, parseRate, readFleet, retryCount } from './rules.js';

type Rec = Record<string, unknown>;
/** Only a start the schema's pattern accepts is checked for being a real date. */
const START = new RegExp(schema.properties.start.pattern);
/** The data may not match the schema (its errors are reported too): every read is guarded. */
const rec = (x: unknown): Rec | undefined => (x !== null && typeof x === 'object' && !Array.isArray(x) ? { ...x } : undefined);
const list = (x: unknown): unknown[] => (Array.isArray(x) ? x : []);
const str = (x: unknown): string | undefined => (typeof x === 'string' ? x : undefined);
/** Milliseconds, or undefined when absent or malformed (the schema check reports those). */
const ms = (x: unknown): number | undefined => durationOrUndefined(x);

/** Ids declared in a scenario, with where each was declared (for duplicate messages). */
class Registry {
  private readonly ids = new Map<string, PathSegment[]>();
  constructor(private readonly kind: string, private readonly problems: ProblemList) {}
  declare(id: unknown, path: PathSegment[]): void {
    if (typeof id !== 'string') return;
    const first = this.ids.get(id);
    if (first) this.problems.add(path, `duplicate ${this.kind} id "${id}" (first at ${formatPath(first)})`);
    else this.ids.set(id, path);
  }
  /** Reports `id` at `path` unless declared. */
  check(id: unknown, path: PathSegment[]): void {
    if (typeof id === 'string' && !this.ids.has(id)) this.problems.add(path, `unknown ${this.kind} "${id}"${didYouMean(id, [...this.ids.keys()])}`);
  }
  get size(): number { return this.ids.size; }
}

/**
 * The checks a JSON Schema cannot express: references between entries, duplicate ids,
 * bounds that depend on other fields, and sizes a run could not hold.
 *
 * @example
 * checkSemantics(doc.toJS(), problems); // adds 'unknown agent "billng-agent"; did you mean "billing-agent"?'
 */
export function checkSemantics(data: unknown, problems: ProblemList): void {
  const root = rec(data);
  if (!root) return;
  const start = str(root.start);
  if (start && START.test(start) && !isRealTime(start)) problems.add(['start'], `expected a real date and time, got "${start}"`);
  const untilMs = ms(root.until);
  const jobTimeout = rec(root.config)?.JOB_TIMEOUT_MS;
  if (jobTimeout === 0 || ms(jobTimeout) === 0) problems.add(['config', 'JOB_TIMEOUT_MS'], 'expected a duration longer than 0s (a job given 0 fails before it can finish)');

  const tenants = new Registry('tenant', problems);
  const agents = new Registry('agent', problems);
  const workflows = new Map<string, string[]>();
  list(root.tenants).forEach((t, i) => tenants.declare(rec(t)?.id, ['tenants', i, 'id']));
  const fleet = readFleet(root.fleet);
  const generated = fleet ? expandFleet(fleet) : { tenants: [], agents: [] };
  for (const t of generated.tenants) tenants.declare(t.id, ['fleet', 'tenants']);
  list(root.agents).forEach((a, i) => {
    const agent = rec(a);
    agents.declare(agent?.id, ['agents', i, 'id']);
    tenants.check(agent?.tenant, ['agents', i, 'tenant']);
    if (typeof agent?.id === 'string') workflows.set(agent.id, list(agent.workflows).filter((w): w is string => typeof w === 'string'));
  });
  for (const a of generated.agents) {
    agents.declare(a.id, ['fleet', 'agents']);
    if (!workflows.has(a.id)) workflows.set(a.id, a.workflows);
  }

  const checkWorkflow = (agent: unknown, workflow: unknown, path: PathSegment[]) => {
    const known = typeof agent === 'string' ? workflows.get(agent) : undefined;
    if (known && typeof workflow === 'string' && !known.includes(workflow)) {
      problems.add(path, `agent "${agent}" has no workflow "${workflow}"${didYouMean(workflow, known) || `; it has: ${known.join(', ') || 'none'}`}`);
    }
  };
  const retries = retryCount(rec(root.config)?.RETRY_DELAYS_MS);
  const checkBehaviour = (entry: Rec, path: PathSegment[]) => {
    // Only 1, 2 or 3 get here: anything else is the schema check's to report.
    const attempt = [1, 2, 3].includes(Number(entry.succeedsOnAttempt)) ? Number(entry.succeedsOnAttempt) : undefined;
    if (attempt !== undefined && attempt > retries) problems.add([...path, 'succeedsOnAttempt'], `expected at most ${retries} (the retries RETRY_DELAYS_MS allows), got ${attempt}`);
    if (attempt !== undefined && entry.retryable === false) problems.add([...path, 'succeedsOnAttempt'], 'a failure that is not retryable cannot succeed on a retry: drop succeedsOnAttempt or set retryable: true');
  };

  // What starts after `until` never happens (expand drops it): a mistake, not a no-op.
  const afterEnd = (at: unknown, path: PathSegment[]) => {
    const atMs = ms(at);
    if (untilMs !== undefined && atMs !== undefined && atMs > untilMs) problems.add(path, `expected at most ${str(root.until)} (until: the run ends then), got "${str(at)}"`);
  };
  const failureIds = new Registry('failure', problems);
  let events = 0;
  list(root.failures).forEach((f, i) => {
    const failure = rec(f);
    if (!failure) return;
    const path = ['failures', i];
    failureIds.declare(failure.id, [...path, 'id']);
    agents.check(failure.agent, [...path, 'agent']);
    tenants.check(failure.tenant, [...path, 'tenant']);
    checkWorkflow(failure.agent, failure.workflow, [...path, 'workflow']);
    checkBehaviour(failure, path);
    afterEnd(failure.at, [...path, 'at']);
    const repeat = rec(failure.repeat);
    const count = typeof repeat?.count === 'number' ? repeat.count : 1;
    if (repeat && count > 1 && ms(repeat.every) === 0) problems.add([...path, 'repeat', 'every'], 'expected a duration longer than 0s between repeats');
    events += count * (typeof failure.storm === 'number' ? failure.storm : 1);
  });

  list(root.load).forEach((l, i) => {
    const load = rec(l);
    if (!load) return;
    const path = ['load', i];
    if ((load.rate === undefined) === (load.perDay === undefined)) problems.add(path, 'expected exactly one of rate (like "30/day") or perDay');
    if (ms(load.for) === 0) problems.add([...path, 'for'], 'expected a duration longer than 0s');
    afterEnd(load.from, [...path, 'from']);
    const perDay = typeof load.perDay === 'number' ? load.perDay : parseRate(load.rate);
    let storm = 1;
    list(load.mix).forEach((m, j) => {
      const entry = rec(m);
      if (!entry) return;
      failureIds.declare(entry.id, [...path, 'mix', j, 'id']);
      agents.check(entry.agent, [...path, 'mix', j, 'agent']);
      checkWorkflow(entry.agent, entry.workflow, [...path, 'mix', j, 'workflow']);
      checkBehaviour(entry, [...path, 'mix', j]);
      if (entry.agent === undefined && agents.size === 0) problems.add([...path, 'mix', j], 'no agent to fail: name one (agent: …) or declare agents or a fleet');
      if (typeof entry.storm === 'number') storm = Math.max(storm, entry.storm);
    });
    // An upper bound: every arrival as big as the biggest storm in the mix.
    events += (((perDay ?? 0) * (ms(load.for) ?? 0)) / 86_400_000) * storm;
  });
  if (events > MAX_EVENTS) problems.add([], `expected at most ${MAX_EVENTS.toLocaleString('en')} failures in a run (MAX_EVENTS), got about ${Math.round(events).toLocaleString('en')}`);

  for (const who of ['cheryl', 'petra', 'atlas']) {
    const message = latencyProblem(rec(rec(root.responders)?.[who])?.ack);
    if (message) problems.add(['responders', who, 'ack'], message);
  }
  const human = latencyProblem(rec(root.human)?.after);
  if (human) problems.add(['human', 'after'], human);
  checkExpectations(list(root.expect), (id, path) => failureIds.check(id, path), problems);
}

/** Date.parse accepts 2026-02-30; a real time survives the round trip through toISOString. */
function isRealTime(text: string): boolean {
  const time = Date.parse(text);
  if (Number.isNaN(time)) return false;
  const offset = /([+-])(\d{2}):(\d{2})$/.exec(text);
  const shift = offset ? (offset[1] === '+' ? 1 : -1) * (Number(offset[2]) * 60 + Number(offset[3])) * 60_000 : 0;
  return new Date(time + shift).toISOString().slice(0, 16) === text.slice(0, 16);
}
