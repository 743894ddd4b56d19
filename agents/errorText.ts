/**
 * What a job threw, as text, whatever it threw: an Error, a string, `Object.create(null)`
 * (no toString), an object whose toString or `stack` getter throws, a revoked Proxy. The
 * engine loop's error handler must never throw on its way to opening the incident.
 */

/**
 * The error's message; never throws.
 * @example messageOf(new Error('db down')) // 'db down'; messageOf(Object.create(null)) // 'a thrown value with no text ([object Object])'
 */
export function messageOf(error: unknown): string {
  try {
    return error instanceof Error ? String(error.message) : String(error);
  } catch {
    return `a thrown value with no text (${tagOf(error)})`;
  }
}

/** How many causes deep a stack goes (a chain longer than this is cut, a cycle stops at once). */
const MAX_CAUSES = 8;

/**
 * The full stack trace of what a job threw (spec, Step 1): the Error's stack, then each
 * `cause`'s after "Caused by: " (a job that wraps the driver's error would otherwise hide
 * where it came from). A value with no stack gives its message; never throws.
 * @example stackOf(new Error('invoice run failed', { cause: dbError })) // 'Error: invoice run failed\n    at …\nCaused by: Error: ECONNREFUSED …'
 */
export function stackOf(error: unknown): string {
  const parts = [ownStack(error)];
  const seen = new Set<unknown>([error]);
  for (let cause = causeOf(error); cause !== undefined && !seen.has(cause) && parts.length <= MAX_CAUSES; cause = causeOf(cause)) {
    seen.add(cause);
    parts.push(ownStack(cause));
  }
  return parts.join('\nCaused by: ');
}

/** One Error's own stack (its message when it has none, or when reading it throws). */
function ownStack(error: unknown): string {
  try {
    if (error instanceof Error && typeof error.stack === 'string' && error.stack) return error.stack;
  } catch {
    // A throwing `stack` getter: the message is all there is.
  }
  return messageOf(error);
}

/** An Error's `cause`, or undefined (none, not an Error, or a getter that throws). */
function causeOf(error: unknown): unknown {
  try {
    return error instanceof Error ? error.cause : undefined;
  } catch {
    return undefined;
  }
}

/** An Error's name, or undefined; never throws. */
export function nameOf(error: unknown): string | undefined {
  try {
    return error instanceof Error ? String(error.name) : undefined;
  } catch {
    return undefined;
  }
}

function tagOf(value: unknown): string {
  try {
    return Object.prototype.toString.call(value);
  } catch {
    return typeof value;
  }
}
