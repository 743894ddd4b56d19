/**
 * One engine process of the cluster tests (tests/cluster*.test.ts), forked with an IPC
 * channel: a PostgreSQL store opened `shared`, the real clock, short retry delays and
 * acknowledgement latencies, a registered job kind that always fails with its input's
 * message, and an onFix hook that resolves at once (a developer who fixes everything).
 *
 *   fork('tests/helpers/clusterChild.ts', [url, name], { execArgv: ['--import', 'tsx'] })
 *
 * Parent → child: {cmd:'submit', jobs:[{id, agent, workflow, message, impact}]}, {cmd:'decide',
 * id, answer}, {cmd:'hold'} (job runs from then on never end), {cmd:'stop'}. Child → parent:
 * {ev:'ready'}, {ev:'queued', jobId} once the job is committed, {ev:'decided', id, ok, error},
 * {ev:'connection', status}, {ev:'running'} (a held run began), {ev:'stopped'}.
 */
import { createIncidentEngine } from '../../agents/engine.js';
import type { ImpactAssessment } from '../../machines/types.js';
import { openStore } from '../../store/index.js';

const [url, name] = process.argv.slice(2);
// The parent may have gone (the test ended, or killed this process's peer): nothing to tell then.
const send = (message: Record<string, unknown>) => { if (process.connected) process.send?.({ name, ...message }, undefined, undefined, () => undefined); };
// Without its parent (a test that failed or crashed) this process must not linger: it would
// keep the test run's output pipe open and hold the database.
process.on('disconnect', () => process.exit(0));
const store = await openStore(url, { shared: true });
let hold = false;
const engine = createIncidentEngine({
  store,
  config: { RETRY_DELAYS_MS: [0, 100, 200] },
  jobs: {
    fail: async ({ input }) => {
      // Told to hold: a run that never ends, so the process surely holds a taken item when killed.
      if (hold) {
        send({ ev: 'running' });
        await new Promise(() => {});
      }
      throw new Error((input as { message: string }).message);
    },
  },
  responders: { cheryl: { capacity: 3, ack: 20 }, petra: { capacity: 2, ack: 20 }, atlas: { capacity: 2, ack: 20 } },
  onFix: (incident, owner) => void (engine.resolve(incident.id, { by: owner }) as Promise<void>).catch(() => undefined),
  cluster: { expireInSeconds: 3, pollingIntervalSeconds: 0.5, batchSize: 20, workers: 2, poolSize: 6 },
});
engine.subscribe((e) => e.type === 'connection' && send({ ev: 'connection', status: e.status }));
await engine.ready;
send({ ev: 'ready' });

type Job = { id: string; agent: string; workflow: string; message: string; impact: Partial<ImpactAssessment> };
process.on('message', (msg: { cmd: string; jobs?: Job[]; id?: string; answer?: 'approve' | 'deny' }) => {
  if (msg.cmd === 'submit') {
    for (const job of msg.jobs ?? []) {
      const { queued } = engine.submit({ id: job.id, kind: 'fail', agent: job.agent, workflow: job.workflow, input: { message: job.message }, impact: job.impact });
      void queued?.then(() => send({ ev: 'queued', jobId: job.id }));
    }
  } else if (msg.cmd === 'decide') {
    Promise.resolve(engine.decide(msg.id!, msg.answer!, name)).then(
      () => send({ ev: 'decided', id: msg.id, ok: true }),
      (error: Error) => send({ ev: 'decided', id: msg.id, ok: false, error: `${error.name}: ${error.message}` }),
    );
  } else if (msg.cmd === 'hold') {
    hold = true;
  } else if (msg.cmd === 'stop') {
    void engine.stop().then(() => store.close()).then(() => {
      send({ ev: 'stopped' });
      process.disconnect();
    });
  }
});
