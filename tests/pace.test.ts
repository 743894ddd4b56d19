import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer, Server, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { EXIT, main } from '../sim/cli.js';
import { UNFINISHED } from '../sim/rehearse.js';
import { openStore } from '../store/index.js';

/**
 * `run --watch --speed X`: virtual time follows the wall clock at X, every wait (a decision
 * window included) lasting its virtual length divided by X, and an answer given in the page
 * stamped with the paced "now". Only ratios of real durations are checked, never absolute times.
 */
const FIXTURES = fileURLToPath(new URL('./fixtures/scenarios/', import.meta.url));

interface Watched {
  /** Resolves with the watcher's URL once it serves the run. */
  url: Promise<string>;
  /** Resolves with the exit code after the run is over and the watcher was interrupted. */
  done: Promise<number>;
  /** Resolves once the run is over, the watcher still up. */
  over: Promise<void>;
  /** What the command wrote to stderr so far. */
  stderr: { text: string };
  /** performance.now() when the watcher started, and when the run was over. */
  times: { started: number; over: number };
}

/**
 * `incident-flow run <file> --watch` in this process; it is interrupted (SIGINT) as soon as the
 * run is over, unless `interrupt` is false (the caller then sends it, once it has read the page).
 */
function watchRun(file: string, speed: number, out: string, interrupt = true, more: string[] = []): Watched {
  const times = { started: NaN, over: NaN };
  let served: (url: string) => void = () => {};
  const url = new Promise<string>((resolve) => (served = resolve));
  let ended: () => void = () => {};
  const over = new Promise<void>((resolve) => (ended = resolve));
  const stderr = { text: '' };
  const done = main(['run', join(FIXTURES, file), '--watch', '--speed', String(speed), '--out', out, ...more], {
    out: () => {},
    interactive: false,
    err: (text) => {
      stderr.text += text;
      const started = /^Agent Watcher: (\S+)/.exec(text);
      if (started) {
        times.started = performance.now();
        served(started[1]);
      }
      if (text.startsWith('The run is over')) {
        times.over = performance.now();
        ended();
        if (interrupt) setImmediate(() => process.emit('SIGINT'));
      }
    },
  });
  return { url, done, over, stderr, times };
}

const Pace = suite('run --watch: live pacing');
let dir = '';
Pace.before.each(() => void (dir = mkdtempSync(join(tmpdir(), 'incident-flow-pace-'))));
Pace.after.each(() => rmSync(dir, { recursive: true, force: true }));

Pace('a run lasts its virtual length divided by the speed: 4× the speed, a quarter of the time', async () => {
  // One virtual minute of quiet before the failure: 6 s at 10×, 1.5 s at 40×. A wait is never cut short.
  const fast = watchRun('paced-gap.yaml', 40, join(dir, 'fast'));
  assert.is(await fast.done, EXIT.pass);
  const slow = watchRun('paced-gap.yaml', 10, join(dir, 'slow'));
  assert.is(await slow.done, EXIT.pass);
  const ratio = (slow.times.over - slow.times.started) / (fast.times.over - fast.times.started);
  assert.ok(ratio > 3.5 && ratio < 4.5, `real durations at 10× and 40× should be 4:1, got ${ratio.toFixed(2)}:1 (${JSON.stringify([slow.times, fast.times])})`);
});

Pace('a run with a horizon is paced up to it, and the page\'s clock stops at the run\'s end, the report\'s', async () => {
  // The failure settles at once; then a virtual minute of quiet up to `until`: a second at 60×.
  const run = watchRun('paced-until.yaml', 60, dir, false);
  const page = new URL(await run.url);
  await run.over;
  let session: { virtualTime: { now: number; speed: number } };
  try {
    session = await (await fetch(`${page.origin}/app/watcher/api/session`, { headers: { 'X-Watcher-Token': page.searchParams.get('token')! } })).json();
  } finally {
    process.emit('SIGINT');
  }
  assert.is(await run.done, EXIT.pass);
  const report = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as { end: string };
  assert.is(report.end, '2026-03-02T10:01:00.000Z', 'the run ends at its horizon');
  const lasted = run.times.over - run.times.started;
  assert.ok(lasted > 800, `a virtual minute at 60× lasts a second of real time, it lasted ${lasted.toFixed(0)} ms`);
  assert.equal(session.virtualTime, { now: Date.parse(report.end), speed: 0 }, 'the page\'s clock stopped at the run\'s end');
});

