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
import { openStore, storeFiles } from '../../store/index.js';

const file = process.argv[2];
const gc = global.gc as () => void;
gc();
const before = process.memoryUsage().arrayBuffers;
const writer = await openStore(file, { autoCommit: false });
const errors = writer.queryAudit({ agent: 'agent_5', level: 'error', limit: 0 }).total;
gc();
const held = process.memoryUsage().arrayBuffers - before;
await writer.close();
console.log(JSON.stringify({ held, sideFile: statSync(storeFiles(file).auditIndex).size, errors }));
