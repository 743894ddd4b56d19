import type { AuditEntry } from '../machines/types.js';
import { INDEXED, TEXT_FIELDS, type AuditIndex, type IndexedField } from './auditIndex.js';
import { listOf, type Positions } from './partPositions.js';
import type { AuditPage, AuditQuery } from './types.js';

/** The rows an AuditQuery runs over: each row's JSON line, and the row parsed from it. */
export interface AuditRows {
  readonly length: number;
  line(pos: number): string;
  entry(pos: number): AuditEntry;
  /** Rows [from, to), parsed (read in bulk, where the rows allow it). */
  entries?(from: number, to: number): AuditEntry[];
}

/**
 * Answers an AuditQuery: candidates from the most selective index (or all rows), the
 * other indexed fields checked against their indexes, time bounds bisected when `ts` is
 * ordered, the rest checked on parsed rows, then paged. Only rows that must be looked at
 * are parsed; with nothing left to check the page is sliced without scanning.
 * @example queryAudit(log, index, { agent: 'mailer', level: 'error', order: 'desc', limit: 20 })
 */
export function queryAudit(rows: AuditRows, index: AuditIndex, query: AuditQuery = {}): AuditPage {
  let list: Positions | null = null;
  let chosen: IndexedField | null = null;
  for (const field of INDEXED) {
    const value = query[field];
    if (value === undefined) continue;
    const found = index.positions(field, value);
    if (!list || found.length < list.length) [list, chosen] = [found, field];
  }
  const needle = query.text ? query.text.toLowerCase() : null;
  const texts = needle === null ? null : index.textPositions(needle, rows);
  if (texts) list = listOf(list ? intersect(list, texts) : texts);
  const candidates = list;
  const at = candidates ? (i: number) => candidates.get(i) : (i: number) => i;
  let lo = 0;
  let hi = candidates ? candidates.length : rows.length;
  const bisect = index.tsOrdered;
  const { since, until } = query;
  const tsAt = (i: number) => rows.entry(at(i)).ts;
  if (bisect && since !== undefined) lo = firstNot(lo, hi, (i) => tsAt(i) < since);
  if (bisect && until !== undefined) hi = firstNot(lo, hi, (i) => tsAt(i) < until);

  const keep: Array<(pos: number) => boolean> = [];
  for (const field of INDEXED) {
    const value = query[field];
    if (value !== undefined && field !== chosen) keep.push(index.matcher(field, value));
  }
  const checks: Array<(row: AuditEntry) => boolean> = [];
  if (!bisect && since !== undefined) checks.push((row) => row.ts >= since);
  if (!bisect && until !== undefined) checks.push((row) => row.ts < until);
  if (needle !== null && !texts) {
    checks.push((row) => TEXT_FIELDS.some((field) => String(row[field] ?? '').toLowerCase().includes(needle)));
    // A needle of plain ASCII is in a field only if it is in the row's line (which holds
    // the field verbatim, strings escaped only for quotes, backslashes and controls), so
    // rows whose line lacks it are skipped unparsed.
    if (/^[\x20-\x7e]*$/.test(needle) && !/["\\]/.test(needle)) {
      keep.push((pos) => !index.plainText(pos) || rows.line(pos).toLowerCase().includes(needle));
    }
  }

  const offset = Math.max(0, Math.floor(query.offset ?? 0)) || 0;
  const limit = query.limit === undefined ? Infinity : Math.max(0, Math.floor(query.limit)) || 0;
  const desc = query.order === 'desc';
  const out: AuditEntry[] = [];
  if (keep.length === 0 && checks.length === 0) {
    // Every candidate in [lo, hi) matches: page directly.
    const total = hi - lo;
    const end = Math.min(total, offset + limit);
    for (let k = offset; k < end; k++) out.push(rows.entry(at(desc ? hi - 1 - k : lo + k)));
    return { total, rows: out };
  }
  let total = 0;
  for (let k = 0; k < hi - lo; k++) {
    const pos = at(desc ? hi - 1 - k : lo + k);
    if (!keep.every((test) => test(pos))) continue;
    let row: AuditEntry | null = null;
    if (checks.length) {
      row = rows.entry(pos);
      if (!checks.every((check) => check(row as AuditEntry))) continue;
    }
    if (total >= offset && out.length < limit) out.push(row ?? rows.entry(pos));
    total++;
  }
  return { total, rows: out };
}

/** The numbers in both ascending lists. */
function intersect(a: Positions, b: ArrayLike<number>): number[] {
  const out: number[] = [];
  for (let i = 0, j = 0; i < a.length && j < b.length; ) {
    const x = a.get(i);
    if (x < b[j]) i++;
    else if (x > b[j]) j++;
    else (out.push(x), i++, j++);
  }
  return out;
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
