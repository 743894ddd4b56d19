import { rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Low } from 'lowdb';
import { createStore } from './createStore.js';
import { acquireLock } from './lockFile.js';
import { makeFolder } from './makeFolder.js';
import { checkOpenArguments } from './openArguments.js';
import { isPostgresUrl, refuseMistypedPostgresUrl } from './postgres/pgUrl.js';
import type { Lock } from './lockFile.js';
import { SplitFileAdapter } from './splitFileAdapter.js';
import { emptyStoreData, errorCode, ioError, storeFiles } from './storeFiles.js';
import { StoreError, type Store, type StoreData } from './types.js';

/** Options of `openStore`. */
export interface OpenStoreOptions {
  /** Open without the lock, to follow a store another process writes (see `refresh()`). */
  readonly?: boolean;
  /**
   * File stores: keep the audit `text` search ready from the first row read (a store opened
   * to be searched, as the watcher's); otherwise it is built at the first `text` query, and
   * a store that is never searched (`report`, `review`) does not pay for it.
   */
  search?: boolean;
  /** Commit once per burst of mutations on its own (default true); false: only on flush(). */
  autoCommit?: boolean;
  /** PostgreSQL only (a store file refuses it, TypeError): open as one of N engine processes on the database (README, "Scaling out"). */
  shared?: boolean;
  /**
   * PostgreSQL, read-only only (the watcher's): leave the audit rows in the database instead
   * of loading them at open. `pageAudit` and `auditCount` answer as before and `subscribe`
   * still hears the rows other processes commit; `queryAudit` refuses (a StoreError saying to
   * use `pageAudit`). Ignored by file stores and writers.
   */
  pagedAudit?: boolean;
  /**
   * Read-only stores: hear the commits other processes make later (default true; see
   * `refresh()`). False: the store read at open, for a one-time read (`report`, `review`;
   * a `refresh()` reads it whole again); over PostgreSQL it takes no LISTEN connection and no
   * transaction id, so a hot-standby replica serves it, and `pagedAudit` does not apply (the
   * audit is loaded). Ignored by writers and file stores.
   */
  follow?: boolean;
  /**
   * Start over with an empty store. Called, once the lock is held, with the store as it
   * is (read-only): return to have its files removed, throw to refuse (nothing is then
   * touched). A rehearsal replacing its own earlier output uses it. Files only: a
   * PostgreSQL rehearsal schema is dropped by its own code (sim/rehearsalDb.ts).
   */
  replace?: (existing: Store) => void;
}

/**
 * Opens (or creates) the store at `path` — or, for a `postgres://…` URL, the PostgreSQL
 * store in the URL's `?schema=` (see store/postgres/postgresStore.ts) (`X.json`, with `X.state.jsonl` and
 * `X.audit.jsonl` beside it). A writer takes `X.json.lock`; a missing file is a new, empty
 * store. Refuses, with a StoreError naming the file and leaving it untouched: invalid
 * JSON, a newer schema, a store in use by a live process.
 * @example
 * const store = await openStore('.incident-flow/run.json');
 * store.appendAudit(entry);
 * await store.close();
 */
export async function openStore(path: string, opts: OpenStoreOptions = {}): Promise<Store> {
  checkOpenArguments(path, opts);
  // A postgres:// URL is the PostgreSQL store (loaded on demand: file users never load pg).
  if (isPostgresUrl(path)) return (await import('./postgres/postgresStore.js')).openPostgresStore(path, opts);
  refuseMistypedPostgresUrl(path);
  if (opts.shared) {
    throw new TypeError(`incident-flow store: openStore(${path}): options.shared: a PostgreSQL store's option (N engine processes on one database); a store file has one writer at a time: open it without shared, and others with { readonly: true }`);
  }
  // A folder given where the store's file belongs is the caller's mistake, not a failed read.
  if ((await stat(path).catch(() => null))?.isDirectory()) {
    throw new StoreError(`${path}: is a folder; a store is a file, for example ${join(path, 'store.json')}`, 'folder', path);
  }
  const readonly = opts.readonly ?? false;
  let lock: Lock | null = null;
  if (!readonly) {
    try {
      makeFolder(dirname(path));
    } catch (error) {
      throw ioError(path, 'create its directory', error);
    }
    lock = acquireLock(path, storeFiles(path).lock);
    if (opts.replace) {
      try {
        await replaceFiles(path, lock, opts.replace);
      } catch (error) {
        lock.release();
        throw error;
      }
    }
  }
  const adapter = new SplitFileAdapter(path, { readonly, lock, search: opts.search ?? false });
  try {
    // A new store's rows go into the adapter's own log from the first one (it keeps what the audit index file needs).
    const low = new Low<StoreData>(adapter, { ...emptyStoreData(), audit_log: adapter.auditLog });
    await low.read();
    return createStore(low, {
      path,
      readonly,
      autoCommit: opts.autoCommit ?? true,
      // The lock goes once the files are closed: a close that failed may be retried (see
      // Store.close), and until then no second writer may open the half-closed store.
      onClose: async () => {
        await adapter.close();
        lock?.release();
      },
    });
  } catch (error) {
    await adapter.close();
    lock?.release();
    throw error;
  }
}

/**
 * Removes a store's files under its lock, once `decide` has seen the store and let it go.
 * The removal is noted in the lock first: if it is cut short (a crash), the next opener
 * that replaces the store finishes it without asking `decide` about a half-removed store.
 */
async function replaceFiles(path: string, lock: Lock, decide: (existing: Store) => void): Promise<void> {
  const files = storeFiles(path);
  const exists = await stat(files.state).then(() => true, (error: unknown) => {
    if (errorCode(error) === 'ENOENT') return false;
    throw ioError(files.state, 'read', error);
  });
  if (!exists && lock.inherited !== 'replace') return;
  if (lock.inherited !== 'replace') {
    const existing = await openStore(path, { readonly: true });
    try {
      decide(existing);
    } finally {
      await existing.close();
    }
  }
  lock.noteIntent('replace');
  for (const file of [files.stateIndex, files.auditIndex, files.journal, files.audit, files.state, files.tmp]) {
    await rm(file, { force: true }).catch((error: unknown) => {
      throw ioError(file, 'remove it to start the store over', error);
    });
  }
  lock.clearIntent();
}
