/**
 * The CLI's commands and options, in one table: the usage text, the parser's option list and
 * the check that refuses an option a command does not take are all made from it (sim/argv.ts),
 * so an option cannot be added to one and forgotten in another.
 */

/** Every option: the value a string option takes, as the usage names it, or null for a switch. */
export const FLAGS = {
  db: 'FILE|URL', out: 'DIR', seed: 'N', runs: 'N', json: null, watch: null, speed: 'X', port: 'N',
  host: 'H', from: 'ISO', to: 'ISO', html: 'OUT.html',
} as const;

export type Flag = keyof typeof FLAGS;

export interface CommandSpec {
  /** Its positional arguments, as the usage shows them. */
  args?: string;
  /** The options it takes, in the order the usage (and a refusal) lists them. */
  options: readonly Flag[];
  /** Those shown without brackets: the command refuses to run without them. */
  required?: readonly Flag[];
  /** Values named otherwise than in FLAGS: run-all's --db takes a URL only. */
  values?: Partial<Record<Flag, string>>;
  /** What it does, one usage line per line. */
  about: string;
}

/** The commands, in the usage's order (`--help` and `--version` apart). */
export const COMMANDS = {
  run: {
    args: '<scenario>',
    options: ['db', 'out', 'seed', 'runs', 'json', 'watch', 'speed', 'port'],
    about: `run a rehearsal in virtual time; writes the store, report.json and junit.xml
to OUT (default: incident-flow-out/<name>); --runs N writes report.json and
junit.xml of the sweep there, no store`,
  },
  validate: { args: '<scenario...>', options: [], about: 'check scenario files; every problem at once, with file, path and line' },
  report: { options: ['db', 'from', 'to', 'json', 'html'], required: ['db'], about: 'incident metrics over any store' },
  review: { args: '<incident>', options: ['db'], required: ['db'], about: "print an incident's post-incident review as Markdown" },
  watch: { options: ['db', 'port', 'host'], required: ['db'], about: 'serve the Agent Watcher at http://127.0.0.1:PORT/app/watcher' },
  'run-all': {
    args: '[DIR]',
    options: ['out', 'db'],
    values: { db: 'URL' },
    about: `run every scenario in DIR (default: scenarios), one line each; each run is
written to OUT/<name>/ (default: incident-flow-out), its store too unless --db URL`,
  },
} as const satisfies Record<string, CommandSpec>;

export type CommandName = keyof typeof COMMANDS;

/** The command's line of the usage: `review <incident> --db FILE|URL`. */
function synopsis(name: string, spec: CommandSpec): string {
  const options = spec.options.map((flag) => {
    const value = spec.values?.[flag] ?? FLAGS[flag];
    const option = value === null ? `--${flag}` : `--${flag} ${value}`;
    return spec.required?.includes(flag) ? option : `[${option}]`;
  });
  return [name, spec.args, ...options].filter(Boolean).join(' ');
}

/** Descriptions start in this column, under a synopsis too long to share their line. */
const ABOUT = ' '.repeat(22);

export const USAGE = `Usage: incident-flow <command> [options]

Commands:
${Object.entries(COMMANDS as Record<string, CommandSpec>)
  .map(([name, spec]) => `  ${synopsis(name, spec)}\n${spec.about.replace(/^/gm, ABOUT)}`)
  .join('\n')}
  --version           print the version

A store is a lowdb FILE, or a PostgreSQL URL (postgres://user@host:5432/db?schema=name); a
rehearsal given a URL without ?schema= writes to the schema rehearsal_<scenario file name>.

Exit codes: 0 all expectations pass, 1 an expectation failed, 2 invalid scenario, store or usage,
3 internal error, 4 I/O failure (disk full, permission denied: the file and the cause are named),
130 a run stopped by Ctrl-C before its end (its store left incomplete, no report written).`;
