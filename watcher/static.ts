import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { SECURITY_HEADERS, sendError } from './http.js';

/** Serves the page from watcher/public and mermaid from node_modules: nothing leaves the machine. */

export const PUBLIC_DIR = join(dirname(fileURLToPath(import.meta.url)), 'public');
/** mermaid's package.json is reachable through its `./*` export. */
export const MERMAID_DIR = join(dirname(createRequire(import.meta.url).resolve('mermaid/package.json')), 'dist');

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json; charset=utf-8',
};

/**
 * Scripts only from this origin; no inline script, so even markup that slipped into
 * the page could not run. Inline styles stay allowed because mermaid writes <style>
 * into its SVG.
 */
export const PAGE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * Streams `rel` from `root`. Refuses paths that climb out of root, dotfiles and
 * anything that is not a regular file of a known type (404, as if absent).
 */
export async function serveFile(req: IncomingMessage, res: ServerResponse, root: string, rel: string, cache: string): Promise<void> {
  let decoded: string;
  try {
    decoded = decodeURIComponent(rel);
  } catch {
    return sendError(res, 400, 'watcher: bad path encoding');
  }
  const file = resolve(root, '.' + sep + decoded);
  const type = TYPES[extname(file)];
  const hidden = decoded.split('/').some((part) => part.startsWith('.'));
  if (!file.startsWith(root + sep) || hidden || !type || decoded.includes('\0')) return sendError(res, 404, 'watcher: not found');
  const info = await stat(file).catch(() => null);
  if (!info?.isFile()) return sendError(res, 404, 'watcher: not found');
  res.writeHead(200, {
    ...SECURITY_HEADERS,
    'Content-Type': type,
    'Content-Length': info.size,
    'Cache-Control': cache,
    ...(type.startsWith('text/html') ? { 'Content-Security-Policy': PAGE_CSP } : {}),
  });
  if (req.method === 'HEAD') return void res.end();
  await new Promise<void>((done) => {
    createReadStream(file).on('error', () => res.destroy()).on('close', done).pipe(res);
  });
}

/** The one mermaid build the page imports, plus its lazily loaded chunks. */
export function mermaidPathAllowed(rel: string): boolean {
  return rel === 'mermaid.esm.min.mjs' || /^chunks\/mermaid\.esm\.min\/[\w.-]+\.mjs$/.test(rel);
}