Pace('Ctrl-C before the run\'s end stops it: exit 130, the store closed and left incomplete, no report, the watcher down', async () => {
  // What an earlier run left there: it must not stay beside a store this run leaves incomplete.
  for (const name of ['report.json', 'junit.xml']) writeFileSync(join(dir, name), 'an earlier run\'s\n');
  // A virtual minute of quiet at 1×: a minute of real time unless interrupted.
  const run = watchRun('paced-gap.yaml', 1, dir, false);
  const page = new URL(await run.url);
  await new Promise((r) => setTimeout(r, 300));
  const before = performance.now();
  process.emit('SIGINT');
  assert.is(await run.done, EXIT.interrupted);
  assert.ok(performance.now() - before < 5000, 'the run stopped at once, not at its end');
  assert.match(run.stderr.text, /incident-flow: interrupted at virtual time 2026-03-02T10:00:0\d\.\d{3}Z: .*store\.json is left incomplete \(`report` says so; `run` replaces it\), report\.json and junit\.xml were not written\.\n$/);
  assert.not.ok(existsSync(join(dir, 'report.json')), 'no report.json, not even the earlier run\'s');
  assert.not.ok(existsSync(join(dir, 'junit.xml')), 'no junit.xml, not even the earlier run\'s');
  assert.not.ok(existsSync(join(dir, 'store.json.lock')), 'the store was closed: its lock is gone');
  const down = await fetch(`${page.origin}/app/watcher/api/session`).then(() => false, () => true);
  assert.ok(down, 'the watcher is down');
  const store = await openStore(join(dir, 'store.json'), { readonly: true });
  assert.ok(store.getMeta(UNFINISHED), 'the store says the rehearsal did not finish');
  await store.close();
});

Pace('a --port in use is refused before the store is opened: exit 2 naming it, nothing written, no stack', async () => {
  const taken = createServer();
  await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
  const { port } = taken.address() as AddressInfo;
  try {
    let err = '';
    const out = join(dir, 'out');
    const code = await main(['run', join(FIXTURES, 'paced-gap.yaml'), '--watch', '--port', String(port), '--out', out], { out: () => {}, err: (t) => void (err += t), interactive: false });
    assert.is(code, EXIT.invalid, err);
    assert.is(err, `watcher: cannot listen on 127.0.0.1:${port}: listen EADDRINUSE: address already in use 127.0.0.1:${port} (choose another --port, or stop what uses it)\n`);
    assert.not.ok(existsSync(out), 'nothing written');
  } finally {
    await new Promise<void>((resolve) => taken.close(() => resolve()));
  }
});

Pace('a --port free as the run starts stays its own: nothing can take it before the watcher serves there', async () => {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  // The first server on that port to close hands it to another program at once, before its
  // close() returns: a port checked free and let go before the watcher bound it was lost so,
  // and the user was told to change options.port, a library option, not the --port typed.
  const close = Server.prototype.close;
  let taker: Server | null = null;
  Server.prototype.close = function (this: Server, callback?: (error?: Error) => void) {
    const address = this.address();
    if (taker || typeof address !== 'object' || address?.port !== port) return close.call(this, callback);
    close.call(this);
    taker = createServer();
    taker.listen(port, '127.0.0.1', () => callback?.());
    return this;
  };
  try {
    const run = watchRun('paced-gap.yaml', 600, dir, true, ['--port', String(port)]);
    const code = await run.done;
    assert.not.match(run.stderr.text, 'cannot listen');
    assert.is(code, EXIT.pass, run.stderr.text);
    assert.is(new URL(await run.url).port, String(port));
  } finally {
    Server.prototype.close = close;
    const left = taker as Server | null;
    if (left) await new Promise<void>((resolve) => left.close(() => resolve()));
  }
});

