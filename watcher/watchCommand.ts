import { incidentMachine } from '../machines/incidentMachine.js';
import { responderMachine } from '../machines/responderMachine.js';
import { workerMachine } from '../machines/workerMachine.js';
import { openStore } from '../store/index.js';
import { startWatcher, type WatcherServer } from './server.js';

export interface WatchOptions {
  /** The store file another process (a rehearsal, an engine) writes. */
  db: string;
  port?: number;
  host?: string;
  /** Where the URL line goes (default console.log). */
  print?: (line: string) => void;
}

export interface WatchHandle extends WatcherServer {
  /** Stops the server and closes the store. */
  close(): Promise<void>;
}

/**
 * `incident-flow watch --db FILE [--port N] [--host H]`: follows a store file read-only
 * (no lock, so the writer keeps running) and serves the Agent Watcher over it. There is
 * no engine in this process, so the page shows decisions but cannot answer them.
 *
 * @example
 * const watch = await watchCommand({ db: '.incident-flow/run.json', port: 8080 });
 * // prints: Agent Watcher: http://127.0.0.1:8080/app/watcher?token=…
 * await watch.close();
 */
export async function watchCommand(options: WatchOptions): Promise<WatchHandle> {
  const print = options.print ?? ((line: string) => console.log(line));
  const store = await openStore(options.db, { readonly: true });
  let watcher: WatcherServer;
  try {
    watcher = await startWatcher({
      store,
      host: options.host,
      port: options.port,
      // The definitions the engine runs, so diagrams draw without an engine here.
      machines: { incident: incidentMachine, responder: responderMachine, worker: workerMachine },
    });
  } catch (error) {
    await store.close();
    throw error;
  }
  print(`Agent Watcher (read-only, following ${options.db}): ${watcher.url}`);
  print(`XState programs can report to: ${watcher.inspectUrl}`);
  return {
    ...watcher,
    async close() {
      await watcher.close();
      await store.close();
    },
  };
}
