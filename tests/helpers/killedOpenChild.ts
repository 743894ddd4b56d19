/**
 * Opens a store as a writer in a process of its own and SIGKILLs that process at the first
 * call of one `node:fs/promises` function (the store's code is unchanged: the function is
 * wrapped and `syncBuiltinESMExports` hands the wrapper to the store's imports): a writer
 * killed at a chosen point of its open, such as the cut of a dead writer's torn audit tail.
 * Exits 0 without dying if the open never calls it.
 *
 * Run from a bundle (tests/helpers/bundle.ts): `node <bundle> <storeFile> <function>`.
 * @example spawnSync(process.execPath, [bundle.file, 'run.json', 'truncate']) // signal: 'SIGKILL'
 */
import fsp from 'node:fs/promises';
import { syncBuiltinESMExports } from 'node:module';

const [file, name] = process.argv.slice(2) as [string, keyof typeof fsp];
const fns = fsp as unknown as Record<string, unknown>;
fns[name] = () => {
  process.kill(process.pid, 'SIGKILL');
  for (;;); // not reached: SIGKILL to oneself is delivered before kill() returns
};
syncBuiltinESMExports();
const { openStore } = await import('../../store/index.js');
await (await openStore(file)).close();