Pace('an answer given in the page is stamped with the paced "now", and the page reads virtual time ticking', async () => {
  const speed = 600; // ten virtual minutes per real second
  const run = watchRun('paced-decision.yaml', speed, dir);
  const page = new URL(await run.url);
  const token = page.searchParams.get('token')!;
  const api = async (path: string, init?: RequestInit) => (await fetch(`${page.origin}/app/watcher/api/${path}`, init)).json();

  let pending: Array<{ id: string; requestedAt: string }> = [];
  while (pending.length === 0) {
    pending = (await api('decisions')).rows;
    if (pending.length === 0) await new Promise((r) => setTimeout(r, 20));
  }
  const seen = performance.now();
  // The page's clock: virtual time moves `speed` times faster than the wall clock.
  const first = (await api('session')).virtualTime;
  const firstAt = performance.now();
  await new Promise((r) => setTimeout(r, 400));
  const second = (await api('session')).virtualTime;
  const rate = (second.now - first.now) / (performance.now() - firstAt);
  assert.is(second.speed, speed);
  assert.ok(rate > speed * 0.8 && rate < speed * 1.2, `virtual ms per real ms: ${rate.toFixed(0)}`);

  const answer = await api(`decisions/${pending[0].id}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'X-Watcher-Token': token },
    body: JSON.stringify({ answer: 'approve', by: 'Dana' }),
  });
  const waitedReal = performance.now() - seen;
  assert.ok(answer.ok, JSON.stringify(answer));
  const waitedVirtual = Date.parse(answer.decision.answeredAt) - Date.parse(pending[0].requestedAt);
  // At least the real time between seeing the decision and answering it, times the speed; the
  // last event before the answer was the request itself, so an unpaced stamp would say 0.
  assert.ok(waitedVirtual >= waitedReal * speed * 0.9, `answered ${waitedVirtual / 1000} virtual s after the request, expected ≥ ${(waitedReal * speed) / 1000}`);
  assert.ok(waitedVirtual <= (waitedReal + 1000) * speed, `answered ${waitedVirtual / 1000} virtual s after the request`);

  assert.is(await run.done, EXIT.pass);
  const store = await openStore(join(dir, 'store.json'), { readonly: true });
  const [audit] = store.queryAudit({ action: 'incident.decision' }).rows;
  assert.is(audit.ts, answer.decision.answeredAt, 'the audit entry carries the same instant');
  assert.is(audit.meta.by, 'Dana', 'who answered');
  await store.close();
});

Pace('once the run is over, a decision still waiting is shown but cannot be answered: the page says why, the answer is refused, nothing is audited', async () => {
  let over: () => void = () => {};
  const ended = new Promise<void>((resolve) => (over = resolve));
  let served: (url: string) => void = () => {};
  const url = new Promise<string>((resolve) => (served = resolve));
  const done = main(['run', join(FIXTURES, 'paced-decision-over.yaml'), '--watch', '--speed', '600', '--out', dir], {
    out: () => {},
    interactive: false,
    err: (text) => {
      const started = /^Agent Watcher: (\S+)/.exec(text);
      if (started) served(started[1]);
      if (text.startsWith('The run is over')) over();
    },
  });
  const page = new URL(await url);
  await ended;
  const api = async (path: string, init?: RequestInit) => {
    const res = await fetch(`${page.origin}/app/watcher/api/${path}`, init);
    return { status: res.status, body: await res.json() };
  };
  const reason = 'the run is over and its engine has stopped: decisions can no longer be answered';
  try {
    const { body: decisions } = await api('decisions');
    assert.is(decisions.rows.length, 1, 'the decision is still shown');
    assert.equal([decisions.canDecide, decisions.closed], [false, reason]);
    const { body: session } = await api('session');
    assert.equal([session.canDecide, session.decisionsClosed], [false, reason]);
    const answer = await api(`decisions/${decisions.rows[0].id}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Watcher-Token': page.searchParams.get('token')! },
      body: JSON.stringify({ answer: 'approve', by: 'Dana' }),
    });
    assert.equal([answer.status, answer.body.error], [409, `watcher: ${reason}`]);
  } finally {
    process.emit('SIGINT');
  }
  assert.is(await done, EXIT.pass);
  const store = await openStore(join(dir, 'store.json'), { readonly: true });
  assert.equal(store.queryAudit({ action: 'incident.decision' }).rows, []);
  assert.is(store.list('decisions')[0].status, 'pending');
  await store.close();
});

Pace.run();
