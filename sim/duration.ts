/** Milliseconds per unit, largest first (the order a compound duration must follow). */
export const DURATION_UNITS = { d: 86_400_000, h: 3_600_000, m: 60_000, s: 1_000, ms: 1 } as const;
export type DurationUnit = keyof typeof DURATION_UNITS;

const UNITS = Object.keys(DURATION_UNITS) as DurationUnit[];
/** One or more `<integer><unit>` parts, each unit once, largest first: "5m", "1h30m", "250ms".
 *  scenario.schema.json carries the same pattern, so editors flag what this rejects. */
export const DURATION_PATTERN = /^(?!$)(?:\d+d)?(?:\d+h)?(?:\d+m)?(?:\d+s)?(?:\d+ms)?$/;
/** Any sequence of parts: tells "30m1h" (order) apart from "5 minutes" (not a duration). */
const PARTS = /^(?:\d+(?:ms|[dhms]))+$/;
const PART = /(\d+)(ms|[dhms])/g;

/**
 * The longest duration a scenario may give (366 days): a rehearsal is about a year at
 * most, and a longer one is almost surely a typo ("999999999999999d").
 */
export const MAX_DURATION_MS = 366 * 86_400_000;

/** A string that is not a duration; `expected` says what would have been. */
export class DurationError extends Error {
  override name = 'DurationError';
  constructor(
    readonly expected: string,
    readonly got: unknown,
  ) {
    super(`expected ${expected}, got ${describe(got)}`);
  }
}

/**
 * Parses a duration: an integer and a unit (`ms`, `s`, `m`, `h`, `d`), or several, largest
 * unit first. Strict: no spaces, signs, fractions or bare numbers, so "5" (seconds? minutes?)
 * is an error rather than a guess.
 *
 * @example
 * parseDuration('90s');   // 90_000
 * parseDuration('1h30m'); // 5_400_000
 * parseDuration('5 minutes'); // throws DurationError: expected a duration like "5m", got "5 minutes"
 */
export function parseDuration(text: unknown): number {
  if (typeof text !== 'string' || !DURATION_PATTERN.test(text)) {
    const negative = typeof text === 'string' && text.startsWith('-') && PARTS.test(text.slice(1));
    // "30m1h" or "5m5m" is almost certainly a typo; say so rather than add the parts up.
    const disordered = typeof text === 'string' && PARTS.test(text);
    const expected = negative ? 'a non-negative duration like "5m"' : disordered ? 'a duration with each unit once, largest first, like "1h30m"' : 'a duration like "5m"';
    throw new DurationError(expected, text);
  }
  let ms = 0;
  for (const [, amount, unit] of text.matchAll(PART)) ms += Number(amount) * DURATION_UNITS[unit as DurationUnit];
  if (!Number.isSafeInteger(ms) || ms > MAX_DURATION_MS) throw new DurationError('a duration of at most 366d', text);
  return ms;
}

/**
 * Milliseconds of a valid duration, or undefined for anything else (too long, malformed,
 * not a string): the checks that run beside the schema check, which reports those.
 * @example durationOrUndefined('5m') // 300000; durationOrUndefined('999999999999999d') // undefined
 */
export function durationOrUndefined(value: unknown): number | undefined {
  if (typeof value !== 'string' || !DURATION_PATTERN.test(value)) return undefined;
  try {
    return parseDuration(value);
  } catch {
    return undefined;
  }
}

/**
 * Formats milliseconds as the shortest exact duration `parseDuration` reads back.
 *
 * @example
 * formatDuration(5_400_000); // "1h30m"
 * formatDuration(0);         // "0s"
 * formatDuration(-90_000);   // "-1m30s"
 */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return String(ms);
  let rest = Math.round(Math.abs(ms));
  if (rest === 0) return '0s';
  let out = '';
  for (const unit of UNITS) {
    const amount = Math.floor(rest / DURATION_UNITS[unit]);
    if (amount > 0) out += `${amount}${unit}`;
    rest -= amount * DURATION_UNITS[unit];
  }
  return ms < 0 ? `-${out}` : out;
}

/** A value quoted the way a user wrote it, for error messages. */
export function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'a list';
  if (value === null) return 'null';
  if (typeof value === 'object') return 'a mapping';
  return String(value);
}
