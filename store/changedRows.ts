/**
 * A writer's rows changed since the state file was written, and where the JSON of each
 * one's last put starts in the journal (-1: not there). A map per table keyed by the row's
 * id: an entry holds no key string of its own (a `table\0id` key cost about 64 bytes a row,
 * and the journal of a long run holds hundreds of thousands of rows before a fold).
 * @example const changed = new ChangedRows(); changed.set('jobs', 'job_1', 812); changed.has('jobs', 'job_1')
 */
export class ChangedRows {
  readonly #tables = new Map<string, Map<string, number>>();

  set(table: string, id: string, at: number): void {
    let rows = this.#tables.get(table);
    if (!rows) this.#tables.set(table, (rows = new Map()));
    rows.set(id, at);
  }

  get(table: string, id: string): number | undefined {
    return this.#tables.get(table)?.get(id);
  }

  has(table: string, id: string): boolean {
    return this.#tables.get(table)?.has(id) ?? false;
  }
}
