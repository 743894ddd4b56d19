import type { IncomingMessage, ServerResponse } from 'node:http';
import { timingSafeEqual, randomBytes } from 'node:crypto';

/** Small request/response helpers shared by the watcher's routes. */

/** Sent on every watcher response: the page is served to a browser that also visits other sites. */
export const SECURITY_HEADERS: Record<string, string> = {
  'X-Content-Type-Options': 'nosniff',
  // The page URL carries the token at first load; never leak it in a Referer.
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    ...SECURITY_HEADERS,
    'Content-Type': 'application/json; charset=utf-8',
    'Cache-Control': 'no-store',
    'Content-Length': Buffer.byteLength(text),
  });
  res.end(text);
}

export function sendError(res: ServerResponse, status: number, message: string): void {
  sendJson(res, status, { error: message });
}

/** Reads a JSON body of at most `limit` bytes; rejects with a message fit for a 400. */
export async function readJson(req: IncomingMessage, limit = 16 * 1024): Promise<unknown> {
  const type = req.headers['content-type'] ?? '';
  if (!type.startsWith('application/json')) throw new BadRequest('expected a JSON body (Content-Type: application/json)');
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw new BadRequest(`body larger than ${limit} bytes`);
    chunks.push(chunk);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new BadRequest('body is not valid JSON');
  }
}

export class BadRequest extends Error {
  constructor(message: string) {
    super(`watcher: ${message}`);
    this.name = 'BadRequest';
  }
}

/** decodeURIComponent that answers 400 instead of throwing a URIError (a 500) on `%E0%A4%A`. */
export function decodePart(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    throw new BadRequest('bad percent-encoding in the path');
  }
}

/** A fresh token, like a notebook server's: 24 random bytes, URL-safe. */
export function newToken(): string {
  return randomBytes(24).toString('base64url');
}

/** The token a request carries: `X-Watcher-Token`, `Authorization: Bearer`, or (reads and WebSockets only) `?token=`. */
export function tokenOf(req: IncomingMessage, url: URL, allowQuery: boolean): string | null {
  const header = req.headers['x-watcher-token'];
  if (typeof header === 'string' && header) return header;
  const auth = req.headers.authorization;
  if (auth?.startsWith('Bearer ')) return auth.slice(7);
  return allowQuery ? url.searchParams.get('token') : null;
}

/** Constant-time comparison, so the token cannot be guessed a character at a time. */
export function sameToken(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * 401 when no token came, 403 when a wrong one did; null when the request may go on.
 * @example const refused = checkToken(req, url, token, false); if (refused) return sendError(res, refused, '...');
 */
export function checkToken(req: IncomingMessage, url: URL, expected: string, allowQuery: boolean): 401 | 403 | null {
  const given = tokenOf(req, url, allowQuery);
  if (!given) return 401;
  return sameToken(given, expected) ? null : 403;
}

/** 127.x.y.z written as four decimal numbers, each 0–255 (no names such as "127.attacker.example"). */
const LOOPBACK_V4 = /^127(?:\.(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/**
 * A host name that can only mean this machine: `localhost`, `127.x.y.z` (numbers only)
 * or `::1`. Any other name may resolve elsewhere tomorrow (DNS rebinding), so it is not one.
 * @example isLoopback('127.0.0.2') // true; isLoopback('127.attacker.example') // false
 */
export function isLoopback(host: string): boolean {
  const name = host.toLowerCase();
  return name === 'localhost' || name === '::1' || name === '[::1]' || LOOPBACK_V4.test(name);
}

/** The name part of a Host header (`name:port`, `[v6]:port`), lower-cased. */
function hostName(host: string): string {
  const name = host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : host.split(':')[0];
  return name.toLowerCase();
}

/**
 * Guards a loopback server against DNS rebinding: a page from evil.example whose name
 * now resolves to 127.0.0.1 still sends `Host: evil.example`. Accepted: the loopback
 * names of `isLoopback` and the address the server is bound to (`bound`), nothing else.
 */
export function hostAllowed(req: IncomingMessage, bound?: string): boolean {
  const host = req.headers.host;
  return host !== undefined && nameAllowed(hostName(host), bound);
}

/**
 * The same check for a browser's `Origin` (`http://name:port`): a WebSocket ignores the
 * same-origin policy, so its origin is checked like a Host header.
 */
export function originAllowed(origin: string, bound?: string): boolean {
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false;
  }
  return (url.protocol === 'http:' || url.protocol === 'https:') && nameAllowed(url.hostname.toLowerCase(), bound);
}

function nameAllowed(name: string, bound?: string): boolean {
  if (isLoopback(name)) return true;
  if (!bound) return false;
  const own = bound.toLowerCase();
  return name === own || name === `[${own}]`;
}
