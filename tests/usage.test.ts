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

Usage.run();
