/**
 * `arr` copied into one of its kind that holds index `at`: a quarter longer at least (and
 * 1,024 more). A quarter, not twice: the audit index's columns and chains hold a number per
 * audit row, so at a million rows a doubled array's unused tail was up to 4 MB per array,
 * ten of them, beside the old copy until a collection frees it. Copying 5 times the final
 * length in all instead of twice costs a few ms over a run of a million rows.
 * @example if (no >= this.#at.length) this.#at = grown(this.#at, no);
 */
export function grown(arr: Uint32Array, at: number): Uint32Array<ArrayBuffer>;
export function grown(arr: Float64Array, at: number): Float64Array<ArrayBuffer>;
export function grown(arr: Uint32Array | Float64Array, at: number): Uint32Array<ArrayBuffer> | Float64Array<ArrayBuffer> {
  const length = Math.max(arr.length + (arr.length >> 2) + 1024, at + 1);
  const out = arr instanceof Float64Array ? new Float64Array(length) : new Uint32Array(length);
  out.set(arr);
  return out;
}
