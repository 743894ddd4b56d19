/** Transactions under way at once are far fewer: older holes in the numbering are rollbacks. */
export const MAX_GAPS = 1000;

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

  get size(): number {
    return this.#gaps.size;
  }

  /** The numbers skipped and not known rolled back, for the next read's `seq = ANY(…)`. */
  list(): number[] {
    return [...this.#gaps.keys()];
  }

  /**
   * The numbers between two rows read (`after` < `seq`): the last MAX_GAPS of them. Past
   * MAX_GAPS gaps in all, the lowest numbers (the oldest) are let go: they can only be
   * rollbacks piling up while some long transaction (anywhere on the server) holds xmin back.
   */
  note(after: number, seq: number): void {
    for (let skipped = Math.max(after + 1, seq - MAX_GAPS); skipped < seq; skipped++) this.#gaps.set(skipped, null);
    if (this.#gaps.size <= MAX_GAPS) return;
    for (const gap of [...this.#gaps.keys()].sort((a, b) => a - b).slice(0, this.#gaps.size - MAX_GAPS)) this.#gaps.delete(gap);
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
