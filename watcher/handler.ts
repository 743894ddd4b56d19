import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { AnyStateMachine } from 'xstate';
import type { IncidentEngine } from '../agents/types.js';
import type { Store } from '../store/types.js';
import { decideRoute, readRoute, storeReads, type ApiContext } from './api.js';
import { Feed } from './feed.js';
import { BadRequest, checkToken, decodePart, hostAllowed, isLoopback, newToken, originAllowed, sameToken, sendError } from './http.js';
import { IncidentList } from './incidentList.js';
import { InspectionRegistry } from './inspection.js';
import { QueryError } from './queries.js';
import { MERMAID_DIR, PUBLIC_DIR, mermaidPathAllowed, serveFile } from './static.js';
import { checkWatcherOptions } from './watcherOptions.js';

export const BASE = '/app/watcher';

export interface WatcherHandlerOptions {
  store: Store;
  /** Present when the watcher runs in the engine's process: decisions can be answered. */
  engine?: IncidentEngine | null;
  /** Required for anything that changes state. Generated when absent. */
  token?: string;
  /** Machines to draw; defaults to `engine.machines`. */
  machines?: Record<string, AnyStateMachine>;
  /**
   * Address the server listens on. Loopback (the default) accepts only loopback Host
   * headers; any other address also requires the token for reading.
   */
  host?: string;
  /**
   * A paced rehearsal's virtual time (`run --watch`): where it stands and how many virtual ms
   * pass per real ms (0 once the run is over). The page shows it ticking.
   */
  virtualTime?: () => { now: number; speed: number };
  /**
   * Why the engine can no longer answer decisions (a paced rehearsal that is over), else null:
   * decisions are still shown, but the page says this instead of offering Approve and Deny,
   * and an answer is refused (409) with it.
   */
  decisionsClosed?: () => string | null;
  /** How often a read-only store is refreshed from disk (default 500 ms). */
  pollMs?: number;
  /**
   * Set while the store to show does not exist yet (`watch --db` before the run writes it):
   * the page says so, in these words, over an empty store.
   */
  waiting?: string;
}

/** A request listener for an existing http server; returns false for URLs outside /app/watcher. */
export interface WatcherHandler {
  (req: IncomingMessage, res: ServerResponse): boolean;
  /** For the server's 'upgrade' event: takes `/app/watcher/inspect`, returns false otherwise. */
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean;
  readonly token: string;
  /** Ends event streams and inspection sockets, stops polling and unsubscribes. */
  close(): void;
}

/**
 * Mounts the watcher inside an http server the caller owns (an engine's, say).
 *
 * @example
 * const watcher = createWatcherHandler({ store: engine.store, engine });
 * const server = http.createServer((req, res) => watcher(req, res) || myRoutes(req, res));
 * server.on('upgrade', (req, socket, head) => watcher.upgrade(req, socket, head) || socket.destroy());
 */
export function createWatcherHandler(options: WatcherHandlerOptions): WatcherHandler {
  checkWatcherOptions(options, 'createWatcherHandler');
  return watcherHandler(options);
}

