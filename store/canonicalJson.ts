/**
 * JSON with the keys of every object sorted, so equal data gives equal bytes whatever
 * order its keys were set in (deterministic store files: the same mutations, the same
 * bytes). Arrays keep their order; `undefined` members are left out as JSON.stringify does.
 * @example canonicalJson({ b: 1, a: { d: 2, c: 3 } }) // '{"a":{"c":3,"d":2},"b":1}'
 */
export function canonicalJson(value: unknown): string {
  // One sorted copy where needed, then the native stringify: much faster than a replacer,
  // which costs a call per value.
  return JSON.stringify(sorted(value)) ?? 'null';
}

/**
 * `value` with every object's keys in sorted order, as canonicalJson writes them; parts
 * already in order are reused, not copied. For a part of a row built out of order (an
 * XState snapshot): sorted once where it is made, the row is then written as it is,
 * instead of as a sorted copy of the whole row at each commit.
 * @example inCanonicalOrder({ b: 1, a: 2 }) // { a: 2, b: 1 }
 */
export function inCanonicalOrder<T>(value: T): T {
  return sorted(value) as T;
}

/** `value` with every object's keys in order; parts already in order are reused, not copied. */
function sorted(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return value;
  if (Array.isArray(value)) {
    let copy: unknown[] | null = null;
    for (let i = 0; i < value.length; i++) {
      const item = sorted(value[i]);
      if (item !== value[i]) (copy ??= value.slice())[i] = item;
    }
    return copy ?? value;
  }
  const record = value as Record<string, unknown>;
  // The common case, rows built with their keys in order: checked without allocating.
  let previous: string | null = null;
  let inOrder = true;
  for (const key in record) {
    if (previous !== null && !(previous < key)) {
      inOrder = false;
      break;
    }
    previous = key;
    const child = record[key];
    if (child !== null && typeof child === 'object' && sorted(child) !== child) {
      inOrder = false;
      break;
    }
  }
  if (inOrder) return value;
  const keys = Object.keys(record).sort();
  const out: Record<string, unknown> = {};
  for (const key of keys) out[key] = sorted(record[key]);
  return out;
}
