/**
 * What the CLI's commands (commands.ts, rehearse.ts) share with the process around them,
 * kept apart from cli.ts so they need not import the entry point that imports them: where
 * they write, the exit codes they return, and the Ctrl-C that ends a watcher they keep up.
 */

/** Where a command writes: injected so tests capture it. */
export interface Io {
  out: (text: string) => void;
  err: (text: string) => void;
  /** Progress bars go to an interactive stderr only. */
  interactive: boolean;
}

/**
 * 4: a file could not be read or written (disk full, permission denied): the file and the cause are named.
 * 130: a run stopped by Ctrl-C before its end (128 + SIGINT, as a shell reports a process it killed).
 */
export const EXIT = { pass: 0, failed: 1, invalid: 2, internal: 3, io: 4, interrupted: 130 } as const;

/** Resolves at the first Ctrl-C: a watcher (`watch`, `run --watch`) stays up until then. */
export const untilInterrupted = () => new Promise<void>((resolve) => process.once('SIGINT', () => resolve()));
