import { existsSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { isIsoInstant } from '../reports/time.js';
import { didYouMean } from '../store/didYouMean.js';
import { shownLocation } from '../store/postgres/pgUrl.js';
import { COMMANDS, FLAGS, type CommandSpec, type Flag } from './usage.js';

export { USAGE } from './usage.js';

/** The store file `run` writes into its output folder (`--out DIR`, default incident-flow-out/<name>). */
export const STORE_FILE = 'store.json';

/** A mistake on the command line: exit code 2, with the usage. */
export class UsageError extends Error {
  override name = 'UsageError';
}

export type Command =
  | { name: 'run'; scenario: string; db: string | null; out: string | null; seed: number | null; runs: number; json: boolean; watch: boolean; speed: number; port: number }
  | { name: 'validate'; scenarios: string[] }
  | { name: 'report'; db: string; from: string | null; to: string | null; json: boolean; html: string | null }
  | { name: 'review'; incident: string; db: string }
  | { name: 'watch'; db: string; port: number; host: string }
  | { name: 'run-all'; dir: string; out: string; db: string | null }
  | { name: 'help' }
  | { name: 'version' };

/**
 * An integer option from `min` to `max` (at most Number.MAX_SAFE_INTEGER: a seed beyond it is
 * not an integer any more); `what` names it in the refusal ("a port").
 */
const int = (flag: Flag, v: string | undefined, min: number, max = Number.MAX_SAFE_INTEGER, what = 'an integer'): number | null => {
  if (v === undefined) return null;
  if (!/^-?\d+$/.test(v) || Number(v) < min || Number(v) > max) {
    const range = max < Number.MAX_SAFE_INTEGER || Number(v) > max ? `from ${min} to ${max}` : `≥ ${min}`;
    throw new UsageError(`--${flag}: expected ${what} ${range}, got "${v}"`);
  }
  return Number(v);
};

/** A TCP port to listen on (0: any free one). */
const port = (v: string | undefined): number => int('port', v, 0, 65535, 'a port') ?? 0;

/** A bound of report's range, in ISO-8601 and as the reports read it (`Date.parse`), checked before any store is opened. */
const instant = (flag: string, v: string | undefined): string | null => {
  if (v === undefined) return null;
  if (!isIsoInstant(v)) throw new UsageError(`--${flag}: expected an ISO-8601 instant (2026-03-02 or 2026-03-02T14:00:00Z), got "${v}"`);
  // Date.parse reads a time without a zone in the machine's own: the same command would report another range elsewhere.
  if (v.includes('T') && !/(Z|[+-]\d{2}:\d{2})$/.test(v)) throw new UsageError(`--${flag}: expected a zone on the time (Z for UTC, as the reports show times, or an offset like +02:00), got "${v}"`);
  return v;
};

/** What parseArgs reads: every option of every command (each command's own are checked after). */
const PARSED = Object.fromEntries(Object.entries(FLAGS).map(([flag, value]) => [flag, { type: value === null ? 'boolean' : 'string' }] as const));

/** The values parseArgs gives for PARSED: a string for an option with a value, true for a switch. */
type Values = { [F in Flag]?: (typeof FLAGS)[F] extends string ? string : boolean };

/**
 * The options and positionals of `name`'s arguments, refused (UsageError) where they are
 * wrong whatever the command: unknown, given twice, empty, or not one the command takes.
 */
function readArgs(name: string, spec: CommandSpec, rest: string[]): { values: Values; positionals: string[] } {
  const flags = spec.options.map((flag) => `--${flag}`);
  const taken = flags.length ? flags.join(', ') : 'none';
  const takesValue = (arg: string | undefined) => Object.entries(FLAGS).some(([flag, value]) => value !== null && arg === `--${flag}`);
  // parseArgs calls `--seed -1` ambiguous (its value looks like an option): as `--seed=-1` it
  // reaches the check of the flag, which says what was expected.
  const args: string[] = [];
  for (const arg of rest) {
    if (/^-\d/.test(arg) && takesValue(args.at(-1))) args.push(`${args.pop()}=${arg}`);
    else args.push(arg);
  }
  let parsed;
  try {
    parsed = parseArgs({ args, allowPositionals: true, strict: true, options: PARSED, tokens: true });
  } catch (err) {
    // Node's own advice (put a positional starting with '-' after '--') is beside the point of a typo.
    const unknown = /^Unknown option '([^']+)'/.exec((err as Error).message);
    if (!unknown) throw new UsageError((err as Error).message);
    throw new UsageError(`Unknown option '${unknown[1]}'${didYouMean(unknown[1], flags) || `; ${name} takes ${taken}`}`);
  }
  const { positionals: p } = parsed;
  const v = parsed.values as Values;
  // parseArgs keeps the last of `--seed 1 --seed 2` and says nothing.
  const given = parsed.tokens.flatMap((token) => (token.kind === 'option' ? [token.name] : []));
  const twice = given.find((flag, i) => given.indexOf(flag) !== i);
  if (twice) throw new UsageError(`--${twice}: given more than once; give it once`);
  // `--out ""` (an unset shell variable) would otherwise be no --out at all, or an internal error.
  const empty = Object.entries(v).find(([, value]) => value === '');
  if (empty) throw new UsageError(`--${empty[0]}: expected ${FLAGS[empty[0] as Flag]}, got an empty value`);
  // `run ""` read as a file with no name: ": cannot read the scenario: no such file".
  if (spec.args && p.includes('')) throw new UsageError(`${name}: expected ${spec.args}, got an empty argument`);
  // `report --db X --port 8080` or `run x.yaml --host H` would otherwise do what was asked less the flag, and say nothing.
  const other = Object.keys(v).find((flag) => !spec.options.includes(flag as Flag));
  if (other) throw new UsageError(`--${other}: not an option of ${name}; it takes ${taken}`);
  // `watch postgres://…` (the store given without --db) or `watch --db X extra`: not dropped without a word.
  if (!spec.args && p.length > 0) {
    const given = shownLocation(p[0]);
    throw new UsageError(v.db === undefined && p.length === 1 && spec.options.includes('db')
      ? dbAdvice(name, p[0])
      : `${name}: takes no argument besides its options, got "${given}"${p.length > 1 ? ` and ${p.length - 1} more` : ''}`);
  }
  return { values: v, positionals: p };
}

