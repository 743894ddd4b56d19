import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createIncidentEngine } from '../agents/engine.js';
import type { IncidentEngine, JobContext, JobRunner, JobSpec } from '../agents/types.js';
import { createMemoryStore } from '../store/memoryStore.js';
import { createWatcherHandler } from '../watcher/handler.js';

/**
 * An engine typed per job kind (`createIncidentEngine<Jobs>`): the lines marked
 * `@ts-expect-error` and the typed reads are checked by the type-checker (`npm run typecheck`
 * takes tests/), each a mistake strict tsc must refuse; the tests run what type-checks.
 */
const types = suite('engine typed per job kind');

interface Invoice {
  batch: string;
  amountUSD: number;
}
/** An interface, as engine builders write them: no index signature needed. */
interface Jobs {
  sendInvoices: Invoice;
  /** A kind whose input may be left out. */
  syncLedger: { since: string } | undefined;
}

types('a runner gets its kind\'s input typed, and submit takes each kind with its input', async () => {
  const seen: Array<[string, number]> = [];
  const engine = createIncidentEngine<Jobs>({
    store: createMemoryStore(),
    jobs: {
      // `input` is an Invoice, not unknown: no cast, and not optional (every sendInvoices job has one).
      sendInvoices: async ({ input, attempt }) => void seen.push([input.batch, input.amountUSD + attempt]),
      syncLedger: ({ input }) => void seen.push([input?.since ?? 'all', 0]),
    },
  });
  const sent = engine.submit({ kind: 'sendInvoices', agent: 'billing-agent', input: { batch: 'b-7', amountUSD: 120 } });
  const synced = engine.submit({ kind: 'syncLedger', agent: 'billing-agent' });
  // A job with its own run and no kind still goes, its input untyped.
  const own = engine.submit({ agent: 'billing-agent', input: 'anything', run: () => {} });
  assert.equal(await Promise.all([sent.done, synced.done, own.done]), ['succeeded', 'succeeded', 'succeeded']);
  assert.equal(seen, [['b-7', 120], ['all', 0]]);
  await engine.stop();
});

/** Mistakes strict tsc refuses: never called, only type-checked. */
export function refusedByTheTypeChecker(engine: IncidentEngine<Jobs>): void {
  // @ts-expect-error a kind not in Jobs
  engine.submit({ kind: 'sendInvoice', agent: 'a', input: { batch: 'b', amountUSD: 1 } });
  // @ts-expect-error sendInvoices needs its input
  engine.submit({ kind: 'sendInvoices', agent: 'a' });
  // @ts-expect-error an input of the wrong type
  engine.submit({ kind: 'sendInvoices', agent: 'a', input: { batch: 7, amountUSD: 1 } });
  // @ts-expect-error no kind and no run: nothing could run it
  engine.submit({ agent: 'a' });
  // @ts-expect-error a typed engine needs a runner for every kind
  createIncidentEngine<Jobs>({ jobs: { sendInvoices: () => {} } });
  // @ts-expect-error a typed engine needs its jobs
  createIncidentEngine<Jobs>({});
  createIncidentEngine<Jobs>({
    jobs: {
      // @ts-expect-error the runner reads a field Invoice does not have
      sendInvoices: ({ input }) => input.total,
      syncLedger: () => {},
    },
  });
}

types('an engine created without a type argument is typed as before: any kind, input unknown', async () => {
  // Not inferred from `jobs`: submit still takes a kind registered nowhere (refused at run time, as ever).
  const engine = createIncidentEngine({ store: createMemoryStore(), jobs: { sendInvoices: async ({ input }: JobContext) => input } });
  assert.throws(() => engine.submit({ kind: 'other', agent: 'billing-agent' }), /no runner registered as "other"/);
  const spec: JobSpec = { kind: 'sendInvoices', agent: 'billing-agent', input: { any: 'thing' } };
  assert.is(await engine.submit(spec).done, 'succeeded');
  const runner: JobRunner = ({ input }) => input;
  const untyped: IncidentEngine = engine;
  // A variable's type does not make the engine typed either (no inference from the return type).
  let later: IncidentEngine | undefined;
  later = createIncidentEngine({ store: createMemoryStore() });
  await later.stop();
  const returned: ReturnType<typeof createIncidentEngine> = untyped;
  const options: Parameters<typeof createIncidentEngine>[0] = { jobs: { sendInvoices: runner } };
  assert.ok(returned && options);
  await engine.stop();
});

types('a typed engine goes where an IncidentEngine is taken (the watcher)', async () => {
  const engine = createIncidentEngine<Jobs>({ store: createMemoryStore(), jobs: { sendInvoices: () => {}, syncLedger: () => {} } });
  const plain: IncidentEngine = engine;
  const watcher = createWatcherHandler({ store: engine.store, engine });
  assert.is(plain, engine);
  watcher.close();
  await engine.stop();
});

types.run();
