import type pg from 'pg';
import { prepared } from '../../store/postgres/connection.js';

/** How the cluster tells its host about the database connection. */
export type ConnectionListener = (status: 'lost' | 'restored', error?: string) => void;

/**
 * SQLSTATE classes and codes worth another try: the connection went away (a server
 * restart, a killed backend), the server is starting, a serialization failure or a
 * deadlock, or the one-open-incident-per-fingerprint check losing a race.
 */
const RETRYABLE_CODES = new Set(['40001', '40P01', '23P01', '57P01', '57P02', '57P03', '53300']);
const RETRYABLE_NODE = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN']);
/** Of those, the ones a sound connection answers: a serialization failure, a deadlock, the fingerprint check. */
const CONFLICT_CODES = new Set(['40001', '40P01', '23P01']);

const codeOf = (error: unknown): string => (error && typeof error === 'object' && 'code' in error ? String((error as { code: unknown }).code) : '');

export function isRetryable(error: unknown): boolean {
  const code = codeOf(error);
  if (RETRYABLE_CODES.has(code) || RETRYABLE_NODE.has(code) || code.startsWith('08')) return true;
  const message = error instanceof Error ? error.message : '';
  // node-postgres reports a socket closed under it without a code.
  return /Connection terminated|connection (is )?closed|Client has encountered a connection error|timeout exceeded when trying to connect/i.test(message);
}

/** A retryable error that says the connection went away (what listeners hear as `lost`), not a conflict on a sound one. */
function connectionLost(error: unknown): boolean {
  return isRetryable(error) && !CONFLICT_CODES.has(codeOf(error));
}

export interface TransactionOptions {
  /** Give up after this long of consecutive failures (default 60 s). */
  giveUpAfterMs?: number;
  onConnection?: ConnectionListener;
  /**
   * No BEGIN/COMMIT: for `work` that runs one statement (atomic by itself), which then
   * costs one round trip instead of three.
   */
  plain?: boolean;
  /**
   * A statement run right after the COMMIT, in a transaction of its own (on a pipelined
   * connection in the COMMIT's round trip), built after `lastWrite`: the transaction's
   * `pg_notify`. Inside the transaction, a NOTIFY holds the server's lock that serializes
   * notifying commits until its commit is flushed to disk, so every notifying commit of the
   * cluster waited for the one before it; after it, a transaction that writes nothing holds
   * it a moment and flushes nothing. Its failure (the notify queue full) is not the
   * transaction's: that committed. A server that dies between the two loses the notice,
   * and its listeners, who lose their connection with it, read everything again.
   */
  afterCommit?: (client: pg.PoolClient) => pg.QueryConfig | string | null;
  /**
   * The transaction's last write (a prepared statement), built after `work`: on a pipelined
   * connection (createPool's `pipeline`) it is sent with the COMMIT, in one round trip;
   * should it fail, the COMMIT finds the transaction aborted and commits nothing.
   */
  lastWrite?: (client: pg.PoolClient) => pg.QueryConfig | null;
  /**
   * Statements (prepared) sent with BEGIN: on a pipelined connection in one round trip,
   * run in order (each one after the locks of those before it are granted); their results
   * are `work`'s second argument, in order.
   */
  withBegin?: readonly pg.QueryConfig[];
}

/**
 * For the transaction's last write: a prepared statement's generic plan, made once, instead
 * of a plan for each execution's values (PostgreSQL's choice for the cluster's write
 * statements, about a quarter of a millisecond of server CPU each). Until the COMMIT.
 */
const GENERIC = 'SET LOCAL plan_cache_mode = force_generic_plan';

/**
 * Runs `work` in one transaction and commits it, or retries it whole. A commit whose
 * answer was lost may have landed: `work` must be idempotent (the cluster's events carry
 * idempotency keys), so running it again is then a no-op. Backoff doubles from 50 ms to
 * 2 s; a non-retryable error (a bug, a constraint) is rethrown at once.
 * @example const id = await transaction(pool, async (sql) => (await sql.query('SELECT 1')).rows[0]);
 */
