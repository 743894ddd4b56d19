const POSITION = /at position (\d+)/;
const AT_END = /Unexpected end of JSON input/;

/**
 * The 1-based line of `text` where JSON.parse failed. V8 gives a position for most
 * errors but not for "Unexpected token"; then the first failing prefix is found by
 * bisection (only on the error path, so its cost does not matter).
 * @example jsonErrorLine('{\n"a":}', error) // 2
 */
export function jsonErrorLine(text: string, error: unknown): number {
  return lineAt(text, jsonErrorOffset(text, error));
}

/**
 * Where in `text` JSON.parse failed with `error`: its position, else found as above.
 * @example jsonErrorOffset('["a",]', error) // 5, the "]" (Node 20 gives no position for it)
 */
export function jsonErrorOffset(text: string, error: unknown): number {
  const message = messageOf(error);
  const at = POSITION.exec(message);
  if (at) return Number(at[1]);
  if (AT_END.test(message)) return text.length;
  // Invariant: text[0, lo) parses or only lacks an end; text[0, hi) holds the error.
  let lo = 0;
  let hi = text.length;
  while (hi - lo > 1) {
    const mid = (lo + hi) >>> 1;
    if (failsWithin(text.slice(0, mid))) hi = mid;
    else lo = mid;
  }
  return hi - 1;
}

/** True when a prefix holds a real error, not just an unfinished value. */
function failsWithin(prefix: string): boolean {
  try {
    JSON.parse(prefix);
    return false;
  } catch (error) {
    const message = messageOf(error);
    if (AT_END.test(message)) return false;
    const at = POSITION.exec(message);
    return at ? Number(at[1]) < prefix.length : true;
  }
}

function lineAt(text: string, offset: number): number {
  let line = 1;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) line++;
  return line;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
