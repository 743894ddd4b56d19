/** The typed arrays of numbers `grown` copies (not a BigInt64Array's). */
export type NumberArray = Int8Array | Uint8Array | Uint8ClampedArray | Int16Array | Uint16Array | Int32Array | Uint32Array | Float32Array | Float64Array;

/** How much longer `grown` makes an array: `share` of its length, and `more` elements besides. */
export interface Growth {
  share: number;
  more: number;
}

/**
 * A quarter longer and 1,024 more, `grown`'s default. A quarter, not twice: the audit index's
 * columns and chains hold a number per audit row, so at a million rows a doubled array's unused
 * tail was up to 4 MB per array, ten of them, beside the old copy until a collection frees it.
 * Copying 5 times the final length in all instead of twice costs a few ms over a run of a million rows.
 */
export const BY_A_QUARTER: Growth = { share: 1 / 4, more: 1024 };

/** Half as long again, and nothing more (no 1,024): for arrays that start small (16 or 64 long) and mostly stay so. */
export const BY_HALF: Growth = { share: 1 / 2, more: 0 };

/** Twice as long: for arrays that stay small (a value's rows) or stop growing at a bound (a chunk of ByteOffsets). */
export const TWICE: Growth = { share: 1, more: 0 };

/**
 * `arr` copied into a new array of its kind (made by its constructor) that holds index `at`:
 * longer by `growth` (BY_A_QUARTER unless told), or to `at` if that is further. Not for a
 * Buffer (its constructor is deprecated): Buffer.allocUnsafe and copy.
 * @example if (no >= this.#at.length) this.#at = grown(this.#at, no);
 * @example this.#times = grown(this.#times, k, BY_HALF);
 */
export function grown<A extends NumberArray>(arr: A, at: number, growth: Growth = BY_A_QUARTER): A {
  const length = Math.max(arr.length + Math.floor(arr.length * growth.share) + growth.more, at + 1);
  const out = new (arr.constructor as new (length: number) => A)(length);
  out.set(arr);
  return out;
}
