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
  const keys = Object.keys(record);
  let inOrder = true;
  for (let i = 1; i < keys.length && inOrder; i++) inOrder = keys[i - 1] < keys[i];
  let changed = !inOrder;
  const children: unknown[] = new Array(keys.length);
  for (let i = 0; i < keys.length; i++) {
    children[i] = sorted(record[keys[i]]);
    if (children[i] !== record[keys[i]]) changed = true;
  }
  if (!changed) return value;
  const order = keys.map((_, i) => i);
  if (!inOrder) order.sort((a, b) => (keys[a] < keys[b] ? -1 : 1));
  const out: Record<string, unknown> = {};
  for (const i of order) out[keys[i]] = children[i];
  return out;
}
