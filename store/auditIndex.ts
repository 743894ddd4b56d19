import type { AuditEntry } from '../machines/types.js';
import type { AuditPage, AuditQuery } from './types.js';

/** The AuditQuery fields answered from an index: row positions by value. */
export const INDEXED = ['entityId', 'agent', 'workflow', 'action', 'level'] as const;
export type IndexedField = (typeof INDEXED)[number];

/**
 * In-memory indexes over the append-only audit log: for an indexed field, the positions
 * of the rows holding each value, ascending (rows are only ever appended). Each field's
 * index is built by the first query that needs it and kept up to date from then on, so
 * opening a million-row log pays for none of them. Also tracks whether `ts` never goes
 * down, so that time bounds can be bisected.
 */
export class AuditIndex {
  readonly #maps = new Map<IndexedField, Map<string, number[]>>();
  #size = 0;
  #lastTs = '';
  #tsOrdered = true;

  /** Takes in `rows[size..]`, the rows appended since the last call. */
  addFrom(rows: readonly AuditEntry[]): void {
    const from = this.#size;
    for (const [field, map] of this.#maps) indexInto(map, rows, field, from, rows.length);
    // A local in the loop, not a private field: this runs once per row of a large log.
    let lastTs = this.#lastTs;
    let ordered = this.#tsOrdered;
    for (let pos = from; pos < rows.length && ordered; pos++) {
      const ts = rows[pos].ts;
      if (typeof ts === 'string' && ts >= lastTs) lastTs = ts;
      else ordered = false;
    }
    this.#size = rows.length;
    this.#lastTs = lastTs;
    this.#tsOrdered = ordered;
  }

  /** Positions of the rows whose `field` is `value`, ascending. */
  positions(rows: readonly AuditEntry[], field: IndexedField, value: string): readonly number[] {
    let map = this.#maps.get(field);
    if (!map) {
      this.#maps.set(field, (map = new Map()));
      indexInto(map, rows, field, 0, this.#size);
    }
    return map.get(value) ?? [];
  }

  /** How many rows are indexed. */
  get size(): number {
    return this.#size;
  }

  /** True while every row's `ts` is >= the one before: time bounds can be bisected. */
  get tsOrdered(): boolean {
    return this.#tsOrdered;
  }
}

function indexInto(map: Map<string, number[]>, rows: readonly AuditEntry[], field: IndexedField, from: number, to: number): void {
  for (let pos = from; pos < to; pos++) {
    const key = valueOf(rows[pos], field);
    if (key === undefined) continue;
    const list = map.get(key);
    if (list) list.push(pos);
    else map.set(key, [pos]);
  }
}

/** The value an indexed field has in a row (`agent` and `workflow` live in `meta`). */
export function valueOf(row: AuditEntry, field: IndexedField): string | undefined {
  const value = field === 'agent' || field === 'workflow' ? row.meta?.[field] : row[field];
  return typeof value === 'string' ? value : undefined;
}

/**
 * Answers an AuditQuery: candidates from the most selective index (or all rows), time
 * bounds bisected when `ts` is ordered, the other filters checked row by row, then paged.
 * With nothing left to check the page is sliced without scanning.
 * @example queryAudit(rows, index, { agent: 'mailer', level: 'error', order: 'desc', limit: 20 })
 */
export function queryAudit(rows: readonly AuditEntry[], index: AuditIndex, query: AuditQuery = {}): AuditPage {
  let list: readonly number[] | null = null;
  let chosen: IndexedField | null = null;
  for (const field of INDEXED) {
    const value = query[field];
    if (value === undefined) continue;
    const found = index.positions(rows, field, value);
    if (!list || found.length < list.length) [list, chosen] = [found, field];
  }
  const candidates = list;
  const at = candidates ? (i: number) => candidates[i] : (i: number) => i;
  let lo = 0;
  let hi = candidates ? candidates.length : rows.length;
  const bisect = index.tsOrdered;
  const { since, until } = query;
  if (bisect && since !== undefined) lo = firstNot(lo, hi, (i) => rows[at(i)].ts < since);
  if (bisect && until !== undefined) hi = firstNot(lo, hi, (i) => rows[at(i)].ts < until);

  const checks: Array<(row: AuditEntry) => boolean> = [];
  for (const field of INDEXED) {
    const value = query[field];
    if (value !== undefined && field !== chosen) checks.push((row) => valueOf(row, field) === value);
  }
  if (!bisect && since !== undefined) checks.push((row) => row.ts >= since);
  if (!bisect && until !== undefined) checks.push((row) => row.ts < until);
  if (query.text) {
    const needle = query.text.toLowerCase();
    checks.push((row) => [row.message, row.action, row.actor, row.entityId].some((s) => String(s ?? '').toLowerCase().includes(needle)));
  }

  const offset = Math.max(0, Math.floor(query.offset ?? 0)) || 0;
  const limit = query.limit === undefined ? Infinity : Math.max(0, Math.floor(query.limit)) || 0;
  const desc = query.order === 'desc';
  const out: AuditEntry[] = [];
  if (checks.length === 0) {
    // Every candidate in [lo, hi) matches: page directly.
    const total = hi - lo;
    const end = Math.min(total, offset + limit);
    for (let k = offset; k < end; k++) out.push(rows[at(desc ? hi - 1 - k : lo + k)]);
    return { total, rows: out };
  }
  let total = 0;
  for (let k = 0; k < hi - lo; k++) {
    const row = rows[at(desc ? hi - 1 - k : lo + k)];
    if (!checks.every((check) => check(row))) continue;
    if (total >= offset && out.length < limit) out.push(row);
    total++;
  }
  return { total, rows: out };
}

/** First index in [lo, hi) where `before` turns false (`before` is true, then false). */
function firstNot(lo: number, hi: number, before: (i: number) => boolean): number {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (before(mid)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
