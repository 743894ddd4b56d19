import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { BASE, watcherHandler, type WatcherHandler, type WatcherHandlerOptions } from './handler.js';
import { sendError } from './http.js';
import { checkWatcherOptions } from './watcherOptions.js';


/** The watcher could not take its address (in use, not allowed): the user's to mend, not a bug. */
export class WatcherListenError extends Error {
  override name = 'WatcherListenError';
}

export interface StartWatcherOptions extends Omit<WatcherHandlerOptions, 'host'> {
  /** Default 127.0.0.1: the watcher is for the person at this machine. */
  host?: string;
  /** Default 0: any free port. */
  port?: number;
}

export interface WatcherServer {
  /** The page, token included: `http://127.0.0.1:PORT/app/watcher?token=…`. */
  url: string;
  token: string;
  port: number;
  /** Where XState programs point `createWebSocketInspector`. */
  inspectUrl: string;
  close(): Promise<void>;
}

/**
 * Starts the Agent Watcher on its own http server (node:http, no framework).
 *
 * @example
 * const watcher = await startWatcher({ store, engine });
 * console.log(`Agent Watcher: ${watcher.url}`);
 * // …
 * await watcher.close();
 */
export async function startWatcher(options: StartWatcherOptions): Promise<WatcherServer> {
  checkWatcherOptions(options, 'startWatcher');
  const { port = 0, ...handlerOptions } = options;
  const host = options.host ?? '127.0.0.1';
  return serveWatcher(watcherHandler({ ...handlerOptions, host }), host, port, OPTION_NAMES);
}

/** How the caller named the host and the port: the CLI's flags, or a program's options. */
export interface ListenNames {
  host: string;
  port: string;
}
/** `watch` and `run --watch`: their flags. */
export const FLAG_NAMES: ListenNames = { host: '--host', port: '--port' };
/** `startWatcher` in a program: its options. */
const OPTION_NAMES: ListenNames = { host: 'options.host', port: 'options.port' };

/** What to change after a failed listen, named as the caller gave it: the host for an address this machine does not have, else the port. */
function listenAdvice(code: string | undefined, names: ListenNames): string {
  if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND' || code === 'EAI_AGAIN') return `${names.host} must be an address of this machine: 127.0.0.1, or 0.0.0.0 for all of them`;
  if (code === 'EACCES') return `a port below 1024 needs privileges: choose another ${names.port}`;
  return `choose another ${names.port}, or stop what uses it`;
}

/**
 * Serves a watcher handler on an http server of its own at `host:port` (0: any free port);
 * closing the server closes the handler. `watch` passes one whose store arrives later.
 */
export async function serveWatcher(handler: WatcherHandler, host: string, port: number, names: ListenNames): Promise<WatcherServer> {
  let server: Server;
  try {
    server = await bindWatcher(host, port, names);
  } catch (error) {
    handler.close();
    throw error;
  }
  return serveOn(server, handler, host);
}

/**
 * An http server listening at `host:port` before the watcher it will serve exists, or
 * `WatcherListenError` naming `names.port`: `run --watch` takes its port before it opens its
 * store and keeps it, so a port in use is refused with nothing written and nothing can take
 * it before the watcher starts (`startWatcherOn`). Until then a request is answered 503.
 */
export async function bindWatcher(host: string, port: number, names: ListenNames): Promise<Server> {
  const server = createServer((_req, res) => sendError(res, 503, 'watcher: starting; reload in a moment'));
  await listenOn(server, host, port, names);
  return server;
}

/** `startWatcher` on a server `bindWatcher` bound; closing the watcher closes the server. */
export function startWatcherOn(server: Server, options: Omit<StartWatcherOptions, 'port'>): WatcherServer {
  const host = options.host ?? '127.0.0.1';
  return serveOn(server, watcherHandler({ ...options, host }), host);
}

/** Closes a server `bindWatcher` bound that never served a watcher (the run failed first). */
export function closeBound(server: Server): Promise<void> {
  return new Promise<void>((resolve) => server.close(() => resolve()));
}

/** Serves `handler` on a listening server, in place of what it answered before. */
function serveOn(server: Server, handler: WatcherHandler, host: string): WatcherServer {
  server.removeAllListeners('request');
  server.on('request', (req, res) => {
    if (!handler(req, res)) sendError(res, 404, `watcher: not found (the page is at ${BASE})`);
  });
  server.on('upgrade', (req, socket, head) => {
    if (!handler.upgrade(req, socket, head)) socket.destroy();
  });
  const bound = (server.address() as AddressInfo).port;
  const origin = `${urlHost(host)}:${bound}`;
  return {
    url: `http://${origin}${BASE}?token=${encodeURIComponent(handler.token)}`,
    inspectUrl: `ws://${origin}${BASE}/inspect`,
    token: handler.token,
    port: bound,
    close: async () => {
      handler.close();
      server.closeAllConnections();
      await closeBound(server);
    },
  };
}

/** Listens at `host:port`, or throws `WatcherListenError` saying what to change. */
async function listenOn(server: Server, host: string, port: number, names: ListenNames): Promise<void> {
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    throw new WatcherListenError(`watcher: cannot listen on ${host}:${port}: ${(error as Error).message} (${listenAdvice((error as NodeJS.ErrnoException).code, names)})`);
  }
}

/** A wildcard bind is reachable at localhost; IPv6 literals need brackets in a URL. */
function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '::') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}
