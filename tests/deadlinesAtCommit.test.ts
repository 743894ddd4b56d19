import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Deadlines } from '../agents/deadlines.js';
import type { Runtime } from '../agents/runtime.js';
import type { DeadlineRecord } from '../machines/types.js';
import { resolvePolicy } from '../machines/policies/config.js';
import { VirtualClock } from '../sim/virtualClock.js';
import { createMemoryStore, openStore } from '../store/index.js';
import type { Store, StoreChange } from '../store/types.js';

const T0 = Date.UTC(2026, 2, 2, 9);
const test = suite('Deadlines: stored as they stand at each commit');

function setup(store: Store = createMemoryStore({ autoCommit: false })) {
  const clock = new VirtualClock({ start: T0 });
  const rt: Runtime = { store, clock, ids: (p) => `${p}_1`, random: () => 0.5, policy: resolvePolicy(), emit: () => {} };
  const fired: DeadlineRecord[] = [];
  const deadlines = new Deadlines(rt, (row) => fired.push(row));
  const changes: StoreChange[] = [];
  store.subscribe((change) => changes.push(change));
  const arm = (owner: string, kind: string, inMs: number) => deadlines.arm(owner, { kind, dueAt: clock.now() + inMs, event: { type: `${kind}.due` } });
  return { store, clock, deadlines, fired, changes, arm };
}
const deadlineRows = (changes: StoreChange[]) => changes.flatMap((c) => c.rows).filter((r) => r.table === 'deadlines');

test('a deadline armed and fired, or armed and disarmed, between two commits is never written', async () => {
  const { store, clock, deadlines, fired, changes, arm } = setup();
  arm('inc_1', 'retry', 5_000);
  arm('inc_2', 'ack', 60_000);
  clock.advanceBy(5_000);
  deadlines.disarm('inc_2', ['ack']);
  assert.equal(fired.map((r) => r.id), ['inc_1:retry']);
  store.appendAudit({ id: 'aud_1', ts: new Date(clock.now()).toISOString(), actor: 'engine', entityType: 'incident', entityId: 'inc_1', action: 'x', level: 'info', message: 'm', meta: {} });
  await store.flush();
  assert.equal(store.list('deadlines'), []);
  assert.equal(deadlineRows(changes), []);
});

test('the table holds, at each commit, the deadlines armed then; between commits ask isArmed', async () => {
  const { store, clock, deadlines, changes, arm } = setup();
  arm('inc_1', 'sla', 3_600_000);
  assert.is(deadlines.isArmed('inc_1', 'sla'), true);
  assert.is(store.get('deadlines', 'inc_1:sla'), undefined, 'not written before the commit');
  await store.flush();
  assert.is(store.get('deadlines', 'inc_1:sla')?.dueAt, T0 + 3_600_000);
  assert.equal(deadlineRows(changes).map((r) => [r.id, r.row !== null]), [['inc_1:sla', true]]);
  deadlines.disarm('inc_1', ['sla']);
  assert.is(deadlines.isArmed('inc_1', 'sla'), false);
  assert.ok(store.get('deadlines', 'inc_1:sla'), 'still the last commit’s');
  await store.flush();
  assert.is(store.get('deadlines', 'inc_1:sla'), undefined);
  // Re-armed with another due time before a commit: the commit has the last one.
  arm('inc_1', 'sla', 60_000);
  arm('inc_1', 'sla', 120_000);
  clock.advanceBy(1);
  await store.flush();
  assert.equal(store.list('deadlines').map((r) => r.dueAt), [T0 + 120_000]);
});

test('a committed deadline fired, armed again and fired again before the next commit is gone after it', async () => {
  const { store, clock, deadlines, fired, arm } = setup();
  arm('inc_1', 'retry', 1_000);
  await store.flush();
  assert.ok(store.get('deadlines', 'inc_1:retry'));
  clock.advanceBy(1_000);
  arm('inc_1', 'retry', 1_000);
  clock.advanceBy(1_000);
  assert.is(fired.length, 2);
  await store.flush();
  assert.equal(store.list('deadlines'), [], 'the row the first commit wrote is removed');
  // Armed once more and committed: written again, then disarmed and committed: removed.
  arm('inc_1', 'retry', 1_000);
  await store.flush();
  assert.is(store.list('deadlines').length, 1);
  deadlines.disarm('inc_1', ['retry']);
  await store.flush();
  assert.equal(store.list('deadlines'), [], 'the row written again is removed once disarmed');
});

test('an automatic commit is asked for by a change alone, and a file store reopened re-arms what was committed', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'if-deadlines-'));
  try {
    const file = join(dir, 'store.json');
    const first = setup(await openStore(file));
    first.arm('inc_1', 'sla', 3_600_000);
    first.arm('inc_2', 'retry', 1_000);
    first.clock.advanceBy(1_000);
    // No other mutation: the change itself asks for the commit, made as the event loop turns.
    await new Promise((resolve) => setImmediate(resolve));
    await first.store.flush();
    first.deadlines.stop();
    await first.store.close();
    const again = setup(await openStore(file));
    try {
      assert.is(again.deadlines.restore(), 1);
      assert.is(again.deadlines.isArmed('inc_1', 'sla'), true);
      again.clock.advanceBy(3_600_000);
      assert.equal(again.fired.map((r) => r.id), ['inc_1:sla']);
      await again.store.flush();
      assert.equal(again.store.list('deadlines'), []);
    } finally {
      await again.store.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a store without beforeCommit gets each change at once', async () => {
  const inner = createMemoryStore({ autoCommit: false });
  const store = Object.create(inner, { beforeCommit: { value: undefined } }) as Store;
  const { clock, arm } = setup(store);
  arm('inc_1', 'retry', 1_000);
  assert.is(store.get('deadlines', 'inc_1:retry')?.dueAt, T0 + 1_000);
  clock.advanceBy(1_000);
  assert.is(store.get('deadlines', 'inc_1:retry'), undefined);
});

test.run();
