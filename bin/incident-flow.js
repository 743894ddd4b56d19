#!/usr/bin/env node
// The CLI entry: TypeScript sources run through tsx, so the package needs no build step.
import { register } from 'tsx/esm/api';

register();
// `incident-flow … | head` closes the pipe early: that is the reader's choice, not an error.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });
}
const { main } = await import('../sim/cli.ts');
const code = await main(process.argv.slice(2), {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  interactive: Boolean(process.stderr.isTTY),
});
process.exitCode = code;