export async function transaction<R>(pool: pg.Pool, work: (client: pg.PoolClient, first: pg.QueryResult[]) => Promise<R>, options: TransactionOptions = {}): Promise<R> {
  const retry = new Retries(options);
  for (;;) {
    let client: pg.PoolClient | undefined;
    try {
      // The server may drop the connection between two statements of ours (a restart): the
      // next statement fails and the whole transaction is retried (the pool's clients each
      // hear their 'error' event: createPool).
      const taken = (client = await pool.connect());
      let first: pg.QueryResult[] = [];
      if (options.withBegin?.length && !options.plain) {
        if (pipelined(taken)) first = (await Promise.all([taken.query('BEGIN'), ...options.withBegin.map((q) => taken.query(q))])).slice(1);
        else {
          await taken.query('BEGIN');
          for (const q of options.withBegin) first.push(await taken.query(q));
        }
      } else if (!options.plain) await taken.query('BEGIN');
      const result = await work(client, first);
      if (!options.plain) {
        const last = options.lastWrite?.(client) ?? null;
        const after = options.afterCommit?.(client) ?? null;
        const tell = (c: pg.PoolClient) => (after ? c.query(after).then(() => undefined, () => undefined) : undefined);
        // The last write runs with the generic plan (its plan does not depend on its values): planned once, not at every event.
        const generic = last && client.query(GENERIC);
        if (pipelined(client)) await Promise.all([generic, last && client.query(last), client.query('COMMIT'), tell(client)]);
        else {
          await generic;
          if (last) await client.query(last);
          await client.query('COMMIT');
          await tell(client);
        }
      }
      client.release();
      retry.succeeded();
      return result;
    } catch (error) {
      const connection = connectionLost(error);
      if (client) {
        if (!options.plain) await client.query('ROLLBACK').catch(() => undefined);
        // A client whose connection broke must not go back to the pool.
        client.release(connection ? (error as Error) : undefined);
      }
      await retry.failed(error);
    }
  }
}

/** A connection of a pool made with createPool's `pipeline`: statements asked for at once go in one round trip. */
function pipelined(client: pg.ClientBase): boolean {
  return (client as { pipeline?: boolean }).pipeline === true;
}

/**
 * One statement on the pool, tried again (backoff 50 ms → 2 s) while the server is away,
 * for up to `giveUpAfterMs` (default 60 s). pg-boss runs its own statements through this:
 * a restarted server costs it a pause, not an error (the statements it does not await are
 * guarded in BossQueue).
 */
export async function retryingQuery(pool: pg.Pool, text: string, values: unknown[] | undefined, options: TransactionOptions = {}): Promise<pg.QueryResult> {
  const retry = new Retries(options);
  for (;;) {
    try {
      // pg-boss's statements with values are single ones (its multi-statement texts take none): prepared once per connection.
      const result = await (values && values.length > 0 ? pool.query(prepared(text, values)) : pool.query(text, values));
      retry.succeeded();
      return result;
    } catch (error) {
      // A deadlock (pg-boss's create_queue in N processes starting at once on a new database) is tried again, and is no lost connection.
      await retry.failed(error);
    }
  }
}

/**
 * The tries of one transaction or statement: backoff doubling from 50 ms to 2 s, up to
 * `giveUpAfterMs` of consecutive failures; listeners hear `lost` once, at the first failure
 * that says the connection went away (not at a conflict on a sound one), and `restored`
 * when a try after it succeeds.
 */
class Retries {
  readonly #started = Date.now();
  #delay = 50;
  #lost = false;

  constructor(private readonly options: TransactionOptions) {}

  /** Rethrows `error` unless it is worth another try; else tells listeners of a lost connection and waits. */
  async failed(error: unknown): Promise<void> {
    if (!isRetryable(error) || Date.now() - this.#started > (this.options.giveUpAfterMs ?? 60_000)) throw error;
    if (connectionLost(error) && !this.#lost) {
      this.#lost = true;
      this.options.onConnection?.('lost', error instanceof Error ? error.message : String(error));
    }
    await new Promise((resolve) => setTimeout(resolve, this.#delay));
    this.#delay = Math.min(2_000, this.#delay * 2);
  }

  succeeded(): void {
    if (this.#lost) this.options.onConnection?.('restored');
  }
}
