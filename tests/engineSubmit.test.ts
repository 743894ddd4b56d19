import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createIncidentEngine } from '../agents/engine.js';
import { EngineError } from '../agents/types.js';
import { createMemoryStore } from '../store/memoryStore.js';
import { VirtualClock } from '../sim/virtualClock.js';

const submit = suite('engine.submit: a job nothing can run');

const engineWith = (jobs = {}) => createIncidentEngine({ store: createMemoryStore(), clock: new VirtualClock({ start: 0 }), jobs });

submit('refuses a job with neither a run function nor a registered kind, naming what is registered', async () => {
  const engine = engineWith({ syncInvoices: async () => {} });
  assert.throws(() => engine.submit({ agent: 'billing-agent', kind: 'sendInvoices' }), (e: unknown) => e instanceof EngineError && /no runner registered as "sendInvoices"; registered kinds: syncInvoices/.test((e as Error).message));
  assert.throws(() => engine.submit({ agent: 'billing-agent' }), /no run function and no kind/);
  assert.throws(() => engine.submit({ agent: '', run: () => {} }), /needs an agent/);
  // Nothing was queued or opened.
  assert.is(engine.store.list('jobs').length, 0);
  assert.is(engine.store.list('incidents').length, 0);
  await engine.stop();
});

submit('takes a registered kind', async () => {
  const engine = engineWith({ syncInvoices: async () => {} });
  const { jobId } = engine.submit({ agent: 'billing-agent', kind: 'syncInvoices' });
  assert.is(engine.store.get('jobs', jobId)?.kind, 'syncInvoices');
  await engine.stop();
});

submit.run();
