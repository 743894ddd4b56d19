/** A timer as the queue orders it. */
export interface QueuedTimer {
  /** Grows with each timer set: breaks ties so equal due times fire in the order set. */
  seq: number;
  dueAt: number;
  cancelled: boolean;
}

/**
 * Binary min-heap of timers keyed by (dueAt, seq), with lazy deletion: a cancelled timer
 * stays in the heap, marked, until it reaches the top or the heap is compacted.
 * O(log n) per insert and removal, where a re-sort per firing would be O(n log n).
 *
 * @example
 * const queue = new TimerQueue<QueuedTimer>();
 * queue.push({ seq: 1, dueAt: 50, cancelled: false });
 * queue.peek()?.dueAt; // 50
 */
export class TimerQueue<T extends QueuedTimer> {
  private readonly heap: T[] = [];

  /** Entries held, cancelled ones included. */
  get size(): number {
    return this.heap.length;
  }

  push(timer: T): void {
    const heap = this.heap;
    let i = heap.push(timer) - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(heap[i], heap[parent])) break;
      [heap[i], heap[parent]] = [heap[parent], heap[i]];
      i = parent;
    }
  }

  /** The earliest live timer, dropping cancelled ones on the way. */
  peek(): T | undefined {
    while (this.heap.length > 0 && this.heap[0].cancelled) this.removeTop();
    return this.heap[0];
  }

  /** Removes and returns the earliest live timer. */
  pop(): T | undefined {
    const top = this.peek();
    if (top) this.removeTop();
    return top;
  }

  /** Drops cancelled entries so memory follows the live timers, not the cancelled ones. */
  compact(): void {
    const live = this.heap.filter((timer) => !timer.cancelled);
    this.heap.length = 0;
    for (const timer of live) this.push(timer);
  }

  private removeTop(): void {
    const heap = this.heap;
    const last = heap.pop();
    if (heap.length === 0 || !last) return;
    heap[0] = last;
    for (let i = 0; ; ) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < heap.length && before(heap[l], heap[m])) m = l;
      if (r < heap.length && before(heap[r], heap[m])) m = r;
      if (m === i) return;
      [heap[i], heap[m]] = [heap[m], heap[i]];
      i = m;
    }
  }
}

function before(a: QueuedTimer, b: QueuedTimer): boolean {
  return a.dueAt < b.dueAt || (a.dueAt === b.dueAt && a.seq < b.seq);
}