/** `createWatcherHandler` with its options checked already (`startWatcher` checks its own, `port` too). */
export function watcherHandler(options: WatcherHandlerOptions): WatcherHandler {
  const { store, engine = null } = options;
  const token = options.token ?? newToken();
  if (token.length < 16) throw new TypeError('watcher: a token must have at least 16 characters (omit it to get a random one)');
  const bound = options.host ?? '127.0.0.1';
  const loopback = isLoopback(bound);
  const feed = new Feed();
  const inspection = new InspectionRegistry((id) => feed.touchInspected(id));
  // Subscribed before the feed: a page told of a change reads a list that has it.
  const incidents = new IncidentList(store);
  const ctx: ApiContext = { store, reads: storeReads(store), engine, inspection, incidents, machines: options.machines ?? engine?.machines ?? {}, virtualTime: options.virtualTime ?? null, decisionsClosed: options.decisionsClosed ?? (() => null), waiting: options.waiting ?? null, tokenRefused: (req, url) => checkToken(req, url, token, false) === 403 };
  const stops: Array<() => void> = [() => incidents.close()];

  if (store.readonly) stops.push(pollRefresh(store, feed, options.pollMs ?? 500));
  else stops.push(store.subscribe((change) => feed.push(change)));
  if (engine) stops.push(engine.subscribe((e) => e.type === 'decision' && feed.touchTable('decisions')));

  const handle = (req: IncomingMessage, res: ServerResponse): boolean => {
    const url = new URL(req.url ?? '/', 'http://watcher.invalid');
    if (url.pathname !== BASE && !url.pathname.startsWith(BASE + '/')) return false;
    route(req, res, url).catch((error: unknown) => {
      const known = error instanceof BadRequest || error instanceof QueryError;
      if (res.headersSent) res.destroy();
      else sendError(res, known ? 400 : 500, (error as Error).message);
    });
    return true;
  };

  async function route(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    if (loopback && !hostAllowed(req, bound)) return sendError(res, 403, 'watcher: unexpected Host header');
    const path = url.pathname.slice(BASE.length) || '/';
    const method = req.method ?? 'GET';
    if (method === 'POST') {
      const decision = /^\/api\/decisions\/([^/]+)$/.exec(path);
      if (!decision) return sendError(res, 404, 'watcher: not found');
      // State changes take the token from a header only: a cross-site form cannot set one.
      const refused = checkToken(req, url, token, false);
      if (refused) return sendError(res, refused, refused === 401 ? 'watcher: token required' : 'watcher: wrong token');
      return decideRoute(ctx, decodePart(decision[1]), req, res);
    }
    if (method !== 'GET' && method !== 'HEAD') return sendError(res, 405, 'watcher: method not allowed');
    if (path === '/' || path === '/index.html') return serveFile(req, res, PUBLIC_DIR, 'index.html', 'no-cache');
    if (path.startsWith('/static/')) return serveFile(req, res, PUBLIC_DIR, path.slice(8), 'no-cache');
    if (path.startsWith('/vendor/mermaid/')) {
      const rel = path.slice(16);
      if (!mermaidPathAllowed(rel)) return sendError(res, 404, 'watcher: not found');
      return serveFile(req, res, MERMAID_DIR, rel, 'public, max-age=86400');
    }
    // Data is readable without the token only on loopback, like the page itself.
    if (!loopback) {
      const refused = checkToken(req, url, token, true);
      if (refused) return sendError(res, refused, 'watcher: token required');
    }
    if (path === '/events') return feed.attach(res);
    if (path.startsWith('/api/') && readRoute(ctx, path.slice(4), url, req, res)) return;
    sendError(res, 404, 'watcher: not found');
  }

  const upgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): boolean => {
    const url = new URL(req.url ?? '/', 'http://watcher.invalid');
    if (url.pathname !== `${BASE}/inspect`) return false;
    if (!inspectAllowed(req, url, token, loopback, bound)) {
      socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return true;
    }
    inspection.upgrade(req, socket, head);
    return true;
  };

  return Object.assign(handle, {
    upgrade,
    token,
    close() {
      for (const stop of stops.splice(0)) stop();
      feed.close();
      inspection.close();
    },
  });
}

/**
 * Inspection sockets come from XState programs (Node: no Origin header). A browser
 * page on another origin could open one too (WebSockets ignore same-origin), so a
 * browser must be this page or present the token; off loopback, everyone needs it.
 */
function inspectAllowed(req: IncomingMessage, url: URL, token: string, loopback: boolean, bound: string): boolean {
  const given = url.searchParams.get('token');
  if (given !== null) return sameToken(given, token);
  if (!loopback || !hostAllowed(req, bound)) return false;
  const origin = req.headers.origin;
  return origin === undefined || (origin === `http://${req.headers.host}` && originAllowed(origin, bound));
}

/** A read-only store sees another process's commits only when it re-reads the file. */
function pollRefresh(store: Store, feed: Feed, ms: number): () => void {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const tick = async () => {
    try {
      const change = await store.refresh();
      if (change.audit.length || change.rows.length) feed.push(change);
    } catch (error) {
      feed.warn(`refresh failed: ${(error as Error).message}`);
    }
    if (!stopped) timer = setTimeout(tick, ms);
  };
  timer = setTimeout(tick, ms);
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}
