import { readFileSync } from 'node:fs';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { parseCommand, USAGE, UsageError } from '../sim/argv.js';
import { FLAGS } from '../sim/usage.js';

const Usage = suite('the usage text lists exactly the options each command accepts');

/** Each command's line of a synopsis table: its name and its options, with whether each takes a value. */
function synopses(lines: string[]): Map<string, Map<string, boolean>> {
  const commands = new Map<string, Map<string, boolean>>();
  for (const line of lines) {
    const [name] = line.split(' ');
    const options = new Map<string, boolean>();
    for (const [, flag, value] of line.matchAll(/--([a-z-]+)( [A-Z][^\]\s]*)?/g)) options.set(flag, value !== undefined);
    commands.set(name, options);
  }
  return commands;
}

const inUsage = synopses(USAGE.split('\n').filter((line) => /^ {2}[a-z]/.test(line)).map((line) => line.trim()));

/** Whether `command` takes `--flag`, as the parser decides: any refusal but "not an option" means it does. */
function accepts(command: string, flag: string, takesValue: boolean): boolean {
  try {
    parseCommand([command, takesValue ? `--${flag}=1` : `--${flag}`]);
    return true;
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    return !error.message.startsWith(`--${flag}: not an option of ${command}`);
  }
}

Usage('each command accepts the options its usage line lists, and refuses every other', () => {
  assert.equal([...inUsage.keys()], ['run', 'validate', 'report', 'review', 'watch', 'run-all']);
  const valued = new Map<string, boolean>(Object.entries(FLAGS).map(([flag, value]) => [flag, value !== null]));
  for (const options of inUsage.values()) for (const [flag, value] of options) valued.set(flag, value);
  for (const [command, listed] of inUsage) {
    const accepted = [...valued].filter(([flag, value]) => accepts(command, flag, value)).map(([flag]) => flag);
    assert.equal(accepted.sort(), [...listed.keys()].sort(), command);
  }
});

