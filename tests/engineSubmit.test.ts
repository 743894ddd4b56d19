import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createIncidentEngine } from '../agents/engine.js';
import { EngineError, type IncidentEngine } from '../agents/types.js';
import { createMemoryStore } from '../store/memoryStore.js';
import { openStore, type Store } from '../store/index.js';
import { VirtualClock } from '../sim/virtualClock.js';
import { createHarness } from './helpers/engineHarness.js';

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

/** An engine over a new store file, `body` run on it, both stopped and closed; the file opened again read-only (it must still open). */
async function overStoreFile(create: (store: Store) => IncidentEngine, body: (engine: IncidentEngine) => Promise<void>): Promise<Store> {
  const file = join(mkdtempSync(join(tmpdir(), 'if-submit-')), 'store.json');
  const store = await openStore(file);
  const engine = create(store);
  try {
    await body(engine);
  } finally {
    await engine.stop();
    await store.close();
  }
  return openStore(file, { readonly: true });
}

submit('a job field of the wrong type is refused before anything is written: the store file still opens (it refused a workflow: 5 row as corrupt)', async () => {
  const again = await overStoreFile((store) => createIncidentEngine({ store, jobs: { syncInvoices: async () => {} } }), async (engine) => {
    assert.throws(() => engine.submit({ agent: 'billing-agent', kind: 'syncInvoices', workflow: 5 as never }), /has workflow 5; expected a non-empty string or null/);
    assert.is(await engine.submit({ agent: 'billing-agent', kind: 'syncInvoices', workflow: 'invoice-run' }).done, 'succeeded');
  });
  assert.equal(again.list('jobs').map((j) => j.workflow), ['invoice-run']);
  await again.close();
});

submit('resolve() refuses options of the wrong type (EngineError naming them): rootCause: 42 was written, and the store file refused to open', async () => {
  let run: (ms: number) => Promise<void> = async () => {};
  const create = (store: Store) => {
    const harness = createHarness({ store, fixAfterMs: null, config: { RETRY_DELAYS_MS: [0, 0, 0] }, jobs: { sync: () => { throw new Error('ECONNRESET'); } } });
    run = harness.run;
    return harness.engine;
  };
  const again = await overStoreFile(create, async (engine) => {
    await engine.submit({ agent: 'billing', kind: 'sync' }).done;
    await run(10 * 60_000);
    const [incident] = engine.store.list('incidents');
    const refused = (opts: unknown, message: string) =>
      assert.throws(() => engine.resolve(incident.id, opts as never), (e: unknown) => e instanceof EngineError && (e as Error).message === `incident-flow: resolve: ${message}`, message);
    refused({ rootCause: 42 }, 'rootCause 42; expected a non-empty string');
    refused({ by: 7 }, 'by 7; expected a non-empty string');
    refused({ whys: 'because' }, 'whys "because"; expected an array of { why, because } strings');
    refused({ note: {} }, 'note {}; expected a string');
    refused({ rootcause: 'x' }, 'rootcause: no such option; did you mean "rootCause"?; the options are by, note, rootCause, whys');
    refused('petra', 'expected options { by, note, rootCause, whys }, got "petra"');
    engine.resolve(incident.id, { by: 'petra', rootCause: 'pool exhausted', whys: [{ why: 'slow', because: 'pool' }] });
  });
  assert.equal(again.list('incidents').map((i) => i.rootCause), ['pool exhausted']);
  await again.close();
});

