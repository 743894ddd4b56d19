import { readFile, stat } from 'node:fs/promises';
import { LineCounter, parseDocument } from 'yaml';
import { jsonErrorOffset } from '../../store/jsonErrorLine.js';
import { describe } from '../duration.js';
import { normalize } from './normalize.js';
import { ProblemList, ScenarioError } from './problems.js';
import { MAX_SCENARIO_BYTES } from './rules.js';
import { checkSchema } from './schemaCheck.js';
import { checkSemantics } from './semanticCheck.js';
import type { Scenario } from './types.js';

/** Read errors that mean "this path is not a scenario file": reported, not rethrown. */
const UNREADABLE: Record<string, string> = {
  ENOENT: 'no such file',
  EISDIR: 'is a directory, expected a .yaml or .json scenario file',
  ENOTDIR: 'a folder on the path is a file',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
};

/**
 * Reads and checks a scenario file (YAML or JSON).
 *
 * @example
 * const scenario = await loadScenario('scenarios/db-down.yaml');
 * // throws ScenarioError: scenarios/db-down.yaml:14:9 failures[2].at: expected a duration like "5m", got "5 minutes"
 */
export async function loadScenario(file: string): Promise<Scenario> {
  let text: string;
  try {
    // Sized before it is read: a 50 MB file is refused without holding it, nor its parse.
    const { size } = await stat(file);
    if (size > MAX_SCENARIO_BYTES) throw tooLarge(file, size);
    text = await readFile(file, 'utf8');
  } catch (error) {
    if (error instanceof ScenarioError) throw error;
    const code = error instanceof Error && 'code' in error ? String(error.code) : '';
    const reason = UNREADABLE[code];
    if (reason) throw new ScenarioError([{ file, path: '', line: null, column: null, message: `cannot read the scenario: ${reason}` }]);
    throw new Error(`scenario: cannot read ${file}`, { cause: error });
  }
  return parseScenario(text, file);
}

/**
 * Parses scenario text — YAML, or JSON (which is YAML, so positions work the same) — and
 * checks it against the schema and the cross-references. Throws one `ScenarioError` with
 * every problem found, each with file, path, line and column.
 *
 * @example
 * const scenario = parseScenario(await readFile(file, 'utf8'), file);
 * const events = expandFailures(scenario, createRandom(scenario.seed));
 */
export function parseScenario(text: string, file: string): Scenario {
  // Bytes, as the file's size is: a text of fewer characters may be more bytes (UTF-8).
  if (text.length > MAX_SCENARIO_BYTES / 3 && Buffer.byteLength(text) > MAX_SCENARIO_BYTES) throw tooLarge(file, Buffer.byteLength(text));
  const lines = new LineCounter();
  // logLevel 'error': warnings (unresolved tags, collection keys) must not print from a library; the
  // schema check reports what they lead to (an unknown key, a string where a list belongs).
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true, logLevel: 'error' });
  const problems = new ProblemList(file, doc, lines);
  // The yaml package reads both; a .json file's author wrote JSON and is told so.
  const syntax = file.toLowerCase().endsWith('.json') ? 'JSON' : 'YAML';
  for (const error of doc.errors) problems.addAt(error.pos[0], `invalid ${syntax}: ${firstLine(error.message)}`);
  // YAML reads more than JSON does (trailing commas, comments, single quotes): a .json file
  // that JSON.parse refuses would pass here and fail in every other tool that reads it.
  if (syntax === 'JSON' && problems.problems.length === 0) notJson(text, problems);
  if (problems.problems.length > 0) throw new ScenarioError(problems.sorted());

  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 1_000 });
  } catch (error) {
    // yaml throws here only for alias abuse (a "billion laughs" file) and the like.
    problems.add([], `invalid ${syntax}: ${error instanceof Error ? firstLine(error.message) : String(error)}`);
    throw new ScenarioError(problems.sorted());
  }
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    problems.add([], `expected a mapping of scenario keys (name, failures, …), got ${doc.contents === null ? 'an empty file' : describe(data)}`);
    throw new ScenarioError(problems.sorted());
  }

  // Both checks run before throwing, so the author sees every problem at once.
  const input: unknown = data;
  const matchesSchema = checkSchema(input, problems);
  checkSemantics(input, problems);
  if (!matchesSchema || problems.problems.length > 0) throw new ScenarioError(problems.sorted());
  return normalize(input, file, (path) => problems.position(path));
}

/**
 * The limit and the size in bytes: in MB with one decimal, a file just over the limit read
 * "at most 1.0 MB …, got 1.0 MB".
 */
function tooLarge(file: string, size: number): ScenarioError {
  const bytes = (n: number) => `${n.toLocaleString('en')} bytes`;
  return new ScenarioError([{ file, path: '', line: null, column: null, message: `expected a scenario file of at most 1 MB (${bytes(MAX_SCENARIO_BYTES)}, MAX_SCENARIO_BYTES), got ${bytes(size)}; describe many failures with repeat, load or fleet instead of listing them` }]);
}

/** Adds JSON.parse's refusal of `text`, where it says it happened, if it refuses it. */
function notJson(text: string, problems: ProblemList): void {
  // A byte-order mark is no JSON syntax error (editors write one); the yaml package skips it too.
  const bom = text.startsWith('\uFEFF') ? 1 : 0;
  try {
    JSON.parse(bom ? text.slice(1) : text);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    // Node words it "… in JSON at position 24" ("… after JSON at position 24"), or quotes the
    // text without a position: "… token '.', \"{…}\" is not valid JSON" (…" when long).
    const reason = message
      .replace(/ in JSON at position \d+.*$/, '')
      .replace(/ at position \d+.*$/, '')
      .replace(/, (?:\.\.\.)?".*"(?:\.\.\.)? is not valid JSON$/s, '');
    const problem = `invalid JSON: ${firstLine(reason)} (a .json scenario is JSON: no comments, trailing commas or single quotes; those belong in a .yaml file)`;
    problems.addAt(jsonErrorOffset(bom ? text.slice(1) : text, error) + bom, problem);
  }
}

function firstLine(message: string): string {
  return message.split('\n')[0];
}
