/**
 * The server away for longer than the engine retries a statement (`retryForSeconds`): the step
 * under way gives up, and so does pg-boss's settling of the batch it was in, a `fail()` that
 * pg-boss sends without awaiting. Before, that rejection went unhandled and ended the process;
 * now subscribers are told, the item comes back on expiry once the server is back, and the job
 * is run and settled once.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createIncidentEngine } from '../agents/engine.js';
import type { EngineEvent, IncidentEngine } from '../agents/types.js';
import { openStore } from '../store/index.js';
import type { Store } from '../store/types.js';
import { eventually } from './helpers/clusterProcs.js';
import { createTestDatabase } from './helpers/pgDatabase.js';
import { unhandledRejections } from './helpers/rejections.js';
import { startPrivatePostgres } from './helpers/privatePostgres.js';

const test = suite('cluster: PostgreSQL away longer than the retries');

let server: Awaited<ReturnType<typeof startPrivatePostgres>> | undefined;
let store: Store | undefined;
let engine: IncidentEngine | undefined;
const rejections = unhandledRejections(test);

test.after(async () => {
  await engine?.stop();
  await store?.close();
  server?.stop();
});

test('the step and its batch give up without an unhandled rejection; the job runs again and settles once', async () => {
  server = await startPrivatePostgres();
  const db = await createTestDatabase('cluster_away', server.url);
  store = await openStore(db.url, { shared: true });
  let runs = 0;
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const gated = async () => {
    runs++;
    await gate;
  };
  engine = createIncidentEngine({ store, jobs: { gated }, cluster: { retryForSeconds: 1, expireInSeconds: 3, pollingIntervalSeconds: 0.5 } });
  const events: EngineEvent[] = [];
  engine.subscribe((event) => events.push(event));
  await engine.ready;
  const { queued, done } = engine.submit({ id: 'job_away', kind: 'gated', agent: 'agent-away' });
  await queued;
  await eventually(async () => (runs === 1 ? true : undefined), 30_000, 'the job running');

  server.halt();
  release();
  const said = () => events.flatMap((e) => (e.type === 'connection' ? [`${e.status}: ${e.error ?? ''}`] : []));
  const told = () => said().some((s) => s.includes('could not settle taken work items'));
  await eventually(async () => (told() || rejections.length > 0 ? true : undefined), 30_000, 'the batch given up');
  assert.equal(rejections.map(String), [], 'no unhandled rejection');
  assert.ok(told(), `told that the batch could not be settled (told: ${said().join(' | ')})`);

  server.resume();
  assert.is(await done, 'succeeded');
  const { rows } = await db.admin(`SELECT status, attempts FROM jobs WHERE id = 'job_away'`);
  assert.equal(rows.map((r) => r.status), ['succeeded']);
  assert.is(runs, 2, 'run again once: its first run never committed');
  assert.ok(said().includes('restored: '), `told of the restored connection (told: ${said().join(' | ')})`);
  assert.equal(rejections.map(String), []);
});

test.run();