submit('refuses an impact field or a run of the wrong type, naming the field, what it takes and what it got', async () => {
  const engine = engineWith({ syncInvoices: async () => {} });
  const refused = (job: unknown, message: string) =>
    assert.throws(() => engine.submit(job as never), (e: unknown) => e instanceof EngineError && (e as Error).message === `incident-flow: submit: job for billing-agent ${message}`, message);
  const job = { agent: 'billing-agent', kind: 'syncInvoices' };
  refused({ ...job, impact: { customerFacing: 'yes' } }, 'has impact.customerFacing "yes"; expected true or false');
  refused({ ...job, impact: { financialUSD: '2000' } }, 'has impact.financialUSD "2000"; expected a number of US dollars ≥ 0');
  refused({ ...job, impact: { decision: 42 } }, 'has impact.decision 42; expected the decision needed (a non-empty string) or null');
  refused({ ...job, impact: 'platform-down' }, 'has impact "platform-down"; expected an object ({ kind, customerFacing, crossAgent, needsChange, dataCompromised, financialUSD, decision })');
  refused({ ...job, impact: { kind: 'meltdown' } }, 'has impact.kind "meltdown"; expected one of platform-down, subsystem-failed, data-integrity, safety, feature-broken, cosmetic');
  refused({ agent: 'billing-agent', run: 'syncInvoices' }, 'has a run that is not a function');
  refused({ ...job, retryable: false }, 'has a retryable that is not a function');
  refused({ ...job, id: '' }, 'has id ""; expected a non-empty string');
  refused({ ...job, id: 7 }, 'has id 7; expected a non-empty string');
  refused({ ...job, workflow: 5 }, 'has workflow 5; expected a non-empty string or null');
  refused({ ...job, tenant: { id: 'acme' } }, 'has tenant {"id":"acme"}; expected a non-empty string or null');
  refused({ ...job, rootCause: 42 }, 'has rootCause 42; expected a non-empty string');
  refused({ ...job, failure: false }, 'has failure false; expected a non-empty string');
  refused({ ...job, startedAt: '2026-03-02' }, 'has startedAt "2026-03-02"; expected a time in epoch milliseconds (a finite number)');
  refused({ ...job, whys: ['because'] }, 'has whys ["because"]; expected an array of { why, because } strings');
  refused({ agent: 'billing-agent', kind: 7, run: () => {} }, 'has kind 7; expected a non-empty string');
  refused({ ...job, input: { amount: 10n } }, 'has an input the store cannot keep (Do not know how to serialize a BigInt); expected plain data that JSON holds');
  const cycle: Record<string, unknown> = {};
  cycle.self = cycle;
  assert.throws(() => engine.submit({ ...job, input: cycle }), /has an input the store cannot keep \(Converting circular structure to JSON/);
  assert.is(engine.store.list('jobs').length, 0);
  // Every field at a value it takes.
  engine.submit({ ...job, impact: { kind: 'platform-down', customerFacing: true, crossAgent: false, needsChange: true, dataCompromised: false, financialUSD: 0, decision: null }, retryable: () => true });
  await engine.stop();
});

submit('takes a registered kind', async () => {
  const engine = engineWith({ syncInvoices: async () => {} });
  const { jobId } = engine.submit({ agent: 'billing-agent', kind: 'syncInvoices' });
  assert.is(engine.store.get('jobs', jobId)?.kind, 'syncInvoices');
  await engine.stop();
});

submit.run();

const settings = suite('createIncidentEngine: the cluster settings checked before anything starts');

settings('an unknown setting or a value of the wrong kind is an EngineError naming the setting and what it takes', () => {
  const create = (cluster: unknown) => () => createIncidentEngine({ store: createMemoryStore(), clock: new VirtualClock({ start: 0 }), cluster: cluster as never });
  const refused = (cluster: unknown, message: string) =>
    assert.throws(create(cluster), (e: unknown) => e instanceof EngineError && (e as Error).message === `incident-flow: ${message}`, `${JSON.stringify(cluster)} → ${message}`);
  refused({ poolSize: 0 }, 'cluster.poolSize: expected a whole number of connections ≥ 1, got 0');
  refused({ expireInSeconds: 'thirty' }, 'cluster.expireInSeconds: expected a whole number of seconds ≥ 1, got "thirty"');
  refused({ expireInSeconds: 2.5 }, 'cluster.expireInSeconds: expected a whole number of seconds ≥ 1, got 2.5');
  refused({ pollingIntervalSeconds: 0.1 }, 'cluster.pollingIntervalSeconds: expected a number of seconds ≥ 0.5, got 0.1');
  refused({ retryForSeconds: Number.NaN }, 'cluster.retryForSeconds: expected a number of seconds ≥ 0, got null');
  refused({ expireInSecs: 30 }, 'cluster.expireInSecs: no such setting; did you mean "expireInSeconds"?; the settings are poolSize, expireInSeconds, pollingIntervalSeconds, batchSize, workers, retryForSeconds');
  refused({ worker: 2 }, 'cluster.worker: no such setting; did you mean "workers"?; the settings are poolSize, expireInSeconds, pollingIntervalSeconds, batchSize, workers, retryForSeconds');
  refused(8, 'cluster: expected an object of settings (poolSize, expireInSeconds, pollingIntervalSeconds, batchSize, workers, retryForSeconds), got 8');
  // Every setting at its least value is taken (a process with no workers only submits).
  const engine = create({ poolSize: 1, expireInSeconds: 1, pollingIntervalSeconds: 0.5, batchSize: 1, workers: 0, retryForSeconds: 0 })();
  void engine.stop();
});

settings.run();
