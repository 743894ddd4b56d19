import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { AuditEntry } from '../machines/types.js';
import { canonicalJson } from '../store/canonicalJson.js';
import { FreshLines, StringLines, type Lines } from '../store/freshLines.js';

// A file store writer's uncommitted audit lines, encoded as they come, and a memory store's,
// kept as strings or as the rows handed over (store/freshLines.ts): checked against the plain
// model (an array of strings) over random pushes, commits (drop) and take-backs (truncate),
// and the bytes handed to a commit never change after.

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

/** One random walk: the model (an array of the lines), rows appended so far, where it is. */
interface Walk {
  next: () => number;
  model: string[];
  /** The next row's number. */
  k: number;
  /** `seed 1, step 40`, for messages. */
  where: string;
}

/** A step of the walk, taken on a roll below `below` when `when` allows it (else the next one's). */
interface Op {
  below: number;
  when?: (w: Walk) => boolean;
  run: (w: Walk) => void;
}

/**
 * Drives `lines` beside the model through `steps` operations drawn from `seed`: each step
 * runs the first of `ops` that takes its roll, then the lengths must agree and `after` runs.
 * @example walk(lines, 1, 2000, [pushed(lines, 0.8), dropped(lines, 0.9), truncated(lines)])
 */
function walk(lines: Lines, seed: number, steps: number, ops: Op[], after?: (w: Walk) => void): string[] {
  const w: Walk = { next: random(seed), model: [], k: 0, where: '' };
  for (let step = 0; step < steps; step++) {
    w.where = `seed ${seed}, step ${step}`;
    const roll = w.next();
    ops.find((op) => roll < op.below && (op.when?.(w) ?? true))?.run(w);
    assert.is(lines.length, w.model.length);
    after?.(w);
  }
  return w.model;
}

const pushed = (lines: Lines, below: number): Op => ({
  below,
  run: (w) => {
    const line = lineOf(w.next, w.k++);
    lines.push(line);
    w.model.push(line);
  },
});

/** A commit: the first rows let go of. */
const dropped = (lines: Lines, below: number): Op => ({
  below,
  run: (w) => {
    const count = Math.floor(w.next() * (w.model.length + 1));
    lines.drop(count);
    w.model = w.model.slice(count);
  },
});

/** A take-back: the rows from a length on. Last: it takes any roll. */
const truncated = (lines: Lines): Op => ({
  below: 1,
  run: (w) => {
    const length = Math.floor(w.next() * (w.model.length + 1));
    lines.truncate(length);
    w.model = w.model.slice(0, length);
  },
});

const held = (w: Walk) => w.model.length > 0;

/** A line drawn at random reads back as the model's, and so does its length in bytes. */
function lineAgrees(lines: Lines, w: Walk): void {
  const k = Math.floor(w.next() * w.model.length);
  assert.is(lines.at(k), w.model[k], `${w.where}: line ${k}`);
  assert.is(lines.byteLength(k), Buffer.byteLength(w.model[k]));
}

test('pushes, commits and take-backs read back as an array of the lines would', () => {
  for (const seed of [1, 2, 3, 4]) {
    const fresh = new FreshLines();
    /** Bytes handed out, with what they held then. */
    const handed: Array<{ parts: Buffer[]; bytes: Buffer }> = [];
    const handedOut: Op = {
      below: 0.9,
      when: held,
      run: (w) => {
        const from = Math.floor(w.next() * w.model.length);
        const to = from + Math.floor(w.next() * (w.model.length - from + 1));
        const parts = fresh.buffers(from, to);
        const bytes = Buffer.concat(parts);
        assert.equal(bytes, joined(w.model.slice(from, to)), `${w.where}: lines ${from}..${to} as the file has them`);
        handed.push({ parts, bytes });
      },
    };
    walk(fresh, seed, 3000, [pushed(fresh, 0.8), handedOut, dropped(fresh, 0.96), truncated(fresh)], (w) => {
      if (held(w)) lineAgrees(fresh, w);
    });
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

test('a line in a buffer of its own lets go of it at the commit that takes the line', async () => {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const fresh = new FreshLines();
  fresh.push('{"a":1}');
  fresh.push(JSON.stringify({ text: 'x'.repeat(2_000_000) }));
  const own = new WeakRef(fresh.buffers(1, 2)[0].buffer);
  fresh.drop(2);
  // A WeakRef holds its target until the current job ends.
  await new Promise((resolve) => setImmediate(resolve));
  gc();
  assert.is(own.deref(), undefined, "the long line's buffer, full, is not kept for lines to come");
  fresh.push('{"b":2}');
  assert.equal(Buffer.concat(fresh.buffers(0, 1)), joined(['{"b":2}']));
});

test("a memory store's rows kept as objects read back as the lines they would have been", () => {
  // Keys out of order, non-ASCII and U+2028: the line made at read is canonical JSON, the
  // bytes those a row serialized at append would have had.
  const row = (k: number): AuditEntry => ({
    ts: `2026-03-02T14:00:0${k % 10}.000Z`, id: `aud_${k}`, actor: 'cheryl', entityType: 'incident', entityId: `inc_${k}`,
    action: 'incident.triaged', level: 'info', message: `${WORDS[k % WORDS.length]} \u2028 ${k}`, meta: { z: k, a: [k, 'ÉCHEC'] },
  });
  for (const seed of [1, 2]) {
    const lines = new StringLines();
    const kept: Op = {
      below: 0.45,
      run: (w) => {
        const entry = row(w.k++);
        lines.keep(entry);
        w.model.push(canonicalJson(entry));
      },
    };
    const read: Op = {
      below: 0.9,
      when: held,
      run: (w) => {
        lineAgrees(lines, w);
        const from = Math.floor(w.next() * w.model.length);
        assert.equal(Buffer.concat(lines.buffers(from, w.model.length)), joined(w.model.slice(from)), `${w.where}: lines ${from}..`);
      },
    };
    const model = walk(lines, seed, 2000, [kept, pushed(lines, 0.8), read, dropped(lines, 0.95), truncated(lines)]);
    model.forEach((line, k) => assert.is(lines.at(k), line, `seed ${seed}: line ${k} at the end`));
  }
});

test.run();
