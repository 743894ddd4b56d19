#!/usr/bin/env node
// The CLI entry. `#cli` is the compiled dist/sim/cli.js (package.json "imports"); the tests
// run this same file on the sources with `--conditions=incident-flow-source --import tsx`.
import { existsSync } from 'node:fs';

// `incident-flow … | head` closes the pipe early: that is the reader's choice, not an error.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });
}
let cli;
try {
  cli = await import('#cli');
} catch (error) {
  // A clone where `npm ci --ignore-scripts` skipped the build: say so, not a stack trace.
  if (error?.code !== 'ERR_MODULE_NOT_FOUND' || existsSync(new URL('../dist/sim/cli.js', import.meta.url))) throw error;
  process.stderr.write('incident-flow: the compiled code (dist/) is missing: run `npm run build`\n');
  process.exit(3);
}
process.exitCode = await cli.main(process.argv.slice(2), {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  interactive: Boolean(process.stderr.isTTY),
});
