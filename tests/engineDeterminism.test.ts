import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore, storeFiles } from '../store/index.js';
import { HOUR, MIN, createHarness, failing, flaky } from './helpers/engineHarness.js';

/**
 * One rehearsal on a store file: a P0 needing a decision, a P1, a P3, a flaky job that
 * auto-resolves and a duplicate, on seeded ids and random numbers and virtual time.
 */
async function rehearse(dir: string, seed: number): Promise<{ state: Buffer; audit: Buffer }> {
  const file = join(dir, `run-${seed}-${Math.random().toString(36).slice(2)}.json`);
  const store = await openStore(file);
  const h = createHarness({
    store,
    seed,
    answer: { answer: 'approve', afterMs: 7 * MIN },
    responders: { cheryl: { ack: (r) => MIN + r() * 5 * MIN, capacity: 2 }, petra: { ack: (r) => r() * 3 * MIN }, atlas: { ack: 2 * MIN } },
  });
  h.engine.submit({ agent: 'billing', workflow: 'invoice-run', run: failing('database down'), impact: { kind: 'platform-down', customerFacing: true, decision: 'rollback' } });
  h.engine.submit({ agent: 'mailer', workflow: 'email-send', run: failing('duplicate send id 42'), impact: { kind: 'data-integrity' } });
  h.engine.submit({ agent: 'reporter', workflow: 'dashboards', run: failing('stale cache 17 min'), impact: { kind: 'cosmetic' } });
  h.engine.submit({ agent: 'reporter', workflow: 'dashboards', run: flaky(2, 'render timeout') });
  await h.run(10 * MIN);
  h.engine.submit({ agent: 'mailer', workflow: 'email-send', run: failing('duplicate send id 43'), impact: { kind: 'data-integrity' } });
  await h.run(2 * 24 * HOUR);
  await h.engine.stop();
  await store.close();
  const files = storeFiles(file);
  return { state: readFileSync(files.state), audit: readFileSync(files.audit) };
}

const Same = suite('engine: the same inputs give the same store, byte for byte');

Same('two runs with the same seeds write identical store files', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'incident-flow-determinism-'));
  try {
    const a = await rehearse(dir, 7);
    const b = await rehearse(dir, 7);
    assert.ok(a.audit.length > 10_000, `audit file of ${a.audit.length} bytes`);
    assert.ok(a.state.equals(b.state), 'state files differ');
    assert.ok(a.audit.equals(b.audit), 'audit files differ');
    // Something to compare: the runs went through the whole chain.
    const text = a.audit.toString('utf8');
    for (const action of ['incident.attached', 'incident.decision', 'incident.review_published', 'incident.closed']) {
      assert.ok(text.includes(`"${action}"`), `no ${action} in the audit file`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

Same('another seed gives another store (the comparison can fail)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'incident-flow-determinism-'));
  try {
    const a = await rehearse(dir, 7);
    const b = await rehearse(dir, 8);
    assert.not.ok(a.audit.equals(b.audit));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

Same.run();
