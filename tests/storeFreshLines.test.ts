import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { AuditEntry } from '../machines/types.js';
import { canonicalJson } from '../store/canonicalJson.js';
import { FreshLines, StringLines } from '../store/freshLines.js';

// A file store writer's uncommitted audit lines, encoded as they come (store/freshLines.ts):
// checked against the plain model (an array of strings) over random pushes, commits (drop)
// and take-backs (truncate), and the bytes handed to a commit never change after.

const test = suite('store: fresh audit lines');

/** A small seeded random source (mulberry32). */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS = ['moved on', 'ÉCHEC', '日本語の行', 'emoji 🚨', 'x', '"quoted"\\'];

function lineOf(next: () => number, k: number): string {
  // Mostly short rows, now and then one past the buffer's size.
  const size = next() < 0.01 ? 300_000 + Math.floor(next() * 900_000) : Math.floor(next() * 400);
  const word = WORDS[Math.floor(next() * WORDS.length)];
  return JSON.stringify({ k, text: `${word} `.repeat(Math.ceil(size / (word.length + 1))).slice(0, size) });
}

const joined = (lines: readonly string[]) => Buffer.from(lines.map((line) => `${line}\n`).join(''));

test('pushes, commits and take-backs read back as an array of the lines would', () => {
  for (const seed of [1, 2, 3, 4]) {
    const next = random(seed);
    const fresh = new FreshLines();
    let model: string[] = [];
    /** Bytes handed out, with what they held then. */
    const handed: Array<{ parts: Buffer[]; bytes: Buffer }> = [];
    for (let step = 0, k = 0; step < 3000; step++) {
      const roll = next();
      if (roll < 0.8) {
        const line = lineOf(next, k++);
        fresh.push(line);
        model.push(line);
      } else if (roll < 0.9 && model.length > 0) {
        const from = Math.floor(next() * model.length);
        const to = from + Math.floor(next() * (model.length - from + 1));
        const parts = fresh.buffers(from, to);
        const bytes = Buffer.concat(parts);
        assert.equal(bytes, joined(model.slice(from, to)), `seed ${seed}, step ${step}: lines ${from}..${to} as the file has them`);
        handed.push({ parts, bytes });
      } else if (roll < 0.96) {
        const count = Math.floor(next() * (model.length + 1));
        fresh.drop(count);
        model = model.slice(count);
      } else {
        const length = Math.floor(next() * (model.length + 1));
        fresh.truncate(length);
        model = model.slice(0, length);
      }
      assert.is(fresh.length, model.length);
      if (model.length > 0) {
        const k = Math.floor(next() * model.length);
        assert.is(fresh.at(k), model[k], `seed ${seed}, step ${step}: line ${k}`);
        assert.is(fresh.byteLength(k), Buffer.byteLength(model[k]));
      }
    }
    for (const { parts, bytes } of handed) assert.equal(Buffer.concat(parts), bytes, 'bytes handed to a commit are never written again');
  }
});

test('a line longer than a buffer gets one of its own', () => {
  const fresh = new FreshLines();
  const long = JSON.stringify('é'.repeat(2_000_000));
  fresh.push('{"a":1}');
  fresh.push(long);
  fresh.push('{"b":2}');
  assert.is(fresh.at(1), long);
  assert.equal(Buffer.concat(fresh.buffers(0, 3)), joined(['{"a":1}', long, '{"b":2}']));
});

test('a line longer than a buffer reserves its own bytes, not three times its length', () => {
  const fresh = new FreshLines();
  const long = JSON.stringify({ text: 'x'.repeat(2_000_000) });
  const wide = JSON.stringify({ text: 'é'.repeat(700_000) });
  for (const line of ['{"a":1}', long, wide, '{"b":2}']) fresh.push(line);
  const parts = fresh.buffers(0, 4);
  assert.equal(Buffer.concat(parts), joined(['{"a":1}', long, wide, '{"b":2}']));
  const held = fresh.buffers(1, 2)[0];
  assert.is(held.buffer.byteLength, Buffer.byteLength(long) + 1, 'the long line: a buffer of its size');
  assert.is(fresh.buffers(2, 3)[0].buffer.byteLength, Buffer.byteLength(wide) + 1, 'two bytes a unit: its size too');
  assert.is(fresh.at(1), long);
  assert.is(fresh.at(2), wide);
});

test("a memory store's rows kept as objects read back as the lines they would have been", () => {
  // Keys out of order, non-ASCII and U+2028: the line made at read is canonical JSON, the
  // bytes those a row serialized at append would have had.
  const row = (k: number): AuditEntry => ({
    ts: `2026-03-02T14:00:0${k % 10}.000Z`, id: `aud_${k}`, actor: 'cheryl', entityType: 'incident', entityId: `inc_${k}`,
    action: 'incident.triaged', level: 'info', message: `${WORDS[k % WORDS.length]} \u2028 ${k}`, meta: { z: k, a: [k, 'ÉCHEC'] },
  });
  for (const seed of [1, 2]) {
    const next = random(seed);
    const lines = new StringLines();
    let model: string[] = [];
    for (let step = 0, k = 0; step < 2000; step++) {
      const roll = next();
      if (roll < 0.45) {
        const entry = row(k++);
        lines.keep(entry);
        model.push(canonicalJson(entry));
      } else if (roll < 0.8) {
        const line = lineOf(next, k++);
        lines.push(line);
        model.push(line);
      } else if (roll < 0.9 && model.length > 0) {
        const at = Math.floor(next() * model.length);
        assert.is(lines.at(at), model[at], `seed ${seed}, step ${step}: line ${at}`);
        assert.is(lines.byteLength(at), Buffer.byteLength(model[at]));
        const from = Math.floor(next() * model.length);
        assert.equal(Buffer.concat(lines.buffers(from, model.length)), joined(model.slice(from)), `seed ${seed}, step ${step}: lines ${from}..`);
      } else if (roll < 0.95) {
        const count = Math.floor(next() * (model.length + 1));
        lines.drop(count);
        model = model.slice(count);
      } else {
        const length = Math.floor(next() * (model.length + 1));
        lines.truncate(length);
        model = model.slice(0, length);
      }
      assert.is(lines.length, model.length);
    }
    model.forEach((line, k) => assert.is(lines.at(k), line, `seed ${seed}: line ${k} at the end`));
  }
});

test.run();
