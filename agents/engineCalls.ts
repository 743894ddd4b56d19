import { impactProblem } from '../machines/policies/classification.js';
import type { Rule } from '../store/optionsProblem.js';
import { didYouMean } from '../store/didYouMean.js';
import { valueText } from '../store/valueText.js';
import { EngineError, type JobRunner, type JobSpec } from './types.js';

/**
 * The mistakes both engines refuse the same way, in the same words (`EngineError`): a call
 * after `stop()`, a job nothing can run, a malformed answer. What needs the store (an unknown
 * decision, one already answered, an incident not open) each engine checks where it reads it.
 */

/** A call after `stop()`. */
export function stoppedError(call: 'submit' | 'decide' | 'resolve'): EngineError {
  const more = call === 'submit' ? 'run more jobs' : call === 'decide' ? 'answer decisions' : 'resolve incidents';
  return new EngineError(`${call}: the engine is stopped; create a new engine over the store to ${more}`);
}

const TEXT: Rule = (v) => (typeof v === 'string' && v !== '' ? null : 'a non-empty string');
const TEXT_OR_NULL: Rule = (v) => (v === null || (typeof v === 'string' && v !== '') ? null : 'a non-empty string or null');
const isWhy = (w: unknown) => typeof w === 'object' && w !== null && typeof (w as { why?: unknown }).why === 'string' && typeof (w as { because?: unknown }).because === 'string';

/** A job's fields the rows keep, and what each takes (`run`, `retryable`, `impact` and `input` are checked on their own). */
const JOB_FIELDS = {
  id: TEXT,
  kind: TEXT,
  workflow: TEXT_OR_NULL,
  tenant: TEXT_OR_NULL,
  rootCause: TEXT,
  failure: TEXT,
  startedAt: (v) => (typeof v === 'number' && Number.isFinite(v) ? null : 'a time in epoch milliseconds (a finite number)'),
  whys: (v) => (Array.isArray(v) && v.every(isWhy) ? null : 'an array of { why, because } strings'),
} satisfies Partial<Record<keyof JobSpec, Rule>>;

/** Throws unless the job names an agent and something to run (its own `run`, or a registered kind). */
export function checkJob(job: JobSpec, jobs: Record<string, JobRunner> | undefined): void {
  // A job nothing can run is the caller's mistake, not an incident.
  if (!job || typeof job.agent !== 'string' || job.agent === '') throw new EngineError('submit: a job needs an agent (a non-empty string)');
  if (!job.run && !(job.kind && jobs?.[job.kind])) {
    const known = Object.keys(jobs ?? {});
    throw new EngineError(`submit: job for ${job.agent} has no run function and ${job.kind ? `no runner registered as "${job.kind}"` : 'no kind'}; registered kinds: ${known.length ? known.join(', ') : 'none'}`);
  }
  // Every incident gets one of the four severities (spec, "Severity Levels"): its impact's
  // kind decides which; the escalation rules compare its other fields.
  const problem = job.impact === undefined ? null : impactProblem(job.impact);
  if (problem) {
    const given = problem.field ? (job.impact as unknown as Record<string, unknown>)[problem.field] : job.impact;
    throw new EngineError(`submit: job for ${job.agent} has impact${problem.field ? `.${problem.field}` : ''} ${valueText(given)}; expected ${problem.expected}`);
  }
  for (const field of ['run', 'retryable'] as const) {
    if (job[field] !== undefined && typeof job[field] !== 'function') throw new EngineError(`submit: job for ${job.agent} has a ${field} that is not a function`);
  }
  // Written into the job's and the incident's rows: one of the wrong type (workflow: 5) was
  // taken, and the store file that held it refused to open again (a corrupt row).
  for (const [field, expected] of Object.entries(JOB_FIELDS) as Array<[keyof typeof JOB_FIELDS, Rule]>) {
    const problem = job[field] === undefined ? null : expected(job[field]);
    if (problem) throw new EngineError(`submit: job for ${job.agent} has ${field} ${valueText(job[field])}; expected ${problem}`);
  }
  // The store keeps the input as JSON: one JSON cannot write (a BigInt, a cycle) would fail
  // every commit after it, stop() and close() included, with the store's lock held.
  const unwritable = job.input === undefined ? null : jsonProblem(job.input);
  if (unwritable) throw new EngineError(`submit: job for ${job.agent} has an input the store cannot keep (${unwritable}); expected plain data that JSON holds`);
}

/** Why JSON cannot write `value`, or null. */
function jsonProblem(value: unknown): string | null {
  try {
    JSON.stringify(value);
    return null;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

/** What `resolve`'s options take: written into the incident's row and its review. */
const RESOLVE_FIELDS: Record<string, Rule> = { by: TEXT, note: (v) => (typeof v === 'string' ? null : 'a string'), rootCause: TEXT, whys: JOB_FIELDS.whys };

/**
 * Throws unless `resolve`'s options are of their types: `rootCause: 42` was written into the
 * incident's row, and the store file then refused to open (a corrupt row).
 * @example checkResolve({ rootCause: 42 }) // EngineError: resolve: rootCause 42; expected a non-empty string
 */
export function checkResolve(opts: unknown): void {
  if (opts === undefined) return;
  if (typeof opts !== 'object' || opts === null || Array.isArray(opts)) throw new EngineError(`resolve: expected options { by, note, rootCause, whys }, got ${valueText(opts)}`);
  for (const [field, value] of Object.entries(opts)) {
    const rule = RESOLVE_FIELDS[field];
    if (!rule) throw new EngineError(`resolve: ${field}: no such option${didYouMean(field, Object.keys(RESOLVE_FIELDS))}; the options are ${Object.keys(RESOLVE_FIELDS).join(', ')}`);
    const problem = value === undefined ? null : rule(value);
    if (problem) throw new EngineError(`resolve: ${field} ${valueText(value)}; expected ${problem}`);
  }
}

/** A status in the operator's words: `timed_out` reads "timed out". */
export function statusWords(status: string): string {
  return status.replaceAll('_', ' ');
}

/**
 * An answer to a decision no longer pending: what became of it, and by whom (the answer that won,
 * who resolved the incident). The watcher says the same whether it or the engine saw it settled.
 */
export function settledError(decisionId: string, decision: { status: string; by: string | null }): EngineError {
  return new EngineError(`decision "${decisionId}" is already ${statusWords(decision.status)}${decision.by ? ` by ${decision.by}` : ''}`);
}

/** An answer to a decision still pending for an incident no longer open (a store written before resolving withdrew decisions). */
export function incidentGoneError(decisionId: string, incidentId: string): EngineError {
  return new EngineError(`decision "${decisionId}" cannot be answered: incident "${incidentId}" is no longer open`);
}

/** Throws unless the answer is approve or deny and names who gave it. */
export function checkAnswer(answer: unknown, by: unknown): void {
  if (answer !== 'approve' && answer !== 'deny') throw new EngineError(`answer must be "approve" or "deny", got "${String(answer)}"`);
  if (!by) throw new EngineError('a decision needs the name of the person answering (by)');
  // Written into the decision's row: `by: 7` was taken, and the store file then refused to open.
  if (typeof by !== 'string') throw new EngineError(`a decision needs the name of the person answering (by, a string), got ${valueText(by)}`);
}
