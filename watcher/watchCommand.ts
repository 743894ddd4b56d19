import { stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { runsAsCluster } from '../agents/cluster/clusterDatabase.js';
import { createIncidentEngine } from '../agents/engine.js';
import type { IncidentEngine } from '../agents/types.js';
import { incidentMachine } from '../machines/incidentMachine.js';
import { responderMachine } from '../machines/responderMachine.js';
import { workerMachine } from '../machines/workerMachine.js';
import { createMemoryStore, openStore, storeFiles, StoreError } from '../store/index.js';
import { isPostgresUrl, shownLocation } from '../store/postgres/pgUrl.js';
import { errorCode } from '../store/storeFiles.js';
import type { Store } from '../store/types.js';
import { createWatcherHandler, type WatcherHandler } from './handler.js';
import { newToken } from './http.js';
import { FLAG_NAMES, serveWatcher, type WatcherServer } from './server.js';

export interface WatchOptions {
  /** The store (a file, or a `postgres://` URL) another process (a rehearsal, an engine) writes. */
  db: string;
  port?: number;
  host?: string;
  /** Where the URL line goes (default console.log). */
  print?: (line: string) => void;
  /** How often a store that does not exist yet is looked for (default 500 ms). */
  pollMs?: number;
}

export interface WatchHandle extends WatcherServer {
  /** Stops the server and closes the store. */
  close(): Promise<void>;
  /** Resolves once the store is open (at once when it was there at start). */
  readonly found: Promise<void>;
}

/** The definitions the engine runs, so diagrams draw without an engine here. */
const MACHINES = { incident: incidentMachine, responder: responderMachine, worker: workerMachine };

/**
 * `incident-flow watch --db FILE|URL [--port N] [--host H]`: follows a store read-only
 * (no lock, so the writer keeps running) and serves the Agent Watcher over it. The page
 * shows decisions; it answers them only over a PostgreSQL database run by cluster engines,
 * through a cluster engine of this process that takes no work (`workers: 0`), as any of the
 * cluster's processes may. Over a store file, or a database a single writer runs (a
 * rehearsal, a one-process engine), the engine that writes it answers its decisions.
 *
 * A store nothing has written yet (no file, or no store in the PostgreSQL schema) is
 * waited for: the page and `print` say that nothing is there yet, and the page shows the
 * store once a run writes it. A file whose folder does not exist is refused (StoreError
 * `missing`): no run can write there, so it is most likely a typo.
 *
 * @example
 * const watch = await watchCommand({ db: '.incident-flow/run.json', port: 8080 });
 * // prints: Agent Watcher (read-only, following .incident-flow/run.json): http://127.0.0.1:8080/app/watcher?token=…
 * await watch.close();
 */
export async function watchCommand(options: WatchOptions): Promise<WatchHandle> {
  const { db } = options;
  // What the terminal and the page show of it: a URL's password never.
  const shown = shownLocation(db);
  const print = options.print ?? ((line: string) => console.log(line));
  const host = options.host ?? '127.0.0.1';
  await refuseMissingFolder(db);
  const opened = await openIfThere(db);
  const token = newToken();
  let engine = opened ? await clusterAnswerer(opened, print) : null;
  const handlerFor = (store: Store, waiting?: string) =>
    createWatcherHandler({ store, engine, host, token, machines: MACHINES, ...(waiting === undefined ? {} : { waiting }) });
  const waiting = `Nothing at ${shown} yet: no store has been written there. This page shows it as soon as a run writes it (incident-flow run <scenario> --db ${shown}).`;
  let store = opened ?? createMemoryStore({ readonly: true });
  let current = handlerFor(store, opened ? undefined : waiting);
  // One server for the whole command: the store, once it arrives, gets a handler of its own behind it.
  const switching: WatcherHandler = Object.assign((req: Parameters<WatcherHandler>[0], res: Parameters<WatcherHandler>[1]) => current(req, res), {
    upgrade: (...args: Parameters<WatcherHandler['upgrade']>) => current.upgrade(...args),
    token,
    close: () => current.close(),
  });
  let watcher: WatcherServer;
  try {
    watcher = await serveWatcher(switching, host, options.port ?? 0, FLAG_NAMES);
  } catch (error) {
    await engine?.stop();
    await store.close();
    throw error;
  }
  print(engine ? `Agent Watcher (following ${shown}; answers decisions through the cluster): ${watcher.url}` : `Agent Watcher (read-only, following ${shown}): ${watcher.url}`);
  print(`XState programs can report to: ${watcher.inspectUrl}`);
  let closed = false;
  let found: Promise<void> = Promise.resolve();
  if (!opened) {
    print(`incident-flow: nothing at ${shown} yet; the watcher waits and shows the store once a run writes it`);
    found = waitFor(db, options.pollMs ?? 500, () => closed, print).then(async (real) => {
      if (!real) return;
      const placeholder = { store, handler: current };
      store = real;
      engine = await clusterAnswerer(real, print);
      current = handlerFor(real);
      // Its event streams end: the page reconnects to the new handler and reloads every panel.
      placeholder.handler.close();
      print(`incident-flow: ${shown} is there now; the page shows it${engine ? ' and answers decisions through the cluster' : ''}`);
      return placeholder.store.close();
    });
  }
  return {
    ...watcher,
    found,
    async close() {
      closed = true;
      await watcher.close();
      await found;
      await engine?.stop();
      await store.close();
    },
  };
}

/**
 * A cluster engine that takes no work, for answering decisions, when cluster engines run
 * `store`'s database (runsAsCluster); null otherwise, or when it cannot start (said in one
 * line: the page stays read-only).
 */
async function clusterAnswerer(store: Store, print: (line: string) => void): Promise<IncidentEngine | null> {
  try {
    if (!(await runsAsCluster(store))) return null;
    const engine = createIncidentEngine({ store, cluster: { workers: 0 } });
    try {
      await engine.ready;
    } catch (error) {
      await engine.stop().catch(() => undefined);
      throw error;
    }
    return engine;
  } catch (error) {
    print(`incident-flow: the page stays read-only: could not reach the cluster's queue to answer decisions: ${error instanceof Error ? error.message : String(error)}`);
    return null;
  }
}

/** A store file's folder must exist: nothing can write the store there otherwise. */
async function refuseMissingFolder(db: string): Promise<void> {
  if (isPostgresUrl(db)) return;
  const folder = dirname(db);
  const there = await stat(folder).then((st) => st.isDirectory(), absent);
  if (!there) throw new StoreError(`cannot watch ${db}: its folder ${folder} does not exist, so nothing can have written the store there; check the path (or create the folder first: the watcher then waits for the store)`, 'missing', db);
}

/** false for a path that is not there; any other failure (permission denied) is the caller's. */
function absent(error: unknown): false {
  const code = errorCode(error);
  if (code === 'ENOENT' || code === 'ENOTDIR') return false;
  throw error;
}

/** The store opened read-only, or null when nothing has written it yet. */
async function openIfThere(db: string): Promise<Store | null> {
  if (!isPostgresUrl(db)) {
    const written = await stat(storeFiles(db).state).then(() => true, absent);
    return written ? openStore(db, { readonly: true, search: true }) : null;
  }
  try {
    // The audit stays in the database: the page reads it through pageAudit, a page at a time.
    return await openStore(db, { readonly: true, pagedAudit: true });
  } catch (error) {
    if (error instanceof StoreError && error.code === 'missing') return null;
    throw error;
  }
}

/**
 * Looks for the store every `ms` until it opens (or `stopped()`); a failure on the way (the
 * server down, a store being replaced) is printed once and looked at again.
 */
async function waitFor(db: string, ms: number, stopped: () => boolean, print: (line: string) => void): Promise<Store | null> {
  let said = '';
  while (!stopped()) {
    await new Promise((resolve) => setTimeout(resolve, ms));
    if (stopped()) return null;
    try {
      const store = await openIfThere(db);
      if (store && stopped()) await store.close();
      else if (store) return store;
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if (message !== said) print(message);
      said = message;
    }
  }
  return null;
}
