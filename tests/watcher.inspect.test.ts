import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createWebSocketInspector } from '@statelyai/inspect';
import WebSocket from 'ws';
import { createActor, createMachine } from 'xstate';
import { formatValue } from '../watcher/inspection.js';
import { startWatcher, type WatcherServer } from '../watcher/server.js';
import { createFakeStore } from './watcher.fakes.js';

/** The watcher as the receiving end of @statelyai/inspect's WebSocket inspector. */

const inspect = suite<{ watcher: WatcherServer }>('watcher inspection', {} as { watcher: WatcherServer });

inspect.before.each(async (ctx) => {
  ctx.watcher = await startWatcher({ store: createFakeStore() });
});
inspect.after.each(async (ctx) => ctx.watcher.close());

const toggle = createMachine({
  id: 'door',
  initial: 'closed',
  states: {
    closed: { on: { open: 'opened' } },
    opened: { initial: 'ajar', states: { ajar: { on: { push: 'wide' } }, wide: {} }, on: { close: 'closed' } },
  },
});

async function until<T>(read: () => Promise<T>, ok: (v: T) => boolean, ms = 3000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const value = await read();
    if (ok(value) || Date.now() > end) return value;
    await new Promise((r) => setTimeout(r, 25));
  }
}

inspect('shows a real XState actor reported by createWebSocketInspector, with its state and last events', async ({ watcher }) => {
  const inspector = createWebSocketInspector({ url: watcher.inspectUrl });
  const actor = createActor(toggle, { inspect: inspector.inspect }).start();
  try {
    actor.send({ type: 'open' });
    actor.send({ type: 'push' });
    const rows = await until(
      async () => ((await (await fetch(`http://127.0.0.1:${watcher.port}/app/watcher/api/inspected`)).json()) as { rows: any[] }).rows,
      (rows) => rows.some((a) => a.value === 'opened.wide'),
    );
    const door = rows.find((a) => a.name === 'door');
    assert.ok(door, 'the actor is listed under its machine id');
    assert.is(door.value, 'opened.wide');
    assert.is(door.status, 'active');
    assert.equal(door.events.map((e: { type: string }) => e.type).slice(-2), ['open', 'push']);
  } finally {
    actor.stop();
    inspector.stop();
  }
});

const PROGRAM = fileURLToPath(new URL('./helpers/inspectedProgram.ts', import.meta.url));

/** Starts tests/helpers/inspectedProgram.ts as its own process, streaming machine `id` to the watcher. */
async function program(url: string, id: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', PROGRAM, url, id], { stdio: ['pipe', 'pipe', 'inherit'] });
  await once(child.stdout!, 'data');
  return child;
}

inspect('two programs streaming at once are both listed (each root actor is x:0); a closed connection marks its actors stopped', async ({ watcher }) => {
  const inspected = async () => ((await (await fetch(`http://127.0.0.1:${watcher.port}/app/watcher/api/inspected`)).json()) as { rows: any[] }).rows;
  const [alpha, beta] = await Promise.all([program(watcher.inspectUrl, 'alpha'), program(watcher.inspectUrl, 'beta')]);
  try {
    const both = await until(inspected, (rows) => ['alpha', 'beta'].every((n) => rows.some((a) => a.name === n && a.value === 'running')), 10_000);
    const byName = (rows: any[], n: string) => rows.find((a) => a.name === n);
    assert.ok(byName(both, 'alpha') && byName(both, 'beta'), JSON.stringify(both));
    assert.is(byName(both, 'alpha').sessionId, 'x:0');
    assert.is(byName(both, 'beta').sessionId, 'x:0', 'the same session id in each program');
    assert.is.not(byName(both, 'alpha').key, byName(both, 'beta').key);
    assert.equal([byName(both, 'alpha').status, byName(both, 'beta').status], ['active', 'active']);

    alpha.stdin!.end(); // alpha exits without stopping its actor
    await once(alpha, 'exit');
    const after = await until(inspected, (rows) => byName(rows, 'alpha')?.status === 'stopped', 5_000);
    assert.is(byName(after, 'alpha').status, 'stopped');
    assert.is(byName(after, 'beta').status, 'active', 'the other program is untouched');
    assert.is(byName(after, 'beta').value, 'running');
  } finally {
    for (const child of [alpha, beta]) if (child.exitCode === null) child.kill();
  }
});

inspect('refuses a browser page from another origin unless it brings the token', async ({ watcher }) => {
  const status = (headers: Record<string, string>, query = '') =>
    new Promise<number>((resolve) => {
      const ws = new WebSocket(watcher.inspectUrl + query, { headers });
      ws.on('open', () => { ws.close(); resolve(101); });
      ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.on('error', () => {});
    });
  assert.is(await status({ Origin: 'http://evil.example' }), 403);
  assert.is(await status({ Origin: 'http://evil.example' }, `?token=${watcher.token}`), 101);
  assert.is(await status({}, '?token=wrong'), 403);
  assert.is(await status({}), 101, 'a Node program sends no Origin');
});

inspect('refuses a page on a name that only starts like a loopback address (127.attacker.example)', async ({ watcher }) => {
  const status = (host: string) =>
    new Promise<number>((resolve) => {
      const ws = new WebSocket(watcher.inspectUrl, { headers: { Host: `${host}:${watcher.port}`, Origin: `http://${host}:${watcher.port}` } });
      ws.on('open', () => { ws.close(); resolve(101); });
      ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.on('error', () => {});
    });
  assert.is(await status('127.attacker.example'), 403);
  assert.is(await status('127.0.0.1.attacker.example'), 403);
  assert.is(await status('127.0.0.1'), 101, 'the page itself');
  assert.is(await status('localhost'), 101);
});

inspect('ignores messages that are not inspection events', async ({ watcher }) => {
  const ws = new WebSocket(watcher.inspectUrl);
  await new Promise((r) => ws.on('open', r));
  ws.send('not json');
  ws.send(JSON.stringify({ type: 'hello' }));
  ws.send(JSON.stringify({ type: '@xstate.actor', sessionId: 'x:1', name: '<b>bold</b>', snapshot: { status: 'active', value: 'idle' } }));
  const rows = await until(
    async () => ((await (await fetch(`http://127.0.0.1:${watcher.port}/app/watcher/api/inspected`)).json()) as { rows: any[] }).rows,
    (rows) => rows.length > 0,
  );
  ws.close();
  assert.is(rows.length, 1);
  assert.is(rows[0].name, '<b>bold</b>', 'kept as data; the page renders it as text');
});

inspect('formats nested and parallel state values as dotted paths', () => {
  assert.is(formatValue('idle'), 'idle');
  assert.is(formatValue({ executive: 'awaitingDecision' }), 'executive.awaitingDecision');
  assert.is(formatValue({ a: { b: 'c' }, d: 'e' }), 'a.b.c, d.e');
});

inspect.run();
