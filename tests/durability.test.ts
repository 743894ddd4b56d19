import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AuditEntry } from '../machines/types.js';
import { openStore } from '../store/index.js';
import type { Store } from '../store/types.js';

const CHILD = fileURLToPath(new URL('./helpers/durableChild.ts', import.meta.url));

type Line = { ready?: boolean; audit?: string; id?: string; ts?: string; meta?: Record<string, unknown>; decision?: string; done?: boolean; started?: number; restored?: Array<{ id: string; state: string | null }> };

/** The engine in its own process over `file`; lines are what it printed (each one committed). */
class Child {
  /** Children not yet exited: a failing test must not leave an engine running. */
  static readonly live = new Set<Child>();
  readonly lines: Line[] = [];
  readonly proc: ChildProcess;
  readonly exited: Promise<number | null>;
  private stderr = '';
  private waiters: Array<() => void> = [];

  constructor(file: string, ...args: string[]) {
    this.proc = spawn(process.execPath, ['--import', 'tsx', CHILD, file, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    let buffer = '';
    this.proc.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      buffer += chunk;
      for (let i = buffer.indexOf('\n'); i >= 0; i = buffer.indexOf('\n')) {
        this.lines.push(JSON.parse(buffer.slice(0, i)) as Line);
        buffer = buffer.slice(i + 1);
        for (const wake of this.waiters.splice(0)) wake();
      }
    });
    this.proc.stderr!.setEncoding('utf8').on('data', (chunk: string) => (this.stderr += chunk));
    Child.live.add(this);
    this.exited = new Promise((resolve) => this.proc.on('exit', (code) => {
      Child.live.delete(this);
      for (const wake of this.waiters.splice(0)) wake();
      resolve(code);
    }));
  }

