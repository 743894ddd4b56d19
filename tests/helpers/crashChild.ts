/**
 * The engine in a process of its own for tests/crashKill.test.ts: a lowdb store file, the
 * real clock, short policy delays, and work without pause. Each step submits one to three
 * jobs (some succeed, some fail once and auto-resolve on retry, some keep failing and open
 * incidents that Cheryl triages and their owner fixes), writes a 512 KB `ballast` meta value
 * (so the row journal outgrows its 4 MB floor and is folded into the state file every 8 or
 * so commits, as a long-running engine's is), calls `store.flush()` and, once it resolves,
 * tells the parent which audit rows and table rows that flush covered.
 *
 * Started by the test from a bundle (tests/helpers/bundle.ts) with plain node and an IPC
 * channel: `fork(bundle, [storeFile, JSON.stringify(plan)])`. The plan's `kill`, when it
 * is not the parent's, names the moment this process SIGKILLs itself:
 *   submit      right after the n-th `engine.submit()` returns (before its commit)
 *   audit       inside the n-th audit log append, after `cut` of its bytes
 *   journal     inside the n-th row journal append, after `cut` of its bytes
 *   foldWrite   inside the n-th write of a new state file (a fold), after `cut` of its bytes
 *   foldRename  just before the n-th new state file is renamed over the old one
 *   foldCut     just after that rename, before the folded journal is emptied
 * found by wrapping node:fs/promises' `open` and `rename` and FileHandle's `writev` (the
 * store's code is unchanged). With `drain`, it submits nothing and exits once every job has
 * settled and every incident is closed.
 *
 * Messages: {started, restored: [{id, state}]} once the store is open and the engine has
 * restored; {acked: {audit, rows}} after each flush; {missed} if the kill point never came;
 * {drained} before a clean exit. It exits when the parent goes away (IPC disconnect).
 */
import { existsSync } from 'node:fs';
import fsp from 'node:fs/promises';
import { syncBuiltinESMExports } from 'node:module';
import { createIncidentEngine } from '../../agents/engine.js';
import { RealClock } from '../../agents/realClock.js';
import { createRandom } from '../../sim/random.js';
import { openStore, storeFiles } from '../../store/index.js';

export type KillAt = 'submit' | 'audit' | 'journal' | 'foldWrite' | 'foldRename' | 'foldCut';
export interface CrashPlan {
  seed: number;
  /** Where this process kills itself (null: the parent kills it, or, with drain, nobody). */
  kill: { at: KillAt; n: number; cut: number } | null;
  drain: boolean;
}
export type CrashMessage =
  | { started: number; restored: Array<{ id: string; state: string | null }> }
  | { acked: { audit: string[]; rows: Array<[string, string]> } }
  | { missed: string }
  | { drained: true };

const [file, planText] = process.argv.slice(2);
const plan = JSON.parse(planText) as CrashPlan;
const send = (message: CrashMessage) => process.send?.(message);
// The test is gone (it failed, or was killed): so is this engine.
process.on('disconnect', () => process.exit(0));

function die(): never {
  process.kill(process.pid, 'SIGKILL');
  for (;;); // not reached: SIGKILL to oneself is delivered before kill() returns
}

if (plan.kill && plan.kill.at !== 'submit') await armKill(plan.kill);

const store = await openStore(file);
const clock = new RealClock();
const engine = createIncidentEngine({
  store,
  clock,
  config: { RETRY_DELAYS_MS: [0, 20, 40], ACK_TIMEOUT_MS: 10 * 60_000 },
  jobs: {
    fine: () => undefined,
    flaky: ({ attempt }) => {
      if (attempt === 0) throw new Error('upstream 503');
    },
    broken: () => {
      throw new Error('schema mismatch');
    },
  },
  responders: { cheryl: { ack: 5 }, petra: { ack: 5 }, atlas: { ack: 5 } },
  tenants: [{ id: 'acme', admin: 'ops@acme.test' }],
  agents: ['billing', 'mailer', 'reporter'].map((id) => ({ id, tenant: 'acme', workflows: ['run'] })),
  // The owner's fix is in 30 ms after they start on it (and again after a restart).
  onFix: (incident) => void clock.setTimeout(() => {
    try {
      engine.resolve(incident.id, { by: 'owner', note: 'fixed' });
    } catch {
      // Resolved meanwhile: nothing to do.
    }
  }, 30),
});

