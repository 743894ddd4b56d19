import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'node:http';
import { openStore } from '../store/index.js';
import { watchCommand } from '../watcher/watchCommand.js';
import { auditEntry, seedStore } from './watcher.fakes.js';

/** `incident-flow watch --db FILE`: a read-only watcher following a store another process writes. */
const watch = suite('watchCommand');

/** Resolves with the first server-sent `change` whose audit holds `id`. */
function awaitAudit(url: string, id: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = request(url, (res) => {
      let buffer = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffer += chunk;
        if (buffer.includes(`"id":"${id}"`)) {
          req.destroy();
          resolve();
        }
      });
    });
    req.on('error', (e) => (e.message.includes('socket hang up') ? null : reject(e)));
    req.end();
  });
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

    const arrived = awaitAudit(`${base}/events`, 'aud_from_writer');
    await new Promise((r) => setTimeout(r, 100));
    writer.appendAudit(auditEntry({ id: 'aud_from_writer', level: 'error', message: 'written by the other process' }));
    await writer.flush();
    await arrived;

    const answer = await fetch(`${base}/api/decisions/dec_1`, {
      method: 'POST', headers: { 'Content-Type': 'application/json', 'X-Watcher-Token': handle.token }, body: '{"answer":"approve","by":"Dana"}',
    });
    assert.is(answer.status, 409, 'no engine in this process');
    await answer.arrayBuffer();
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

watch.run();