  /** Resolves with the first printed line that matches, or fails after `ms`. */
  async waitFor(match: (line: Line) => boolean, ms = 15_000): Promise<Line> {
    const deadline = Date.now() + ms;
    for (;;) {
      const found = this.lines.find(match);
      if (found) return found;
      if (this.proc.exitCode !== null || Date.now() > deadline) {
        throw new Error(`child: no matching line (exit ${this.proc.exitCode}); printed:\n${this.lines.map((l) => JSON.stringify(l)).join('\n')}\nstderr:\n${this.stderr}`);
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.max(0, deadline - Date.now()));
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** A child started with --standby opens the store now. */
  go(): void {
    this.proc.stdin!.end('go\n');
  }

  async kill(): Promise<void> {
    this.proc.kill('SIGKILL');
    await this.exited;
  }
}

/**
 * A process and its replacement, both loaded (compiling takes seconds; a retry is due
 * in 1.5): the first is told to start, the second waits for go() after the kill.
 */
async function standbyPair(file: string, firstArgs: string[], secondArgs: string[]): Promise<[Child, Child]> {
  const first = new Child(file, ...firstArgs, '--standby');
  const second = new Child(file, ...secondArgs, '--standby');
  await Promise.all([first, second].map((child) => child.waitFor((l) => l.ready === true, 60_000)));
  first.go();
  return [first, second];
}

async function readStore<T>(file: string, read: (store: Store) => T): Promise<T> {
  const store = await openStore(file, { readonly: true });
  try {
    return read(store);
  } finally {
    await store.close();
  }
}
const allAudit = (store: Store): AuditEntry[] => store.queryAudit({ limit: 100_000 }).rows;

function tempStore(): { file: string; cleanup: () => Promise<void> } {
  const dir = mkdtempSync(join(tmpdir(), 'incident-flow-durability-'));
  const cleanup = async () => {
    await Promise.all([...Child.live].map((child) => child.kill()));
    rmSync(dir, { recursive: true, force: true });
  };
  return { file: join(dir, 'engine.json'), cleanup };
}

/** Every audit id once: nothing written twice. */
function assertUniqueIds(entries: AuditEntry[]): void {
  const ids = entries.map((e) => e.id);
  assert.is(new Set(ids).size, ids.length, 'an audit entry was written twice');
}

// ---------------------------------------------------------------------------
const Restart = suite('durability: SIGKILL and restart of a real engine process on a store file');

Restart('a retry pending when the process dies fires at its original due time after the restart', async () => {
  const { file, cleanup } = tempStore();
  try {
    // Both load at once; the replacement opens the store only once told to, after the kill.
    const [first, second] = await standbyPair(file, ['retry'], ['retry']);
    const failed = await first.waitFor((l) => l.audit === 'incident.retry' && l.meta?.attempt === 1);
    assert.is(failed.meta!.outcome, 'failed');
    await first.kill();
    assert.not.ok(first.lines.some((l) => l.done), 'the first process finished before the kill');

    // What the dead process left on disk: the incident waiting for retry 2, its deadline armed.
    const before = await readStore(file, (store) => ({
      incident: store.list('incidents')[0],
      deadlines: store.list('deadlines'),
      audit: allAudit(store),
    }));
    assert.is(before.incident.state, 'retrying.waiting');
    const retry = before.deadlines.find((d) => d.kind === 'retry' && d.incidentId === before.incident.id);
    assert.ok(retry, 'the retry deadline is in the store');
    assert.is(retry.dueAt, Date.parse(failed.ts!) + 1_500);
    const written = first.lines.filter((l) => l.audit).map((l) => l.id);
    assert.equal(before.audit.map((e) => e.id), written, 'the file holds exactly what the process reported as committed');

    second.go();
    const started = await second.waitFor((l) => l.started !== undefined);
    assert.equal(started.restored, [{ id: before.incident.id, state: 'retrying.waiting' }]);
    assert.ok(Date.now() < retry.dueAt, 'the restart came after the due time: nothing to check');
    await second.waitFor((l) => l.done === true);
    assert.is(await second.exited, 0);

    const after = await readStore(file, (store) => ({ incident: store.get('incidents', before.incident.id)!, audit: allAudit(store), deadlines: store.list('deadlines') }));
    // The pending retry fired at the due time the first process armed (not early, not restarted).
    const retries = after.audit.filter((e) => e.action === 'incident.retry');
    assert.equal(retries.map((e) => e.meta.attempt), [1, 2, 3]);
    const late = Date.parse(retries[1].ts) - retry.dueAt;
    assert.ok(late >= 0 && late < 400, `retry 2 ran ${late} ms after its original due time`);
    const late3 = Date.parse(retries[2].ts) - (Date.parse(retries[1].ts) + 3_000);
    assert.ok(late3 >= 0 && late3 < 400, `retry 3 ran ${late3} ms after its due time`);
    // The incident resumed where it was and auto-resolved on retry 3.
    assert.equal([after.incident.status, after.incident.autoResolved, after.incident.retries.map((r) => r.outcome)], ['closed', true, ['failed', 'failed', 'succeeded']]);
    // No audit entry lost or written twice; the first run's entries are untouched.
    assertUniqueIds(after.audit);
    assert.equal(after.audit.slice(0, before.audit.length), before.audit);
    assert.equal(after.audit.map((e) => e.action), [
      'job.failed', 'incident.detected',
      'job.failed', 'incident.retry',
      // ---- killed and restarted here ----
      'job.failed', 'incident.retry',
      'incident.retry', 'incident.resolved', 'incident.closed',
    ]);
    assert.equal(after.audit.filter((e) => e.action === 'job.failed').map((e) => e.meta.attempt), [0, 1, 2]);
    assert.equal(after.deadlines.filter((d) => d.incidentId === before.incident.id), []);
  } finally {
    await cleanup();
  }
});

Restart('a decision waiting for a person survives the restart; answered in the new process, the incident closes', async () => {
  const { file, cleanup } = tempStore();
  try {
    const [first, second] = await standbyPair(file, ['decision'], ['decision', 'decide']);
    const requested = await first.waitFor((l) => l.decision !== undefined);
    await first.waitFor((l) => l.audit === 'incident.decision_requested');
    await first.kill();

    const before = await readStore(file, (store) => ({ incident: store.list('incidents')[0], decisions: store.list('decisions'), audit: allAudit(store), deadlines: store.list('deadlines') }));
    assert.is(before.incident.state, 'executive.awaitingDecision');
    assert.equal(before.decisions.map((d) => [d.id, d.status]), [[requested.decision, 'pending']]);
    assert.ok(before.deadlines.some((d) => d.kind === 'decision'), 'the decision timeout is armed in the store');

    second.go();
    const started = await second.waitFor((l) => l.started !== undefined);
    assert.equal(started.restored, [{ id: before.incident.id, state: 'executive.awaitingDecision' }]);
    await second.waitFor((l) => l.done === true);
    assert.is(await second.exited, 0);

    const after = await readStore(file, (store) => ({
      incident: store.get('incidents', before.incident.id)!,
      decision: store.get('decisions', requested.decision!)!,
      audit: allAudit(store),
      reviews: store.list('kb_documents').filter((d) => d.tags.includes('post-incident-review')),
    }));
    assert.equal([after.decision.status, after.decision.by], ['approved', 'ops']);
    assert.equal([after.incident.status, after.incident.severity, after.incident.reviewId], ['closed', 'P0', after.reviews[0]?.id]);
    assertUniqueIds(after.audit);
    assert.equal(after.audit.slice(0, before.audit.length), before.audit);
    const actions = after.audit.map((e) => e.action);
    const once = ['incident.detected', 'incident.assigned', 'incident.triage', 'incident.coordinated', 'incident.decision_requested', 'incident.decision', 'incident.resolved', 'incident.review_published', 'incident.closed'];
    for (const action of once) assert.is(actions.filter((a) => a === action).length, 1, `${action} ×${actions.filter((a) => a === action).length}`);
    assert.equal(actions.slice(before.audit.length), ['incident.decision', 'incident.resolved', 'incident.review_commissioned', 'incident.review_published', 'incident.closed']);
    assert.equal(after.audit.find((e) => e.action === 'incident.decision')!.meta.by, 'ops');
  } finally {
    await cleanup();
  }
});

Restart.run();
