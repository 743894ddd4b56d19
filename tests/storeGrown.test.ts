import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { BY_HALF, grown, TWICE } from '../store/grown.js';

const Grown = suite('grown: a typed array copied into a longer one of its kind');

Grown('keeps the kind and every value: a Float64Array\'s NaN (a row in memory) and fractions stay, a Uint32Array stays whole numbers', () => {
  const places = grown(Float64Array.from([NaN, 812, 0.5]), 3);
  assert.instance(places, Float64Array);
  assert.equal([...places.subarray(0, 3)], [NaN, 812, 0.5]);
  const numbers = grown(Uint32Array.from([7, 9]), 2);
  assert.instance(numbers, Uint32Array);
  assert.equal([...numbers.subarray(0, 2)], [7, 9]);
});

Grown('any typed array of numbers: an Int32Array keeps its negatives (a table order\'s row in memory), a Uint8Array its bytes', () => {
  const places = grown(Int32Array.from([-0x80000000, 0, 2_147_483_647]), 3);
  assert.instance(places, Int32Array);
  assert.equal([...places.subarray(0, 3)], [-0x80000000, 0, 2_147_483_647]);
  const codes = grown(Uint8Array.from([255, 3, 1]), 3);
  assert.instance(codes, Uint8Array);
  assert.equal([...codes.subarray(0, 3)], [255, 3, 1]);
});

Grown('holds index `at`, a quarter longer at least (and 1,024 more): not twice', () => {
  assert.is(grown(new Uint32Array(16), 16).length, 16 + 4 + 1024);
  assert.is(grown(new Float64Array(100_000), 100_000).length, 100_000 + 25_000 + 1024);
  assert.is(grown(new Uint32Array(16), 5000).length, 5001);
});

Grown('grows as told: half as long again and nothing more (BY_HALF), twice as long (TWICE), still to `at` if that is further', () => {
  assert.is(grown(new Float64Array(64), 64, BY_HALF).length, 96);
  assert.is(grown(new Uint32Array(729), 729, BY_HALF).length, 729 + 364);
  assert.is(grown(new Uint8Array(3 * 64), 3 * 64 + 2, BY_HALF).length, 288);
  assert.is(grown(new Float64Array(4), 100, BY_HALF).length, 101);
  assert.is(grown(new Int32Array(4), 4, TWICE).length, 8);
  assert.is(grown(new Uint32Array(1024), 1024, TWICE).length, 2048);
});

Grown.run();
