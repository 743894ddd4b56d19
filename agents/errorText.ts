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

/** The stack of an Error (its message when it has none, or when reading it throws); never throws. */
export function stackOf(error: unknown): string {
  try {
    if (error instanceof Error && typeof error.stack === 'string' && error.stack) return error.stack;
  } catch {
    // A throwing `stack` getter: the message is all there is.
  }
  return messageOf(error);
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
