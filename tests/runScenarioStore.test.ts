import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { runScenario } from '../sim/runner.js';
import { loadScenario } from '../sim/scenario/index.js';
import { createMemoryStore } from '../store/memoryStore.js';
import { StoreError } from '../store/types.js';

/**
 * runScenario writes to the store it is given, and its report counts every incident there:
 * a store an earlier run wrote is refused (it turned a passing scenario's second run into a
 * failing one), an empty one taken.
 */
const Given = suite('runScenario and the store it is given');

Given('refuses a store an earlier run wrote, naming what it holds, and writes nothing to it', async () => {
  const scenario = await loadScenario('scenarios/p0-database-down.yaml');
  const store = createMemoryStore();
  const first = await runScenario(scenario, { store });
  assert.is(first.verdict, 'pass');
  const audit = store.auditCount();
  try {
    await runScenario(scenario, { store });
    assert.unreachable('the second run should have been refused');
  } catch (error) {
    assert.ok(error instanceof StoreError && error.code === 'not-empty', String(error));
    assert.match(error.message, `runScenario: the store given already holds rows (${audit} audit rows; rows in jobs, incidents, `);
  }
  assert.is(store.auditCount(), audit);
  assert.is(store.list('incidents').length, 1);
});

Given('takes an empty store, meta aside, and a fresh one each time gives the same verdict', async () => {
  const scenario = await loadScenario('scenarios/p0-database-down.yaml');
  const store = createMemoryStore();
  store.setMeta('unfinished', { scenario: scenario.file }); // what the CLI marks before a run
  assert.is((await runScenario(scenario, { store })).verdict, 'pass');
  assert.is((await runScenario(scenario, { store: createMemoryStore() })).verdict, 'pass');
});

Given.run();
