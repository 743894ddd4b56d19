/**
 * Another process writing a PostgreSQL store, for tests/storePostgresFollow.test.ts: for
 * each line on stdin (an id), it puts an incident and appends an audit entry with that
 * id, commits, and prints the id once committed. Exits when stdin ends.
 *
 *   node --import tsx tests/helpers/pgWriterChild.ts <postgres://…?schema=s>
 */
import { createInterface } from 'node:readline';
import { openStore } from '../../store/index.js';
import { auditEntry, incident } from '../watcher.fakes.js';

const store = await openStore(process.argv[2]);
process.stdout.write('ready\n');
for await (const line of createInterface({ input: process.stdin })) {
  const id = line.trim();
  if (!id) continue;
  store.put('incidents', incident({ id: `inc_${id}`, severity: 'P1', status: 'triaged' }));
  store.appendAudit(auditEntry({ id: `aud_${id}`, entityId: `inc_${id}`, level: 'error', message: `written by process ${process.pid}` }));
  await store.flush();
  process.stdout.write(`${id}\n`);
}
await store.close();
