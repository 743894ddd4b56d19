/**
 * Seeded randomness for rehearsals: xoshiro128** 1.1 (Blackman & Vigna, 2018, public domain,
 * https://prng.di.unimi.it/xoshiro128starstar.c), 128 bits of state, period 2^128-1, and
 * small enough to read. Its state is seeded from one number through lowbias32 (Chris
 * Wellons' integer hash, github.com/skeeto/hash-prospector), so seeds 1, 2, 3… give
 * unrelated streams. Not for secrets: production ids use nanoid's secure default.
 */

/** A source of numbers in [0, 1). */
export type Random = () => number;

/**
 * Raw xoshiro128**: each call returns the next unsigned 32-bit output.
 *
 * @example
 * const next = xoshiro128ss(1, 2, 3, 4);
 * next(); // 11520
 */
export function xoshiro128ss(a: number, b: number, c: number, d: number): () => number {
  const s = Uint32Array.of(a, b, c, d);
  if ((s[0] | s[1] | s[2] | s[3]) === 0) s[0] = 1; // the all-zero state is a fixed point
  return () => {
    const result = Math.imul(rotl(Math.imul(s[1], 5), 7), 9) >>> 0;
    const t = s[1] << 9;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11);
    return result;
  };
}

/**
 * A seeded source of numbers in [0, 1): the same seed gives the same sequence everywhere.
 *
 * @example
 * const random = createRandom(7);
 * const latencyMs = 60_000 + random() * 60_000;
 */
export function createRandom(seed: number): Random {
  if (!Number.isSafeInteger(seed)) throw new RangeError(`random: expected an integer seed, got ${seed}`);
  // Fold both halves of a large seed in, so seeds past 2^32 stay distinct.
  const lo = seed >>> 0;
  const hi = Math.floor(seed / 2 ** 32) >>> 0;
  const next = xoshiro128ss(
    lowbias32(lo),
    // xoshiro128**'s first output reads only this word: it must depend on the low half too.
    lowbias32((hi ^ lowbias32(lo) ^ 0x9e3779b9) >>> 0),
    lowbias32((lo + 0x6a09e667) >>> 0),
    lowbias32((hi ^ lo ^ 0xbb67ae85) >>> 0),
  );
  return () => next() / 2 ** 32;
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/**
 * lowbias32: a 32-bit integer hash with good avalanche, used to spread a seed over the state.
 *
 * @example
 * lowbias32(1) !== lowbias32(2); // neighbouring seeds, unrelated states
 */
export function lowbias32(x: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, 0x7feb352d);
  x ^= x >>> 15;
  x = Math.imul(x, 0x846ca68b);
  x ^= x >>> 16;
  return x >>> 0;
}