const pending = { audit: [] as string[], rows: [] as Array<[string, string]> };
engine.subscribe((event) => {
  if (event.type === 'audit') pending.audit.push(event.entry.id);
  if (event.type === 'incident') pending.rows.push(['incidents', event.incident.id]);
});
const restored = store.list('incidents').filter((i) => i.status !== 'closed').map((i) => ({ id: i.id, state: engine.stateOf(i.id) }));
send({ started: process.pid, restored });

/** Flushes, then reports what the flush covered: every mutation made before it was called. */
async function flushAndReport(): Promise<void> {
  const acked = { audit: pending.audit.splice(0), rows: pending.rows.splice(0) };
  await store.flush();
  send({ acked });
}
const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

if (plan.drain) {
  const settled = () =>
    store.list('incidents').every((i) => i.status === 'closed') && store.list('jobs').every((j) => j.status === 'succeeded' || j.status === 'failed');
  while (!settled()) {
    await flushAndReport();
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  await flushAndReport();
  await engine.stop();
  await store.close();
  send({ drained: true });
  process.disconnect();
} else {
  const random = createRandom(plan.seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];
  let submits = 0;
  for (let step = 0; ; step++) {
    for (let jobs = 1 + Math.floor(random() * 3); jobs > 0; jobs--) {
      const kind = pick(['fine', 'fine', 'flaky', 'broken'] as const);
      const { jobId } = engine.submit({
        agent: pick(['billing', 'mailer', 'reporter']),
        workflow: 'run',
        kind,
        // Six fingerprints: later failures join an open incident, or open a new one once it closed.
        rootCause: `cause-${Math.floor(random() * 6)}`,
        impact: { kind: 'feature-broken' },
      });
      pending.rows.push(['jobs', jobId]);
      if (plan.kill?.at === 'submit' && ++submits === plan.kill.n) die();
    }
    store.setMeta('ballast', `${plan.seed}:${step}:`.padEnd(512 * 1024, 'x'));
    await flushAndReport();
    await turn();
    if (plan.kill && step === 2_000) {
      send({ missed: `no ${plan.kill.at} #${plan.kill.n} in 2,000 steps` });
      process.exit(1);
    }
  }
}

/**
 * Wraps the file calls the store makes so that the plan's moment SIGKILLs this process:
 * `open` to know which file a handle writes, `writev` to cut a write short, `rename` for
 * the moment a fold replaces the state file.
 */
async function armKill(kill: NonNullable<CrashPlan['kill']>): Promise<void> {
  const files = storeFiles(file);
  const target = { audit: files.audit, journal: files.journal, foldWrite: files.tmp } as Record<KillAt, string | undefined>;
  const paths = new WeakMap<object, string>();
  let seen = 0;
  const open = fsp.open;
  fsp.open = (async (...args: Parameters<typeof fsp.open>) => {
    const handle = await open(...args);
    paths.set(handle, String(args[0]));
    return handle;
  }) as typeof fsp.open;
  const probe = await open(process.execPath, 'r');
  const proto = Object.getPrototypeOf(probe) as { writev(buffers: Buffer[], position?: number): Promise<{ bytesWritten: number; buffers: Buffer[] }> };
  await probe.close();
  const writev = proto.writev;
  // A new store's first state file (written once, before any journal) is not a fold.
  const counts = (path: string | undefined) => path !== undefined && (path !== files.tmp || existsSync(files.state));
  proto.writev = async function (this: object, buffers: Buffer[], position?: number) {
    const path = paths.get(this);
    if (path !== target[kill.at] || !counts(path) || ++seen !== kill.n) return writev.call(this, buffers, position);
    // A torn write: the first `cut` of the bytes land, then the process dies.
    const bytes = Buffer.concat(buffers);
    await writev.call(this, [bytes.subarray(0, Math.floor(bytes.length * kill.cut))], position);
    die();
  };
  const rename = fsp.rename;
  fsp.rename = (async (from: Parameters<typeof fsp.rename>[0], to: Parameters<typeof fsp.rename>[1]) => {
    const fold = String(from) === files.tmp && counts(files.tmp) && (kill.at === 'foldRename' || kill.at === 'foldCut');
    if (fold && ++seen === kill.n && kill.at === 'foldRename') die();
    await rename(from, to);
    if (fold && seen === kill.n) die();
  }) as typeof fsp.rename;
  // `import { open } from 'node:fs/promises'` in the store's modules now sees the wrappers.
  syncBuiltinESMExports();
}