/**
 * The advice for a store given without --db. A folder is no store: `report OUTDIR` (the
 * folder `run` wrote) is told the store file in it, when it holds one, not `--db OUTDIR`,
 * which would be refused in turn as a folder; one that holds none, what --db takes.
 * @example dbAdvice('report', 'incident-flow-out/p0') // 'report: … did you mean report --db incident-flow-out/p0/store.json (the store run wrote there)?'
 */
function dbAdvice(name: string, given: string): string {
  const shown = shownLocation(given);
  if (!isFolder(given)) return `${name}: the store is given with --db; did you mean ${name} --db ${shown}?`;
  const store = join(given, STORE_FILE);
  if (existsSync(store)) return `${name}: the store is given with --db, and ${given} is a folder; did you mean ${name} --db ${store} (the store run wrote there)?`;
  return `${name}: the store is given with --db FILE|URL: a store file (such as the ${STORE_FILE} run writes into its --out folder) or a PostgreSQL URL; ${given} is a folder with no ${STORE_FILE}`;
}

const isFolder = (path: string): boolean => statSync(path, { throwIfNoEntry: false })?.isDirectory() ?? false;

/**
 * Parses argv (without node and the script) into a command. Pure, but for the advice to a store
 * given without --db, which looks whether it names a folder: throws UsageError.
 */
