/**
 * Gaps held at most. Past it the lowest go, and a transaction still holding one of those
 * numbers commits unseen, so it is far above what piles up in practice: gaps outlive a read
 * only while a transaction anywhere on the server (a `pg_dump`, a forgotten session) holds
 * xmin back, and then every rollback stays one (10 a second for 2 hours is 72,000). Each read
 * asks for its gaps again (`seq = ANY(…)`): measured over 1,000,000 audit rows at load 4.6,
 * about 12 ms at 10,000 gaps, 200-290 ms at 100,000 (a scan of the table), nothing without.
 */
export const MAX_GAPS = 100_000;

/**
 * The audit `seq` numbers a follower's reads skipped over: each taken by a transaction not
 * committed when the read was made, or by one that rolled back, which a read cannot tell
 * apart. Each gap keeps the transaction id (xid8) the follower took in the read that noted
 * it, after that read's snapshot: every transaction that could hold the number had its id
 * before then (the writers take the id before the number: writeRows.ts, AUDIT_SEQ), so it is
 * older. A later read whose snapshot's xmin has passed that id (every older transaction has
 * ended) and that still does not find the row knows it rolled back: had it committed, that
 * same snapshot would show it. No clock: a transaction holding its number for minutes (a lock
 * wait, a slow disk) is read when it commits. (The noting snapshot's own xmax is no such
 * bound: it is one past the newest *ended* transaction, and the holder may be younger.)
 * @example const gaps = new AuditGaps(); gaps.note(1, 4); gaps.bind(900n); gaps.settle(901n); gaps.list() // []
 */
export class AuditGaps {
  /** seq → the id after which its holder began; null until the noting read takes its id (`bind`). */
  readonly #gaps = new Map<number, bigint | null>();
  /** No gap is below this number: the cap lets gaps go from here up. */
  #low = Infinity;

  get size(): number {
    return this.#gaps.size;
  }

  /** The numbers skipped and not known rolled back, for the next read's `seq = ANY(…)`. */
  list(): number[] {
    return [...this.#gaps.keys()];
  }

  /**
   * The numbers between two rows read (`after` < `seq`): the last MAX_GAPS of them. Past
   * MAX_GAPS gaps in all, the lowest numbers (the oldest) are let go, walking up from the
   * lowest one held (each number is passed once in the follower's life, not sorted per note).
   */
  note(after: number, seq: number): void {
    const from = Math.max(after + 1, seq - MAX_GAPS);
    if (from < seq) this.#low = Math.min(this.#low, from);
    for (let skipped = from; skipped < seq; skipped++) this.#gaps.set(skipped, null);
    while (this.#gaps.size > MAX_GAPS) this.#gaps.delete(this.#low++);
  }

  /** A gap's row was read: it is no gap any more. True if it was one. */
  filled(seq: number): boolean {
    return this.#gaps.delete(seq);
  }

  /** True when a gap was noted in this read and waits for its bound. */
  get unbound(): boolean {
    for (const xid of this.#gaps.values()) if (xid === null) return true;
    return false;
  }

  /** The noting read's own transaction id (taken after its snapshot), for the gaps it noted. */
  bind(xid: bigint): void {
    for (const [seq, bound] of this.#gaps) if (bound === null) this.#gaps.set(seq, xid);
  }

  /**
   * After a read whose snapshot has `xmin` found the rows it could: the gaps whose holders
   * have all ended by then (bound <= xmin) and are still empty rolled back.
   */
  settle(xmin: bigint): void {
    for (const [seq, bound] of this.#gaps) if (bound !== null && bound <= xmin) this.#gaps.delete(seq);
  }
}
