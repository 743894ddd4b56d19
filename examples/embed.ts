/**
 * Embedding incident-flow in an agent engine, on the real clock and the embedded
 * lowdb store. A job that talks to a flaky service fails, the engine retries it
 * (at once, then 5 s later), the service recovers, and the incident closes as
 * auto-resolved; the audit trail is printed as it is written.
 *
 *   node dist/examples/embed.js [store.json] [--watch]   (installed: node_modules/incident-flow/dist/examples/embed.js)
 *   npx tsx examples/embed.ts [store.json] [--watch]     (the sources, in the repository)
 *
 * With --watch the Agent Watcher is mounted in this process (the engine's own watcher,
 * able to answer decisions) and stays up until Ctrl-C.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createIncidentEngine, openStore } from '../index.js';
import { startWatcher } from '../watcher/index.js';

const watch = process.argv.includes('--watch');
const file = process.argv.slice(2).find((a) => !a.startsWith('--')) ?? join(mkdtempSync(join(tmpdir(), 'incident-flow-')), 'store.json');
const store = await openStore(file);

// A real job: it calls a service that is down for its first two calls.
let calls = 0;
async function syncInvoices({ attempt }: { attempt: number }): Promise<void> {
  calls++;
  if (calls <= 2) throw Object.assign(new Error('ECONNRESET invoices-api: socket hang up'), { code: 'ECONNRESET' });
  console.log(`  (attempt ${attempt}: the invoices API answered)`);
}

const engine = createIncidentEngine({
  store,
  jobs: { syncInvoices },
  tenants: [{ id: 'acme', admin: 'ops@acme.example' }],
  agents: [{ id: 'billing-agent', tenant: 'acme', workflows: ['invoice-run'] }],
});

const closed = new Promise<void>((resolve) =>
  engine.subscribe((event) => {
    if (event.type === 'audit') console.log(`${event.entry.ts}  ${event.entry.level.padEnd(5)} ${event.entry.action.padEnd(20)} ${event.entry.message}`);
    if (event.type === 'incident' && event.incident.status === 'closed') resolve();
  }),
);

const watcher = watch ? await startWatcher({ store, engine }) : null;
if (watcher) console.log(`Agent Watcher: ${watcher.url}`);

const { done } = engine.submit({ kind: 'syncInvoices', agent: 'billing-agent', workflow: 'invoice-run', impact: { kind: 'feature-broken' } });
console.log(`first run: ${await done}`);
await closed;
if (watcher) {
  console.log('The incident is closed; the watcher stays up until Ctrl-C.');
  await new Promise<void>((resolve) => process.once('SIGINT', () => resolve()));
  await watcher.close();
}
await engine.stop();
await store.close();
console.log(`\nThe store is at ${file}; try: npx incident-flow report --db ${file}`);
