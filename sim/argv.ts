import { createRequire } from 'node:module';
import { parseArgs } from 'node:util';
import { isIsoInstant } from '../machines/incidentContext.js';

/** A mistake on the command line: exit code 2, with the usage. */
export class UsageError extends Error {
  override name = 'UsageError';
}

export const USAGE = `Usage: incident-flow <command> [options]

Commands:
  run <scenario> [--db FILE|URL] [--out DIR] [--seed N] [--runs N] [--json] [--watch] [--speed X] [--port N]
                      run a rehearsal in virtual time; writes the store, report.json and junit.xml
                      to OUT (default: incident-flow-out/<name>); --runs N writes report.json and
                      junit.xml of the sweep there, no store
  validate <scenario...>
                      check scenario files; every problem at once, with file, path and line
  report --db FILE|URL [--from ISO] [--to ISO] [--json] [--html OUT.html]
                      incident metrics over any store
  review <incident> --db FILE|URL
                      print an incident's post-incident review as Markdown
  watch --db FILE|URL [--port N] [--host H]
                      serve the Agent Watcher at http://127.0.0.1:PORT/app/watcher
  run-all [DIR] [--out DIR] [--db URL]
                      run every scenario in DIR (default: scenarios), one line each; each run is
                      written to OUT/<name>/ (default: incident-flow-out), its store too unless --db URL
  --version           print the version

A store is a lowdb FILE, or a PostgreSQL URL (postgres://user@host:5432/db?schema=name); a
rehearsal given a URL without ?schema= writes to the schema rehearsal_<scenario file name>.

Exit codes: 0 all expectations pass, 1 an expectation failed, 2 invalid scenario, store or usage,
3 internal error, 4 I/O failure (disk full, permission denied: the file and the cause are named).`;

export type Command =
  | { name: 'run'; scenario: string; db: string | null; out: string | null; seed: number | null; runs: number; json: boolean; watch: boolean; speed: number; port: number }
  | { name: 'validate'; scenarios: string[] }
  | { name: 'report'; db: string; from: string | null; to: string | null; json: boolean; html: string | null }
  | { name: 'review'; incident: string; db: string }
  | { name: 'watch'; db: string; port: number; host: string }
  | { name: 'run-all'; dir: string; out: string; db: string | null }
  | { name: 'help' }
  | { name: 'version' };

const int = (flag: string, v: string | undefined, min: number): number | null => {
  if (v === undefined) return null;
  if (!/^-?\d+$/.test(v) || Number(v) < min) throw new UsageError(`--${flag}: expected an integer ≥ ${min}, got "${v}"`);
  return Number(v);
};

/** A TCP port to listen on (0: any free one). */
const port = (v: string | undefined): number => {
  const n = int('port', v, 0) ?? 0;
  if (n > 65535) throw new UsageError(`--port: expected a port from 0 to 65535, got "${v}"`);
  return n;
};

/** A bound of report's range, in ISO-8601 and as the reports read it (`Date.parse`), checked before any store is opened. */
const instant = (flag: string, v: string | undefined): string | null => {
  if (v === undefined) return null;
  if (!isIsoInstant(v)) throw new UsageError(`--${flag}: expected an ISO-8601 instant (2026-03-02 or 2026-03-02T14:00:00Z), got "${v}"`);
  return v;
};

/** The options each command takes (USAGE lists them): any other is refused, not ignored. */
const OPTIONS: Record<string, readonly string[]> = {
  run: ['db', 'out', 'seed', 'runs', 'json', 'watch', 'speed', 'port'],
  validate: [],
  report: ['db', 'from', 'to', 'json', 'html'],
  review: ['db'],
  watch: ['db', 'port', 'host'],
  'run-all': ['out', 'db'],
};

/** Parses argv (without node and the script) into a command. Pure: throws UsageError. */
export function parseCommand(argv: string[]): Command {
  const [name, ...rest] = argv;
  if (!name || name === 'help' || name === '--help' || name === '-h') return { name: 'help' };
  if (name === '--version' || name === '-v') return { name: 'version' };
  const options = {
    db: { type: 'string' }, out: { type: 'string' }, seed: { type: 'string' }, runs: { type: 'string' },
    json: { type: 'boolean' }, watch: { type: 'boolean' }, speed: { type: 'string' }, port: { type: 'string' },
    host: { type: 'string' }, from: { type: 'string' }, to: { type: 'string' }, html: { type: 'string' },
  } as const;
  const takesValue = (arg: string | undefined) => Object.entries(options).some(([flag, o]) => o.type === 'string' && arg === `--${flag}`);
  // parseArgs calls `--seed -1` ambiguous (its value looks like an option): as `--seed=-1` it
  // reaches the check of the flag, which says what was expected.
  const args: string[] = [];
  for (const arg of rest) {
    if (/^-\d/.test(arg) && takesValue(args.at(-1))) args.push(`${args.pop()}=${arg}`);
    else args.push(arg);
  }
  let parsed;
  try {
    parsed = parseArgs({ args, allowPositionals: true, strict: true, options });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const { values: v, positionals: p } = parsed;
  // `report --db X --port 8080` or `run x.yaml --host H` would otherwise do what was asked less the flag, and say nothing.
  const takes = OPTIONS[name];
  const other = takes && Object.keys(v).find((flag) => !takes.includes(flag));
  if (other) throw new UsageError(`--${other}: not an option of ${name}; ${takes.length ? `it takes ${takes.map((f) => `--${f}`).join(', ')}` : 'it takes none'}`);
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
      const speed = v.speed === undefined ? 60 : Number(v.speed);
      if (!(speed > 0)) throw new UsageError(`--speed: expected a positive number (virtual seconds per real second), got "${v.speed}"`);
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