Usage("the README's table of commands lists the same options as the usage", () => {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  const rows = readme.split('\n').filter((line) => /^\| `[a-z-]+ /.test(line));
  const inReadme = synopses(rows.map((row) => row.slice(3, row.indexOf('` |'))));
  for (const [command, listed] of inUsage) {
    assert.ok(inReadme.has(command), `README row of ${command}`);
    assert.equal([...inReadme.get(command)!], [...listed], command);
  }
});

Usage('a command named like a property of every object is an unknown command, not a crash', () => {
  for (const name of ['toString', 'constructor', '__proto__']) {
    assert.throws(() => parseCommand([name, '--db', 'x.json']), (error: Error) => error instanceof UsageError && error.message === `unknown command "${name}"`, name);
  }
});

Usage('a --port that is not a number says what a port is, as one out of range does', () => {
  for (const port of ['abc', '-1', '65536']) {
    assert.throws(() => parseCommand(['watch', '--db', 'x.json', '--port', port]), (error: Error) => error.message === `--port: expected a port from 0 to 65535, got "${port}"`, port);
  }
});

const REFUSED: Array<{ argv: string[]; message: string }> = [
  { argv: ['run', 'a.yaml', '--seed', '1.5'], message: '--seed: expected an integer ≥ 0, got "1.5"' },
  // Past Number.MAX_SAFE_INTEGER a seed is not an integer any more: it was an internal error, after the store was made.
  { argv: ['run', 'a.yaml', '--seed', '99999999999999999999'], message: '--seed: expected an integer from 0 to 9007199254740991, got "99999999999999999999"' },
  { argv: ['run', 'a.yaml', '--runs', '99999999999999999999'], message: '--runs: expected an integer from 1 to 9007199254740991, got "99999999999999999999"' },
  { argv: ['run', 'a.yaml', '--out', ''], message: '--out: expected DIR, got an empty value' },
  { argv: ['run', 'a.yaml', '--db', ''], message: '--db: expected FILE|URL, got an empty value' },
  { argv: ['report', '--db', 'x.json', '--html', ''], message: '--html: expected OUT.html, got an empty value' },
  { argv: ['watch', '--db', 'x.json', '--host', ''], message: '--host: expected H, got an empty value' },
  { argv: ['run', 'a.yaml', '--watch', '--speed', 'Infinity'], message: '--speed: expected a positive decimal number like 60 or 0.5 (virtual seconds per real second), got "Infinity"' },
  { argv: ['run', 'a.yaml', '--watch', '--speed', '1e400'], message: '--speed: expected a positive decimal number like 60 or 0.5 (virtual seconds per real second), got "1e400"' },
  { argv: ['run', 'a.yaml', '--watch', '--speed', '0x10'], message: '--speed: expected a positive decimal number like 60 or 0.5 (virtual seconds per real second), got "0x10"' },
  { argv: ['run', 'a.yaml', '--watch', '--speed', '0'], message: '--speed: expected a positive decimal number like 60 or 0.5 (virtual seconds per real second), got "0"' },
  // A positive number all the same, written otherwise: the message says which writing is taken.
  { argv: ['run', 'a.yaml', '--watch', '--speed', '1e3'], message: '--speed: expected a positive decimal number like 60 or 0.5 (virtual seconds per real second), got "1e3"' },
  { argv: ['run', ''], message: 'run: expected <scenario>, got an empty argument' },
  { argv: ['validate', 'a.yaml', ''], message: 'validate: expected <scenario...>, got an empty argument' },
  { argv: ['review', '', '--db', 'x.json'], message: 'review: expected <incident>, got an empty argument' },
  { argv: ['run-all', ''], message: 'run-all: expected [DIR], got an empty argument' },
  // Date.parse reads a day the month lacks as one of the next month: the range would start elsewhere than said.
  { argv: ['report', '--db', 'x.json', '--from', '2026-02-30'], message: '--from: expected an ISO-8601 instant (2026-03-02 or 2026-03-02T14:00:00Z), got "2026-02-30"' },
  { argv: ['report', '--db', 'x.json', '--to', '2026-04-31T10:00:00Z'], message: '--to: expected an ISO-8601 instant (2026-03-02 or 2026-03-02T14:00:00Z), got "2026-04-31T10:00:00Z"' },
  { argv: ['report', '--db', 'x.json', '--from', '2026-03-01T14:00'], message: '--from: expected a zone on the time (Z for UTC, as the reports show times, or an offset like +02:00), got "2026-03-01T14:00"' },
  { argv: ['rn', 'a.yaml'], message: 'unknown command "rn"; did you mean "run"?' },
  { argv: ['run', 'a.yaml', '--sede', '3'], message: 'Unknown option \'--sede\'; did you mean "--seed"?' },
  { argv: ['report', '-x'], message: 'Unknown option \'-x\'; report takes --db, --from, --to, --json, --html' },
  { argv: ['validate', 'a.yaml', '--strict'], message: 'Unknown option \'--strict\'; validate takes none' },
  { argv: ['run', 'a.yaml', '--seed', '1', '--seed', '2'], message: '--seed: given more than once; give it once' },
  { argv: ['run', 'a.yaml', '--json', '--json'], message: '--json: given more than once; give it once' },
  { argv: ['report', '--db', 'x.json', '--json', '--html', 'r.html'], message: '--json: not with --html, which writes the page and prints only where it went; run report --json on its own' },
];

for (const { argv, message } of REFUSED) {
  Usage(`refuses ${argv.join(' ')}, naming the option and what it expects`, () => {
    assert.throws(() => parseCommand(argv), (error: Error) => error instanceof UsageError && error.message === message);
  });
}

Usage('--help or -h after a command asks for the usage, as before one', () => {
  for (const argv of [['run', '--help'], ['report', '--db', 'x.json', '-h'], ['run-all', '--help']]) assert.equal(parseCommand(argv), { name: 'help' }, argv.join(' '));
  assert.equal(parseCommand(['validate', '--', '--help']), { name: 'validate', scenarios: ['--help'] }, 'after --, a file name');
});

Usage('takes the last day of a month, a leap day in a leap year, and a zoned time', () => {
  for (const from of ['2026-04-30', '2028-02-29', '2026-03-02T14:00:00+02:00']) assert.is((parseCommand(['report', '--db', 'x.json', '--from', from]) as { from: string }).from, from);
  assert.throws(() => parseCommand(['report', '--db', 'x.json', '--from', '2026-02-29']), /expected an ISO-8601 instant/);
});

Usage('takes a decimal --speed and the largest safe seed', () => {
  const run = parseCommand(['run', 'a.yaml', '--watch', '--speed', '0.5', '--seed', String(Number.MAX_SAFE_INTEGER)]);
  assert.equal(run.name === 'run' && [run.speed, run.seed], [0.5, Number.MAX_SAFE_INTEGER]);
  assert.is((parseCommand(['run', 'a.yaml', '--watch', '--speed', '120']) as { speed: number }).speed, 120);
});

Usage.run();
