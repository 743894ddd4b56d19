import { Low } from 'lowdb';
import type pg from 'pg';
import { createStore } from '../createStore.js';
import { emptyStoreData } from '../storeFiles.js';
import { StoreError } from '../types.js';
import type { Store, StoreData } from '../types.js';
import { bossSchemaProblem, createClient, createPool, parseTarget, pgError } from './connection.js';
import type { PgTarget } from './connection.js';
import { Follower } from './follower.js';
import { rememberTarget } from './targets.js';
import { migrate } from './migrate.js';
import { pageAudit } from './pageAudit.js';
import { channelOf, PostgresAdapter } from './postgresAdapter.js';

/** Options of `openPostgresStore` (those of `openStore`, plus the schema). */
export interface PostgresStoreOptions {
  /** Follow the store without writing (no lock; other processes' commits arrive by LISTEN/NOTIFY and `refresh()`). */
  readonly?: boolean;
  /** Commit once per burst of mutations on its own (default true); false: only on flush(). */
  autoCommit?: boolean;
  /** The schema, instead of the URL's `?schema=` (default `incident_flow`). */
  schema?: string;
  /**
   * One of N engine processes on this database (README, "Scaling out"): migrates like a
   * writer, takes no writer lock, and follows the database like a reader; the engine
   * created over it writes through its own transactions.
   */
  shared?: boolean;
  /** Read-only only: leave the audit in the database (see OpenStoreOptions.pagedAudit). */
  pagedAudit?: boolean;
  /** Read-only only: false reads the store once, following no later commit (see OpenStoreOptions.follow). */
  follow?: boolean;
}

/**
 * Opens the store kept in a PostgreSQL schema, migrating it first (see migrate.ts). A
 * writer holds an advisory lock on the schema for as long as it is open: the Store keeps
 * the tables in memory, so a second writer would overwrite the first one's rows; it is
 * refused like a second process on a store file. Refuses with one line naming the URL
 * (password hidden), writing nothing: a server that cannot be reached or refuses the
 * login, a schema newer than the code, a column edited into another type.
 * @example
 * const store = await openPostgresStore('postgres://postgres@127.0.0.1:5432/test?schema=ops');
 * store.appendAudit(entry);
 * await store.close();
 */
export async function openPostgresStore(url: string, opts: PostgresStoreOptions = {}): Promise<Store> {
  const target = parseTarget(url, opts.schema);
  // Opened for cluster engines: refused before anything connects (or creates the schema) when their queue would not fit.
  const boss = opts.shared ? bossSchemaProblem(target) : null;
  if (boss) throw new StoreError(`${target.shown}: ${boss}`, 'connect', target.shown);
  const readonly = (opts.readonly || opts.shared) ?? false;
  const pool = createPool(target);
  let lock: pg.Client | null = null;
  let follower: Follower | null = null;
  try {
    const client = await pool.connect().catch((error: unknown) => {
      throw pgError(target, 'connect', error);
    });
    try {
      await migrate(client, target, undefined, !opts.readonly).catch((error: unknown) => {
        throw pgError(target, 'open the store', error);
      });
    } finally {
      client.release();
    }
    // A one-time reader (follow: false) listens for nothing: a hot-standby replica serves it.
    if (opts.shared || (opts.readonly && opts.follow !== false)) follower = await Follower.start(target, channelOf(target));
    else if (!readonly) lock = await takeWriterLock(target);
    // Paged: a follower's (the watcher's); a one-time reader loads the audit it reports on.
    const pagedAudit = follower !== null && opts.readonly === true && opts.pagedAudit === true;
    const adapter = new PostgresAdapter(target, pool, follower, { pagedAudit, readonly });
    const low = new Low<StoreData>(adapter, emptyStoreData());
    await low.read();
    const done = adapter.doneRows;
    const held = { lock, follower };
    let store: Store | null = null;
    store = createStore(low, {
      path: target.shown,
      readonly,
      autoCommit: opts.autoCommit ?? true,
      // Paged by the database when the audit was left there; a store holding its rows answers from them.
      pageAudit: pagedAudit ? (query) => pageAudit(pool, target, query, () => adapter.counted()) : undefined,
      // Its done rows held as their glance: listings read those, `fetch` reads them whole.
      ...(done ? { thaw: (table, id) => done.thaw(table, id), glance: (table) => done.columns(table), load: (table, ids) => adapter.load(table, ids) } : {}),
      onClose: async () => {
        await held.follower?.close();
        await held.lock?.end().catch(() => undefined);
        await pool.end();
      },
    });
    rememberTarget(store, target);
    return store;
  } catch (error) {
    await follower?.close();
    await lock?.end().catch(() => undefined);
    await pool.end().catch(() => undefined);
    throw pgError(target, 'open the store', error);
  }
}

/** The text whose hash names the schema's writer lock (an advisory lock held while a writing store is open). */
export function writerLockKey(target: PgTarget): string {
  return `incident-flow:writer:${target.schema}`;
}

/** Server pids of the writer-lock connections this process holds: a refusal says whether the holder is this process. */
const ownLockBackends = new Set<number>();

/** The single writer's advisory lock, held by a connection of its own until close. */
async function takeWriterLock(target: PgTarget): Promise<pg.Client> {
  const client = createClient(target);
  try {
    await client.connect();
    const got = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock(hashtext($1)) AS ok', [writerLockKey(target)]);
    if (!got.rows[0]?.ok) {
      const holder = await writerLockBackend(client, target).catch(() => null);
      const who = holder !== null && ownLockBackends.has(holder)
        ? 'a store this process opened for writing (close it first)'
        : 'another writing process (it holds the schema\'s advisory lock)';
      throw new StoreError(`${target.shown} is in use by ${who}; open it read-only to follow it`, 'locked', target.shown);
    }
    const backend = (client as pg.Client & { processID?: number }).processID;
    if (backend !== undefined) {
      ownLockBackends.add(backend);
      client.once('end', () => ownLockBackends.delete(backend));
    }
    return client;
  } catch (error) {
    await client.end().catch(() => undefined);
    throw pgError(target, 'lock the store', error);
  }
}

/**
 * The pid of the server's backend serving the connection that holds the schema's writer
 * lock: a process on the database server, compared with `ownLockBackends`, not the client
 * process store/lockFile.ts's `lockHolder` names. pg_try_advisory_lock's one-bigint key: its
 * low 32 bits are `objid`.
 */
async function writerLockBackend(client: pg.Client, target: PgTarget): Promise<number | null> {
  const found = await client.query<{ pid: number }>(
    `SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted AND objsubid = 1
       AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
       AND objid::bigint = (hashtext($1)::bigint & 4294967295)`,
    [writerLockKey(target)]);
  return found.rows[0]?.pid ?? null;
}
