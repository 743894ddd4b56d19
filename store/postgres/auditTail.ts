import type { AuditEntry } from '../../machines/types.js';
import { AuditLog } from '../auditLog.js';
import { StoreError } from '../types.js';
import type { AuditPage, AuditQuery } from '../types.js';

/**
 * The audit log of a read-only PostgreSQL store opened `{ pagedAudit: true }` (the
 * watcher's): it holds no row read at open, only how many the database had, and from then on
 * the rows each re-read brings, until the next one (the store core hands them to its
 * listeners as the change's `audit`, which is all a follower needs them for). Every other
 * read of the audit goes to the database: `pageAudit`. `query` (the synchronous
 * `queryAudit`) refuses, saying so, rather than answer from rows it does not have.
 * @example const tail = new AuditTail('postgres://…', 600_000); tail.startRead(); tail.append(entry); tail.entries(600_000) // [entry]
 */
export class AuditTail extends AuditLog {
  readonly #shown: string;
  /** Rows before the last re-read's (counted, not held). */
  #base: number;
  /** The last re-read's rows, in the order read. */
  #rows: AuditEntry[] = [];

  constructor(shown: string, count: number) {
    super();
    this.#shown = shown;
    this.#base = count;
  }

  override get length(): number {
    return this.#base + this.#rows.length;
  }

  /** A re-read begins: the rows of the one before are counted and let go. */
  startRead(): void {
    this.#base += this.#rows.length;
    this.#rows = [];
  }

  /** A row the re-read brought (kept as read: it is handed out once, to the listeners). */
  override append(entry: AuditEntry): void {
    this.#rows.push(entry);
  }

  /** Rows [from, to) of the last re-read; older rows live in the database only. */
  override entries(from: number, to = this.length): AuditEntry[] {
    if (from < this.#base) throw this.#refusal(`rows from ${from}`);
    return this.#rows.slice(from - this.#base, Math.max(from, to) - this.#base);
  }

  override line(pos: number): string {
    return JSON.stringify(this.entries(pos, pos + 1)[0]);
  }

  override query(_query?: AuditQuery): AuditPage {
    throw this.#refusal('queryAudit');
  }

  #refusal(what: string): StoreError {
    return new StoreError(`${this.#shown} was opened with its audit in the database (pagedAudit): ${what} cannot be read from memory; use pageAudit`, 'readonly', this.#shown);
  }
}
