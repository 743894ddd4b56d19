import { createIncidentEngine } from '../../agents/engine.js';
import type { EngineOptions, IncidentEngine } from '../../agents/types.js';
import { openStore } from '../../store/index.js';
import type { Store } from '../../store/types.js';
import { createTestDatabase } from './pgDatabase.js';

type TestDatabase = Awaited<ReturnType<typeof createTestDatabase>>;

/**
 * One cluster engine in the test's process, over a database of its own (`label` names it):
 * `start` creates the database, opens the store shared and waits for the engine; `stop`
 * (the suite's `after`) stops the engine, closes the store and drops the database.
 * @example const cluster = clusterEngine('h3_x'); test.after(cluster.stop); const { engine, db } = await cluster.start({ jobs });
 */
export function clusterEngine(label: string) {
  let db: TestDatabase | undefined;
  let store: Store | undefined;
  let engine: IncidentEngine | undefined;
  return {
    async start(options: Omit<EngineOptions, 'store'>): Promise<{ engine: IncidentEngine; db: TestDatabase }> {
      db = await createTestDatabase(label);
      store = await openStore(db.url, { shared: true });
      engine = createIncidentEngine({ ...options, store });
      await engine.ready;
      return { engine, db };
    },
    async stop(): Promise<void> {
      await engine?.stop();
      await store?.close();
      await db?.drop();
    },
  };
}

/**
 * Starts `cluster`'s engine with one job kind, `flaky`: its first `failures` runs throw
 * `message`, the next ones succeed; the retries come after `retryDelaysMs`, and a job's
 * `done` is polled for every half second. `runs()` counts the runs so far.
 * @example const { engine, runs } = await startFlaky(cluster, { failures: 1, retryDelaysMs: [0], message: 'upstream 503' });
 */
export async function startFlaky(cluster: ReturnType<typeof clusterEngine>, o: { failures: number; retryDelaysMs: number[]; message: string }) {
  let runs = 0;
  const started = await cluster.start({
    config: { RETRY_DELAYS_MS: o.retryDelaysMs },
    jobs: { flaky: async () => { if (++runs <= o.failures) throw new Error(o.message); } },
    cluster: { pollingIntervalSeconds: 0.5 },
  });
  return { ...started, runs: () => runs };
}
