/**
 * The root-cause fingerprint: the diagnosed root cause when one is known, else a
 * normalized error signature (numbers, ids, addresses and quoted values stripped) so
 * the same failure on another job or another host matches.
 * @example fingerprintOf({ message: 'ECONNREFUSED 10.0.0.5:5432', workflow: 'invoice-run' })
 *   // 'invoice-run:ECONNREFUSED <ip>:<n>'
 */
export function fingerprintOf(input: {
  message: string;
  rootCause?: string | null;
  agent?: string | null;
  workflow?: string | null;
}): string {
  if (input.rootCause) return `root:${input.rootCause}`;
  const scope = input.workflow ?? input.agent ?? 'unknown';
  return `${scope}:${normalizeMessage(input.message)}`;
}

export function normalizeMessage(message: string): string {
  return message
    .split('\n')[0]
    .replace(/\b\d{1,3}(\.\d{1,3}){3}\b/g, '<ip>')
    .replace(/\b[0-9a-f]{8}-[0-9a-f-]{27,}\b/gi, '<uuid>')
    .replace(/\b[a-z]+_[A-Za-z0-9_-]{6,}\b/g, '<id>')
    .replace(/(["'`]).*?\1/g, '<str>')
    .replace(/\b0x[0-9a-f]+\b/gi, '<hex>')
    .replace(/\d+/g, '<n>')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 200);
}
