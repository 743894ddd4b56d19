import type { AuditEntry } from '../machines/types.js';
import { AuditIndex, queryAudit } from './auditIndex.js';
import { canonicalJson } from './canonicalJson.js';
import type { AuditPage, AuditQuery } from './types.js';

const LINES_PER_PART = 16_384;

/**
 * The append-only audit log as the store holds it (`StoreData.audit_log`): each row kept
 * as its line of the `.audit.jsonl` file (canonical JSON, no newline) rather than as an
 * object, about a third of the heap, and indexed from its object once, as it comes in.
 * A commit appends the lines as they are; a query parses only the rows it returns.
 * @example const log = new AuditLog(); log.append(entry); log.query({ agent: 'mailer' }).rows
 */
export class AuditLog {
  readonly #lines: string[] = [];
  readonly #index = new AuditIndex();

  /** How many rows the log holds. */
  get length(): number {
    return this.#lines.length;
  }

  /** Appends an entry, serialized here once into the line the file will get. */
  append(entry: AuditEntry): void {
    const line = canonicalJson(entry);
    // JSON.stringify hands back a tree of string pieces (~430 bytes of heap for a 260-char
    // row); converting it to a number makes V8 flatten it into one sequential string
    // (~290 bytes). The number itself is discarded.
    Number(line);
    this.add(line, entry);
  }

  /** Appends a row given as its line and the object parsed from it (the object is not kept). */
  add(line: string, entry: AuditEntry): void {
    this.#lines.push(line);
    this.#index.add(entry);
  }

  /** Marks where the log stands, for `rollback`. */
  mark(): { length: number; index: ReturnType<AuditIndex['mark']> } {
    return { length: this.#lines.length, index: this.#index.mark() };
  }

  /** Goes back to a `mark`. */
  rollback(mark: ReturnType<AuditLog['mark']>): void {
    this.#lines.length = mark.length;
    this.#index.rollback(mark.index);
  }

  line(pos: number): string {
    return this.#lines[pos];
  }

  /** The row at `pos`, parsed: a new object each call. */
  entry(pos: number): AuditEntry {
    return JSON.parse(this.#lines[pos]) as AuditEntry;
  }

  /** Rows [from, to), parsed. */
  entries(from: number, to = this.length): AuditEntry[] {
    const out: AuditEntry[] = [];
    for (let pos = from; pos < to; pos++) out.push(this.entry(pos));
    return out;
  }

  /** The file bytes of rows [from, to): one line each, newline-terminated. */
  bytes(from: number, to: number): Buffer {
    const parts: Buffer[] = [];
    // Joined in runs: a large commit never becomes one string (V8 caps them near 512 MB).
    for (let at = from; at < to; at += LINES_PER_PART) {
      parts.push(Buffer.from(`${this.#lines.slice(at, Math.min(to, at + LINES_PER_PART)).join('\n')}\n`));
    }
    return parts.length === 1 ? parts[0] : Buffer.concat(parts);
  }

  query(query?: AuditQuery): AuditPage {
    return queryAudit(this, this.#index, query);
  }
}
