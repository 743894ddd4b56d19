/**
 * The engine as a real process for tests/durability.test.ts: a lowdb store file, the
 * real clock, short policy delays, and a job runner registered by kind so retries find
 * it after a restart. It prints one JSON line per audit entry once the store has
 * committed it, so the parent knows what is on disk when it kills the process.
 *
 *   node --import tsx tests/helpers/durableChild.ts <store.json> <scenario> [decide] [--standby]
 *
 * scenario "retry":    an invoice job that fails on its first run and retries 1 and 2,
 *                      and succeeds on retry 3.
 * scenario "decision": a P0 needing a rollback decision; with "decide", the pending
 *                      decision is approved by "ops" as soon as the engine is back.
 * With --standby it loads everything, prints {"ready":true} and opens the store only when
 * a line arrives on stdin: a restart as fast as a supervisor's, not as slow as a compile.
 * The process exits once every incident is closed.
 */
import { createIncidentEngine } from '../../agents/engine.js';
import { RealClock } from '../../agents/realClock.js';
import type { EngineOptions } from '../../agents/types.js';
import { openStore } from '../../store/index.js';

const [file, scenario, action] = process.argv.slice(2).filter((arg) => arg !== '--standby');
if (process.argv.includes('--standby')) {
  process.stdout.write(`${JSON.stringify({ ready: true })}\n`);
  await new Promise((resolve) => process.stdin.once('data', resolve));
  process.stdin.pause();
}
const store = await openStore(file);
const clock = new RealClock();
let commits: Promise<void> = Promise.resolve();
const print = (line: Record<string, unknown>) => {
  // After the commit that holds it: a line printed is a line on disk.
  commits = commits.then(() => store.flush()).then(() => void process.stdout.write(`${JSON.stringify(line)}\n`));
};

const options: EngineOptions = {
  store,
  clock,
  config: { RETRY_DELAYS_MS: [0, 1_500, 3_000], DECISION_TIMEOUT_MS: 10 * 60_000, ACK_TIMEOUT_MS: 10 * 60_000 },
  jobs: {
    invoices: ({ attempt }) => {
      if (attempt < 3) throw new Error(`invoice API 503 on run ${attempt}`);
    },
    rollout: () => {
      throw new Error('database down');
    },
  },
  responders: { cheryl: { ack: 20 }, petra: { ack: 20 }, atlas: { ack: 20 } },
  tenants: [{ id: 'acme', admin: 'ops@acme.test' }],
  agents: [{ id: 'billing', tenant: 'acme', workflows: ['invoice-run'] }],
  onFix: (incident, owner) => void clock.setTimeout(() => engine.resolve(incident.id, { by: owner, note: 'fix applied' }), 200),
};
const engine = createIncidentEngine(options);

engine.subscribe((event) => {
  if (event.type === 'audit') print({ audit: event.entry.action, id: event.entry.id, ts: event.entry.ts, meta: event.entry.meta });
  if (event.type === 'incident' && event.incident.status === 'closed') void finishWhenAllClosed();
  if (event.type === 'decision' && event.decision.status === 'pending') print({ decision: event.decision.id });
});

async function finishWhenAllClosed(): Promise<void> {
  if (store.list('incidents').some((i) => i.status !== 'closed')) return;
  // Let the closing transition's effects land, then stop cleanly.
  await new Promise((resolve) => setTimeout(resolve, 50));
  print({ done: true });
  await commits;
  await engine.stop();
  await store.close();
  process.exit(0);
}

// What the restore brought back.
const open = store.list('incidents').filter((i) => i.status !== 'closed');
print({ started: process.pid, restored: open.map((i) => ({ id: i.id, state: engine.stateOf(i.id) })) });

if (open.length === 0 && store.list('jobs').length === 0) {
  if (scenario === 'retry') engine.submit({ agent: 'billing', workflow: 'invoice-run', kind: 'invoices', impact: { kind: 'cosmetic' } });
  else engine.submit({ agent: 'billing', workflow: 'invoice-run', kind: 'rollout', impact: { kind: 'platform-down', decision: 'rollback' }, retryable: () => false });
}
if (action === 'decide') {
  for (const decision of engine.pendingDecisions()) engine.decide(decision.id, 'approve', 'ops');
}
