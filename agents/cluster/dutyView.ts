import type { AuditEntry } from '../../machines/types.js';
import { createMemoryStore } from '../../store/memoryStore.js';
import type { AuditQuery, Store, TableName, Tables } from '../../store/types.js';

/** A row a duty wrote, to be written in the duty's transaction. */
export type DutyWrite = { [T in TableName]: { table: T; row: Tables[T] } }[TableName];

/** The rows a duty reads, fetched from PostgreSQL inside the duty's transaction. */
export interface DutySeed {
  rows: DutyWrite[];
  audit: AuditEntry[];
  /**
   * Audit queries a duty asks only the number of rows of (`limit: 0`), counted in the
   * database instead of every row read: the view answers exactly these with `total`.
   */
  counts?: Array<{ query: AuditQuery; total: number }>;
}

/**
 * The store a duty (Cheryl's triage, Petra's coordination, Atlas's assessment, the review)
 * sees in the cluster: an in-memory store holding the rows it reads, which records what it
 * writes. The duties are the single-process engine's own functions, unchanged: they read
 * and write a `Store` synchronously; the cluster hands them this view and commits `writes`.
 * @example const view = createDutyView(seed); triage({ ...rt, store: view.store }, …); await put(view.writes);
 */
export function createDutyView(seed: DutySeed): { store: Store; writes: DutyWrite[] } {
  const inner = createMemoryStore({ autoCommit: false });
  for (const { table, row } of seed.rows) inner.put(table, row as never);
  const seen = new Set<string>();
  for (const entry of seed.audit) {
    if (seen.has(entry.id)) continue;
    seen.add(entry.id);
    inner.appendAudit(entry);
  }
  const writes: DutyWrite[] = [];
  const store: Store = Object.create(inner) as Store;
  store.put = (table, row) => {
    writes.push({ table, row } as DutyWrite);
    inner.put(table, row);
  };
  const counts = seed.counts ?? [];
  store.queryAudit = (query = {}) => {
    if (query.limit !== 0) return inner.queryAudit(query);
    const counted = counts.find((c) => sameQuery(c.query, query));
    // The seed holds the counts a duty asks for, not their rows: a count it lacks would read 0.
    if (!counted) throw new Error(`incident-flow: a duty's audit count was not seeded (dutySeeds.ts): ${JSON.stringify(query)}`);
    return { total: counted.total, rows: [] };
  };
  store.appendAudit = () => {
    throw new Error('incident-flow: a duty writes its audit through its incident, not directly');
  };
  return { store, writes };
}

function sameQuery(a: AuditQuery, b: AuditQuery): boolean {
  const keys = Object.keys(a) as Array<keyof AuditQuery>;
  return keys.length === Object.keys(b).length && keys.every((k) => a[k] === b[k]);
}
