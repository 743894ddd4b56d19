import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { EXIT, main } from '../sim/cli.js';
import { openStore, StoreError } from '../store/index.js';
import { watchCommand } from '../watcher/watchCommand.js';
import { pgSchema } from './helpers/pgSchema.js';
import { awaitEvent } from './helpers/serverEvents.js';
import { auditEntry, seedStore } from './watcher.fakes.js';

/** `incident-flow watch --db FILE`: a read-only watcher following a store another process writes. */
const watch = suite('watchCommand');

/** The status of an answer to dec_1 sent with `token`. */
async function answerStatus(base: string, token: string): Promise<number> {
  const answer = await fetch(`${base}/api/decisions/dec_1`, {
    method: 'POST', headers: { 'Content-Type': 'application/json', 'X-Watcher-Token': token }, body: '{"answer":"approve","by":"Dana"}',
  });
  await answer.arrayBuffer();
  return answer.status;
}

watch('serves a store file read-only, prints the URL with its token and follows new commits', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'watcher-'));
  const db = join(dir, 'run.json');
  const writer = await openStore(db);
  seedStore(writer);
  await writer.flush();
  const lines: string[] = [];
  const handle = await watchCommand({ db, port: 0, print: (l) => lines.push(l) });
  try {
    assert.match(lines[0], /^Agent Watcher \(read-only, following .*run\.json\): http:\/\/127\.0\.0\.1:\d+\/app\/watcher\?token=/);
    assert.ok(lines[0].includes(handle.token));
    const base = `http://127.0.0.1:${handle.port}/app/watcher`;
    const incidents = (await (await fetch(`${base}/api/incidents?status=active`)).json()) as { rows: Array<{ id: string }> };
    assert.equal(incidents.rows.map((r) => r.id), ['inc_p0', 'inc_p2']);
    const machines = (await (await fetch(`${base}/api/machines`)).json()) as Record<string, unknown>;
    assert.equal(Object.keys(machines).sort(), ['incident', 'responder', 'worker'], 'diagrams draw without an engine');

    const arrived = awaitEvent(`${base}/events`, '"id":"aud_from_writer"');
    await new Promise((r) => setTimeout(r, 100));
    writer.appendAudit(auditEntry({ id: 'aud_from_writer', level: 'error', message: 'written by the other process' }));
    await writer.flush();
    await arrived;

    assert.is(await answerStatus(base, handle.token), 409, 'no engine in this process');
  } finally {
    await handle.close();
    await writer.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

watch('fails with the store error when the file is not a store', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'watcher-'));
  const db = join(dir, 'bad.json');
  const { writeFileSync } = await import('node:fs');
  writeFileSync(db, '{ not json');
  try {
    await watchCommand({ db, print: () => {} });
    assert.unreachable('should have thrown');
  } catch (error) {
    assert.match((error as Error).message, /incident-flow store/);
    assert.ok((error as Error).message.includes('bad.json'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

interface Session { waiting: string | null; storePath: string | null }
const session = async (base: string) => (await (await fetch(`${base}/api/session`)).json()) as Session;
const listed = async (base: string) => ((await (await fetch(`${base}/api/incidents`)).json()) as { rows: Array<{ id: string }> }).rows.map((r) => r.id).sort();

/**
 * Before the run writes it: the page and the terminal say nothing is there; the page shows the
 * store once written. They name it as `shown` (a URL without its password).
 */
async function waitsThenShows(db: string, write: () => Promise<() => Promise<void>>, shown = db): Promise<void> {
  const lines: string[] = [];
  const handle = await watchCommand({ db, port: 0, pollMs: 50, print: (l) => lines.push(l) });
  let done: (() => Promise<void>) | null = null;
  try {
    const base = `http://127.0.0.1:${handle.port}/app/watcher`;
    assert.ok(lines.some((l) => l.startsWith(`incident-flow: nothing at ${shown} yet`)), lines.join('\n'));
    assert.ok(lines[0]?.startsWith(`Agent Watcher (read-only, following ${shown}): `), lines.join('\n'));
    const before = await session(base);
    assert.ok(before.waiting?.startsWith(`Nothing at ${shown} yet`), String(before.waiting));
    assert.equal(await listed(base), []);

    done = await write();
    await handle.found;
    assert.ok(lines.some((l) => l === `incident-flow: ${shown} is there now; the page shows it`), lines.join('\n'));
    const after = await session(base);
    assert.is(after.waiting, null);
    // PostgreSQL: the store exists once migrated, a moment before the run's first commit lands.
    const all = ['inc_auto', 'inc_old', 'inc_p0', 'inc_p2'];
    for (let tries = 0; tries < 400 && (await listed(base)).length < all.length; tries++) await new Promise((r) => setTimeout(r, 50));
    assert.equal(await listed(base), all);
    // The token printed at start still holds (a wrong one is 403): the URL stays valid.
    assert.is(await answerStatus(base, handle.token), 409, 'token accepted; no engine in this process');
  } finally {
    await handle.close();
    await done?.();
  }
}

watch('a store file nothing has written yet: says so on the page and the terminal, then shows it once a run writes it', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'watcher-'));
  const db = join(dir, 'later.json');
  try {
    await waitsThenShows(db, async () => {
      const writer = await openStore(db);
      seedStore(writer);
      await writer.flush();
      return () => writer.close();
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

watch('a PostgreSQL schema with no store yet: says so, then shows the store once a run writes it; the URL\'s password is shown nowhere', async () => {
  const schema = pgSchema('u13watch');
  // The test server trusts its clients: a password in the URL is sent and not checked.
  const url = new URL(schema.url);
  url.password ||= 's3cret-of-the-test';
  const password = url.password;
  try {
    await waitsThenShows(url.href, async () => {
      const writer = await openStore(schema.url);
      seedStore(writer);
      await writer.flush();
      return () => writer.close();
    }, url.href.replace(`:${password}@`, ':***@'));
  } finally {
    await schema.drop();
  }
});

watch('a store file whose folder does not exist is refused (StoreError missing), nothing served', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'watcher-'));
  const db = join(dir, 'no-such-folder', 'run.json');
  try {
    await watchCommand({ db, print: () => assert.unreachable('nothing printed') });
    assert.unreachable('should have thrown');
  } catch (error) {
    assert.instance(error, StoreError);
    assert.is((error as StoreError).code, 'missing');
    assert.ok((error as Error).message.includes(`its folder ${join(dir, 'no-such-folder')} does not exist`), (error as Error).message);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

watch('a port already in use: one line naming it and what to do, exit 2, no stack trace', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'watcher-port-'));
  const taken = createServer();
  await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
  const { port } = taken.address() as AddressInfo;
  try {
    let err = '';
    const code = await main(['watch', '--db', join(dir, 'store.json'), '--port', String(port)], { out: () => undefined, err: (t) => void (err += t), interactive: false });
    assert.is(code, EXIT.invalid);
    assert.is(err, `watcher: cannot listen on 127.0.0.1:${port}: listen EADDRINUSE: address already in use 127.0.0.1:${port} (choose another --port, or stop what uses it)\n`);
  } finally {
    await new Promise((resolve) => taken.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  }
});

watch('a --host this machine does not have: one line saying what --host must be, not to change the port', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'watcher-host-'));
  try {
    let err = '';
    // 192.0.2.1 is TEST-NET-1 (RFC 5737): no machine's own address.
    const code = await main(['watch', '--db', join(dir, 'store.json'), '--host', '192.0.2.1'], { out: () => undefined, err: (t) => void (err += t), interactive: false });
    assert.is(code, EXIT.invalid);
    assert.is(err, 'watcher: cannot listen on 192.0.2.1:0: listen EADDRNOTAVAIL: address not available 192.0.2.1 (--host must be an address of this machine: 127.0.0.1, or 0.0.0.0 for all of them)\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

watch.run();
