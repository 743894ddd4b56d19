/**
 * A writer reopening a store, in a process of its own for tests/storeAuditParts.test.ts, so
 * that nothing else allocates while it is measured:
 *
 *   node --expose-gc --import tsx tests/helpers/reopenHeldChild.ts <store.json>
 *
 * Prints one JSON line: the ArrayBuffers the open left held after a full collection, and
 * the size of the store's audit index file.
 */
import { statSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { openStore, storeFiles } from '../../store/index.js';

const file = process.argv[2];
const gc = global.gc as () => void;

/**
 * The ArrayBuffers still held after full collections. V8 frees dead buffers on a background
 * thread after a collection, so one read just after gc() can still count them (it did on a
 * busy machine: 21 MB where 4.5 MB are held). Live buffers are in every read, so the least
 * of a few reads, each after a collection and a pause, is what is held.
 */
async function settledArrayBuffers(): Promise<number> {
  let least = Infinity;
  for (let round = 0; round < 5; round++) {
    gc();
    await sleep(20);
    least = Math.min(least, process.memoryUsage().arrayBuffers);
  }
  return least;
}

const before = await settledArrayBuffers();
const writer = await openStore(file, { autoCommit: false });
const errors = writer.queryAudit({ agent: 'agent_5', level: 'error', limit: 0 }).total;
const held = (await settledArrayBuffers()) - before;
await writer.close();
console.log(JSON.stringify({ held, sideFile: statSync(storeFiles(file).auditIndex).size, errors }));
