import { customAlphabet, customRandom } from 'nanoid';
import type { Random } from './random.js';

/** Lower-case letters and digits without i, l, o, u (Crockford's base32): easy to read aloud,
 *  and 32 symbols so nanoid maps each byte with a mask, without rejection. */
export const ID_ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';
/** 16 symbols of 5 bits: 80 bits, plenty for the ids one platform creates. */
export const ID_SIZE = 16;

/**
 * An id source: `ids('inc')` → `inc_7k2m…`. With `random` (a seeded `createRandom`) the
 * ids repeat run after run, so rehearsal reports and audit trails can be compared; without
 * it, nanoid's secure default random is used (production).
 *
 * @example
 * const ids = createIds(createRandom(7));
 * ids('inc'); // "inc_…", the same on every run with seed 7
 * ids('aud');
 */
export function createIds(random?: Random): (prefix: string) => string {
  const next = random
    ? customRandom(ID_ALPHABET, ID_SIZE, (bytes) => {
        const out = new Uint8Array(bytes);
        for (let i = 0; i < bytes; i++) out[i] = Math.floor(random() * 256);
        return out;
      })
    : customAlphabet(ID_ALPHABET, ID_SIZE);
  return (prefix) => `${prefix}_${next()}`;
}