export function parseCommand(argv: string[]): Command {
  const [name, ...rest] = argv;
  if (!name || name === 'help' || name === '--help' || name === '-h') return { name: 'help' };
  if (name === '--version' || name === '-v') return { name: 'version' };
  if (!Object.hasOwn(COMMANDS, name)) throw new UsageError(`unknown command "${name}"${didYouMean(name, Object.keys(COMMANDS))}`);
  const spec: CommandSpec = COMMANDS[name as keyof typeof COMMANDS];
  // `run --help` asks for the usage: not an unknown option.
  const ownArgs = rest.includes('--') ? rest.slice(0, rest.indexOf('--')) : rest;
  if (ownArgs.includes('--help') || ownArgs.includes('-h')) return { name: 'help' };
  const { values: v, positionals: p } = readArgs(name, spec, rest);
  const one = (what: string) => {
    if (p.length !== 1) throw new UsageError(`${name}: expected one ${what}, got ${p.length}`);
    return p[0];
  };
  const needDb = () => {
    if (!v.db) throw new UsageError(`${name}: --db FILE is required`);
    return v.db;
  };
  switch (name) {
    case 'run': {
      // Decimal only: Number() also reads "Infinity", "1e400" (Infinity too) and "0x10".
      const speed = v.speed === undefined ? 60 : /^(\d+\.?\d*|\.\d+)$/.test(v.speed) ? Number(v.speed) : NaN;
      if (!(speed > 0 && Number.isFinite(speed))) throw new UsageError(`--speed: expected a positive decimal number like 60 or 0.5 (virtual seconds per real second), got "${v.speed}"`);
      if (!v.watch && (v.speed !== undefined || v.port !== undefined)) throw new UsageError(`--${v.speed !== undefined ? 'speed' : 'port'}: only for a watched run; add --watch`);
      if (v.runs !== undefined && v.db !== undefined && Number(v.runs) > 1) throw new UsageError('--db: a sweep (--runs N) keeps no store; run one seed with --seed N --db FILE');
      if (v.runs !== undefined && v.watch && Number(v.runs) > 1) throw new UsageError('--watch: a sweep (--runs N) is not watched; watch one seed with --seed N --watch');
      return { name, scenario: one('scenario file'), db: v.db ?? null, out: v.out ?? null, seed: int('seed', v.seed, 0), runs: int('runs', v.runs, 1) ?? 1, json: Boolean(v.json), watch: Boolean(v.watch), speed, port: port(v.port) };
    }
    case 'validate':
      if (p.length === 0) throw new UsageError('validate: expected at least one scenario file');
      return { name, scenarios: p };
    case 'report': {
      const [from, to] = [instant('from', v.from), instant('to', v.to)];
      // [from, to) holds nothing unless from is earlier: a report of no incidents would not say why.
      if (from !== null && to !== null && Date.parse(from) >= Date.parse(to)) throw new UsageError(`--from ${from} --to ${to}: expected --from earlier than --to (the range is [from, to))`);
      // The page is printed nowhere: --json would be dropped without a word.
      if (v.json && v.html !== undefined) throw new UsageError('--json: not with --html, which writes the page and prints only where it went; run report --json on its own');
      return { name, db: needDb(), from, to, json: Boolean(v.json), html: v.html ?? null };
    }
    case 'review':
      return { name, incident: one('incident id'), db: needDb() };
    case 'watch':
      return { name, db: needDb(), port: port(v.port), host: v.host ?? '127.0.0.1' };
    case 'run-all':
      if (p.length > 1) throw new UsageError(`run-all: expected at most one folder, got ${p.length}`);
      return { name, dir: p[0] ?? 'scenarios', out: v.out ?? 'incident-flow-out', db: v.db ?? null };
    default:
      throw new UsageError(`unknown command "${name}"`);
  }
}

/** The version in the package's own package.json, found by self-reference: the same from the sources and from dist/. */
export function packageVersion(): string {
  const { version } = createRequire(import.meta.url)('incident-flow/package.json') as { version: string };
  return version;
}
