/**
 * A value as an error message shows what was given: JSON, cut at 80 characters; a function,
 * a promise, NaN and Infinity by name (JSON would say `{}` or `null`).
 * @example `expected a number ≥ 0, got ${valueText('500')}` // 'expected a number ≥ 0, got "500"'
 */
export function valueText(value: unknown): string {
  if (typeof value === 'function') return 'a function';
  if (typeof value === 'number' || value === undefined) return String(value);
  if (typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function') return 'a promise';
  let json: string;
  try {
    json = JSON.stringify(value) ?? String(value);
  } catch {
    json = String(value);
  }
  return json.length > 80 ? `${json.slice(0, 77)}...` : json;
}
