import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMemoryStore, openStore } from '../store/index.js';
import { pgSchema } from './helpers/pgSchema.js';
import { storeContract } from './helpers/storeContract.js';

// One contract, three stores: what users can rely on whichever store they open.
storeContract({
  name: 'memory',
  durable: false,
  async fresh() {
    const store = createMemoryStore();
    return { open: async () => store, cleanup: async () => undefined };
  },
});

storeContract({
  name: 'lowdb files',
  durable: true,
  async fresh() {
    const dir = mkdtempSync(join(tmpdir(), 'if-contract-'));
    const file = join(dir, 'store.json');
    return { open: (opts) => openStore(file, opts), cleanup: async () => rmSync(dir, { recursive: true, force: true }) };
  },
});

storeContract({
  name: 'PostgreSQL',
  durable: true,
  async fresh() {
    const schema = pgSchema('contract');
    return { open: (opts) => openStore(schema.url, opts), cleanup: () => schema.drop() };
  },
});
