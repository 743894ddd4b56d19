import type { RowChanges, TableName } from './types.js';

type Note = RowChanges['rows'][number] & {
  /** The row was not in its table at the last commit. */
  readonly fresh?: true;
  /** Taken back (the row moved last, or was put and removed between two commits). */
  dead?: true;
};

/**
 * The rows touched since the last commit, in the order a commit writes them: a row
 * inserted goes last, as it now sits in its table; a row put again keeps its place; a row
 * put and removed between two commits (a deadline armed and fired) is not written at all,
 * since it was never in a commit. Looked up per table by id: no key string per touch.
 * @example const dirty = new DirtyRows(); dirty.touch('jobs', 'job_1', 'insert'); dirty.notes() // [{ table: 'jobs', id: 'job_1', removed: false, fresh: true }]
 */
export class DirtyRows {
  readonly #byTable = new Map<TableName, Map<string, Note>>();
  #order: Note[] = [];
  #size = 0;

  /** How many rows a commit would write. */
  get size(): number {
    return this.#size;
  }

  /** Notes a row; `insert`: it was not in its table, so it now sits last. */
  touch(table: TableName, id: string, how: 'insert' | 'update' | 'remove'): void {
    let byId = this.#byTable.get(table);
    if (!byId) this.#byTable.set(table, (byId = new Map()));
    const before = byId.get(id);
    if (before) {
      // Put again before the commit: the note it has already says all (no object per put).
      if (how === 'update') return;
      if (how === 'remove') {
        if (!before.fresh) before.removed = true;
        else {
          before.dead = true;
          byId.delete(id);
          this.#size--;
        }
        return;
      }
      // Put again after a remove: it moves last, still noted removed (replayed as remove, put).
      before.dead = true;
      this.#size--;
    }
    const note: Note = before || how !== 'insert' ? { table, id, removed: how === 'remove' || (before?.removed ?? false) } : { table, id, removed: false, fresh: true };
    byId.set(id, note);
    this.#order.push(note);
    this.#size++;
  }

  /** The notes in commit order. */
  notes(): Note[] {
    return this.#order.length === this.#size ? this.#order : this.#order.filter((note) => !note.dead);
  }
}
