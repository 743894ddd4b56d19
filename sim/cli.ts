import { ReportError } from '../reports/errors.js';
import { StoreError } from '../store/types.js';
import { packageVersion, parseCommand, UsageError, USAGE, type Command } from './argv.js';
import { EXIT, type Io } from './cliIo.js';

export { EXIT, type Io } from './cliIo.js';

/**
 * The CLI: one parse, one runner, one catch at the top. Returns the exit code;
 * user mistakes are messages with exit 2, never stack traces.
 */
export async function main(argv: string[], io: Io): Promise<number> {
  try {
    return await execute(parseCommand(argv), io);
  } catch (err) {
    if (err instanceof UsageError) {
      io.err(`incident-flow: ${err.message}\n\n${USAGE}\n`);
      return EXIT.invalid;
    }
    // Loaded on demand: a ScenarioError can only come from the scenario loader, which is then loaded.
    const { ScenarioError } = await import('./scenario/problems.js');
    if (err instanceof ScenarioError) {
      io.err(`${err.message}\n${err.problems.length} problem${err.problems.length === 1 ? '' : 's'}; nothing was written.\n`);
      return EXIT.invalid;
    }
    if (err instanceof StoreError && err.code === 'locked' && err.file) {
      // The store layer's advice ({ readonly: true }) is for programs; a CLI user gets commands.
      const { storeFiles } = await import('../store/storeFiles.js');
      const who = err.holder ? `process ${err.holder}` : 'another process';
      io.err(`incident-flow: ${err.file} is in use by ${who} (lock file ${storeFiles(err.file).lock}); nothing was written. ` +
        `Let that process finish or stop it, or write to another --db; \`incident-flow watch --db ${err.file}\` and \`incident-flow report --db ${err.file}\` read it while it runs. ` +
        `If no process uses it any more, delete ${storeFiles(err.file).lock}.\n`);
      return EXIT.invalid;
    }
    if (err instanceof StoreError && err.code === 'io') {
      io.err(`${err.message}\n`);
      return EXIT.io;
    }
    // Matched by name: importing the watcher here would load its server for every command.
    if (err instanceof StoreError || err instanceof ReportError || (err instanceof Error && err.name === 'WatcherListenError')) {
      io.err(`${err.message}\n`);
      return EXIT.invalid;
    }
    const failed = ioFailure(err);
    if (failed) {
      io.err(`incident-flow: ${failed}\n`);
      return EXIT.io;
    }
    io.err(`incident-flow: internal error (please report it): ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    return EXIT.internal;
  }
}
/**
 * `--help` and `--version` answer at once; every other command loads its modules
 * (XState, ajv, yaml, lowdb, the runner, the reports) only when it runs (sim/commands.ts).
 */
async function execute(cmd: Command, io: Io): Promise<number> {
  if (cmd.name === 'help') {
    io.out(`${USAGE}\n`);
    return EXIT.pass;
  }
  if (cmd.name === 'version') {
    io.out(`${packageVersion()}\n`);
    return EXIT.pass;
  }
  const { runCommand } = await import('./commands.js');
  return runCommand(cmd, io);
}

/** Errno codes of a file that could not be read or written for a reason outside the program. */
const IO_CODES = new Set(['ENOSPC', 'EDQUOT', 'EACCES', 'EPERM', 'EROFS', 'EIO', 'EMFILE', 'ENFILE', 'EFBIG', 'EISDIR', 'ENOTDIR', 'ENOENT']);

/** "<file>: could not write: ENOSPC: no space left on device" for an fs error, else null. */
function ioFailure(err: unknown): string | null {
  if (!(err instanceof Error)) return null;
  const { code, path, syscall } = err as NodeJS.ErrnoException;
  if (!code || !IO_CODES.has(code) || !path) return null;
  // Node's message is "ENOSPC: no space left on device, write": the cause without the call.
  return `${path}: could not ${syscall ?? 'write'}: ${err.message.replace(/, \w+(?: '.*')?$/, '')}`;
}
