import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createIds } from '../sim/ids.js';
import { createRandom, xoshiro128ss } from '../sim/random.js';

/** xoshiro128** written again with BigInt, straight from the reference C, to check the Math.imul one. */
function reference(state: bigint[]): () => bigint {
  const M = 0xffffffffn;
  const rotl = (x: bigint, k: bigint) => ((x << k) | (x >> (32n - k))) & M;
  const s = [...state];
  return () => {
    const result = (rotl((s[1] * 5n) & M, 7n) * 9n) & M;
    const t = (s[1] << 9n) & M;
    s[2] ^= s[0]; s[3] ^= s[1]; s[1] ^= s[2]; s[0] ^= s[3]; s[2] ^= t;
    s[3] = rotl(s[3], 11n);
    return result;
  };
}

const random = suite('createRandom');

random('xoshiro128** gives the known first outputs for state 1, 2, 3, 4', () => {
  const next = xoshiro128ss(1, 2, 3, 4);
  // rotl(2·5, 7)·9 = 11520, then s[1] becomes 0.
  assert.equal([next(), next()], [11520, 0]);
});

random('matches a BigInt transcription of the reference for 10,000 outputs', () => {
  const seeds = [0x9e3779b9, 0x243f6a88, 0xb7e15162, 0xdeadbeef];
  const ours = xoshiro128ss(seeds[0], seeds[1], seeds[2], seeds[3]);
  const theirs = reference(seeds.map(BigInt));
  for (let i = 0; i < 10_000; i++) assert.is(BigInt(ours()), theirs(), `output ${i}`);
});

random('the same seed gives the same sequence; other seeds give others', () => {
  const take = (seed: number) => { const r = createRandom(seed); return Array.from({ length: 5 }, r); };
  assert.equal(take(7), take(7));
  assert.not.equal(take(7), take(8));
  assert.not.equal(take(1), take(2 ** 32 + 1), 'seeds past 2^32 stay distinct');
  assert.not.equal(take(0), take(-1));
});

random('draws in [0, 1), evenly across ten buckets', () => {
  const r = createRandom(42);
  const buckets = new Array(10).fill(0);
  for (let i = 0; i < 100_000; i++) {
    const x = r();
    assert.ok(x >= 0 && x < 1);
    buckets[Math.floor(x * 10)]++;
  }
  // Chi-square with 9 degrees of freedom: 27.9 is the 0.1 % critical value.
  const chi = buckets.reduce((sum, n) => sum + (n - 10_000) ** 2 / 10_000, 0);
  assert.ok(chi < 27.9, `chi-square ${chi}`);
});

random('rejects seeds that are not integers', () => {
  assert.throws(() => createRandom(1.5), /expected an integer seed, got 1.5/);
  assert.throws(() => createRandom(Number.NaN), /integer seed/);
});

random.run();

const ids = suite('createIds');

ids('prefixes ids: inc_…, aud_…', () => {
  const next = createIds(createRandom(1));
  assert.match(next('inc'), /^inc_[0-9a-hjkmnp-tv-z]{16}$/);
  assert.match(next('aud'), /^aud_[0-9a-hjkmnp-tv-z]{16}$/);
});

ids('the same seed gives the same ids', () => {
  const run = (seed: number) => { const next = createIds(createRandom(seed)); return [next('inc'), next('aud'), next('inc')]; };
  assert.equal(run(7), run(7));
  assert.not.equal(run(7), run(8));
});

ids('seeded ids do not collide over 50,000 draws', () => {
  const next = createIds(createRandom(3));
  const seen = new Set<string>();
  for (let i = 0; i < 50_000; i++) seen.add(next('inc'));
  assert.is(seen.size, 50_000);
});

ids('without a seed, uses the secure default and still differs call to call', () => {
  const next = createIds();
  const a = next('inc');
  assert.match(a, /^inc_[0-9a-hjkmnp-tv-z]{16}$/);
  assert.is.not(a, next('inc'));
});

ids.run();
