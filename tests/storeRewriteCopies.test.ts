import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AgentRecord } from '../machines/types.js';
import { openStore } from '../store/index.js';

// A rewrite of the state file (the journal folded in) serializes only the rows put since the
// last one; a row it wrote and nobody put since is copied as its line from the file in place.
// Told here by a row whose toJSON counts the times it is serialized.

const test = suite('store: a rewrite copies the rows the last rewrite wrote');

const agent = (id: string, over: Partial<AgentRecord> = {}): AgentRecord => ({
  id, tenant: null, workflows: [], status: 'active', pausedBy: null, updatedAt: '2026-01-01T00:00:00.000Z', ...over,
});
/** Fills the journal past its floor (4 MiB), so the commit rewrites the state file. */
const filler = (mib: number, ch: string) => agent('filler', { pausedBy: ch.repeat(mib * 1024 * 1024) });

/** A new store holding nothing yet, and a row whose toJSON counts the times it is serialized. */
async function counted() {
  const file = join(mkdtempSync(join(tmpdir(), 'incident-flow-rewrite-')), 'run.json');
  const store = await openStore(file, { autoCommit: false });
  const row = agent('mailer', { workflows: ['invoices'] });
  const seen = { serialized: 0 };
  Object.defineProperty(row, 'toJSON', { enumerable: false, value: () => (seen.serialized++, { ...row }) });
  return { file, store, row, seen };
}

test('a row unchanged since the last rewrite is not serialized again by the next', async () => {
  const { file, store, row, seen } = await counted();
  store.put('agents', row, { handOver: true });
  store.put('agents', filler(5, 'a'));
  await store.flush();
  const first = statSync(file).size;
  assert.ok(first > 5 * 1024 * 1024, 'the first commit rewrote the state file');
  const afterFirst = seen.serialized;
  assert.ok(afterFirst >= 1);
  // A bigger filler outgrows the journal again: a second rewrite, the counted row untouched.
  store.put('agents', filler(6, 'b'));
  await store.flush();
  assert.ok(statSync(file).size > 6 * 1024 * 1024, 'the second commit rewrote the state file');
  assert.is(seen.serialized, afterFirst, 'the unchanged row was copied, not serialized again');
  assert.ok(readFileSync(file, 'utf8').includes('"id":"mailer"'), 'and the new file holds it');
  await store.close();
  const again = await openStore(file, { readonly: true });
  assert.equal(again.get('agents', 'mailer'), agent('mailer', { workflows: ['invoices'] }));
  await again.close();
});

test('a commit too large for the journal serializes each row once, for the rewrite too', async () => {
  const { file, store, row, seen } = await counted();
  // Journaled first, then the filler passes the budget: the journal is given up for a rewrite.
  store.put('agents', row, { handOver: true });
  store.put('agents', filler(5, 'a'));
  await store.flush();
  assert.ok(statSync(file).size > 5 * 1024 * 1024, 'the commit rewrote the state file');
  assert.is(seen.serialized, 1, "the rewrite copied the JSON the journal's attempt made");
  await store.close();
  const again = await openStore(file, { readonly: true });
  assert.equal(again.get('agents', 'mailer'), agent('mailer', { workflows: ['invoices'] }));
  assert.is(again.get('agents', 'filler')?.pausedBy?.length, 5 * 1024 * 1024);
  await again.close();
});

test.run();
