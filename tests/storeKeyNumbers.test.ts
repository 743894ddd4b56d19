import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createRandom } from '../sim/random.js';
import { KeyNumbers } from '../store/keyNumbers.js';
import type { Key } from '../store/keyNumbers.js';

const Numbers = suite('key numbers: a Map of keys to their numbers');

Numbers('answers like a Map through random adds and deletes (backward shifts through collisions)', () => {
  const random = createRandom(14);
  // Strings, and numbers, booleans and null beside strings that read the same: all different keys.
  const space: Key[] = [null, true, false, 'null', 'true', 1, '1', 0, '0', ''];
  for (let i = 0; i < 3000; i++) space.push(`job_${i}`, i * 7);
  const keys = new KeyNumbers();
  const map = new Map<Key, number>();
  let next = 0;
  for (let step = 0; step < 40_000; step++) {
    const key = space[Math.floor(random() * space.length)];
    // Deletes less often than adds, so the table grows through several sizes while emptying parts of it.
    if (map.has(key) && random() < 0.45) {
      assert.is(keys.delete(key), map.get(key));
      map.delete(key);
    } else if (!map.has(key)) {
      assert.is(keys.add(key), next);
      map.set(key, next++);
    }
    if (step % 997 === 0) for (const k of space) assert.is(keys.get(k), map.get(k), `key ${String(k)} at step ${step}`);
  }
  for (const k of space) assert.is(keys.get(k), map.get(k));
  assert.is(keys.size, map.size);
  assert.is(keys.length, next);
  for (const [k, no] of map) assert.is(keys.keyOf(no), k);
  assert.is(keys.delete('never added'), undefined);
});

Numbers('a key deleted and added again gets a new number; the old one stays unused', () => {
  const keys = new KeyNumbers<string>();
  for (let i = 0; i < 100; i++) keys.add(`r${i}`);
  assert.is(keys.delete('r5'), 5);
  assert.is(keys.keyOf(5), undefined);
  assert.is(keys.get('r5'), undefined);
  assert.is(keys.add('r5'), 100);
  assert.is(keys.get('r5'), 100);
  assert.is(keys.size, 100);
  assert.is(keys.length, 101);
});

Numbers('keyAt gives a removed number\'s key still (as a snapshot taken before the removal reads it); has tells it is gone', () => {
  const keys = new KeyNumbers<string>();
  for (const key of ['job_1', 'incidént_2', 'job_3']) keys.add(key);
  keys.delete('incidént_2');
  keys.delete('job_3');
  assert.equal([0, 1, 2].map((no) => keys.has(no)), [true, false, false]);
  assert.equal([0, 1, 2].map((no) => keys.keyAt(no)), ['job_1', 'incidént_2', 'job_3']);
  assert.is(keys.keyAt(3), undefined);
  assert.is(keys.has(3), false);
});

Numbers('keys are equal as a Map\'s are: NaN is one key, 0 and -0 are one', () => {
  const keys = new KeyNumbers();
  const map = new Map<Key, number>();
  for (const key of [NaN, 0, 'NaN', Number.NaN, -0, '0', null]) {
    if (keys.get(key) === undefined) keys.add(key);
    if (!map.has(key)) map.set(key, map.size);
  }
  for (const key of [NaN, 0, -0, 'NaN', '0', null]) assert.is(keys.get(key), map.get(key), String(key));
  assert.is(keys.size, map.size);
  assert.is(keys.delete(NaN), map.get(NaN));
  assert.is(keys.get(NaN), undefined);
});

Numbers('gives back every string as it was added: empty, ASCII, accented, astral, lone surrogates', () => {
  const keys = new KeyNumbers<string>();
  const all = ['', 'job_1', 'é', 'naïve', '日本', '😀x', '\ud800', 'a\u0000b', 'job_1 '];
  for (let i = 0; i < 200; i++) all.push(i % 3 ? `inc_${i}` : `incident ${i} é`);
  all.forEach((key, no) => assert.is(keys.add(key), no));
  all.forEach((key, no) => {
    assert.is(keys.get(key), no, JSON.stringify(key));
    assert.is(keys.keyOf(no), key);
  });
  assert.is(keys.get('job_'), undefined);
  assert.is(keys.get('e'), undefined);
  assert.is(keys.keyOf(all.length), undefined);
});

Numbers('ids (a prefix, "_" and 16 of nanoid\'s symbols) are packed and come back as they were, beside keys that only look like ids (seeded)', () => {
  const random = createRandom(23);
  const SYMBOLS = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_-';
  const tail = (n = 16) => Array.from({ length: n }, () => SYMBOLS[Math.floor(random() * 64)]).join('');
  const space: string[] = [];
  for (let i = 0; i < 2_000; i++) {
    const prefix = ['inc', 'job', 'aud', 'w_f', 'x'][i % 5];
    space.push(`${prefix}_${tail()}`);
  }
  // More prefixes than a KeyNumbers numbers (255): the later ones are kept as text.
  for (let i = 0; i < 300; i++) space.push(`p${i}_${tail()}`);
  // Near misses: a tail of 15 or 17, a symbol outside the set, no "_", a prefix not ASCII, an empty prefix.
  space.push(`inc_${tail(15)}`, `inc_${tail(17)}`, `inc_${tail(15)}.`, `inc${tail(17)}`, `inç_${tail()}`, `_${tail()}`, `inc_${tail(15)}é`);
  // Two keys that differ only in the last symbol, or only in the prefix.
  const base = tail();
  space.push(`inc_${base.slice(0, 15)}A`, `inc_${base.slice(0, 15)}B`, `job_${base}`, `jo_${base}`);
  const keys = new KeyNumbers<string>();
  const map = new Map<string, number>();
  for (let step = 0; step < 30_000; step++) {
    const key = space[Math.floor(random() * space.length)];
    if (map.has(key) && random() < 0.3) {
      assert.is(keys.delete(key), map.get(key));
      map.delete(key);
    } else if (!map.has(key)) map.set(key, keys.add(key));
  }
  for (const key of space) assert.is(keys.get(key), map.get(key), key);
  for (const [key, no] of map) assert.is(keys.keyOf(no), key);
  assert.is(keys.get(`inc_${tail()}`), undefined);
});

Numbers.run();
