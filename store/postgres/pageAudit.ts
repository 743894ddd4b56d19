import type pg from 'pg';
import type { AuditEntry } from '../../machines/types.js';
import type { AuditPage, AuditQuery } from '../types.js';
import { pgError } from './connection.js';
import type { PgTarget } from './connection.js';
import { fromColumns } from './rows.js';
import type { ColumnValues } from './rows.js';
import { selectList } from './writeRows.js';

/** The AuditQuery fields matched by equality, and their columns (each indexed with seq). */
const EQUAL = [
  ['entityId', 'entity_id'],
  ['agent', 'agent'],
  ['workflow', 'workflow'],
  ['level', 'level'],
  ['action', 'action'],
] as const;

/**
 * The searched fields joined as the trigram index audit_search holds them (migration 104;
 * the planner matches this expression, so it is written once, here and there alike).
 */
const SEARCHED = `(coalesce(message, '') || chr(31) || coalesce(action, '') || chr(31) || coalesce(actor, '') || chr(31) || coalesce(entity_id, ''))`;

/**
 * The statements `pageAudit` runs for a query: its total (`count`) and its page (`page`),
 * with their values; `limit` null for all, 0 for none. A page past the first starts at the
 * seq the OFFSET would reach (keyset on seq), the same rows OFFSET gives.
 * @example auditPageSql({ agent: 'mailer', limit: 50 }).count // 'SELECT count(*)::int AS n FROM audit_log WHERE agent = $1'
 */
export function auditPageSql(query: AuditQuery = {}): { count: string; page: string; values: unknown[]; limit: number | null; offset: number } {
  const where: string[] = [];
  const values: unknown[] = [];
  const param = (value: unknown) => `$${values.push(value)}`;
  for (const [field, column] of EQUAL) {
    const value = query[field];
    if (value !== undefined) where.push(`${column} = ${param(value)}`);
  }
  if (query.since !== undefined) where.push(`ts >= ${param(query.since)}::timestamptz`);
  if (query.until !== undefined) where.push(`ts < ${param(query.until)}::timestamptz`);
  if (query.text) {
    const like = param(`%${query.text.replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`);
    // The joined fields find the candidates through the index; the fields one by one keep the
    // meaning exact (a match across two fields' join is not one).
    where.push(`${SEARCHED} ILIKE ${like}`, `(message ILIKE ${like} OR action ILIKE ${like} OR actor ILIKE ${like} OR entity_id ILIKE ${like})`);
  }
  const filter = where.length ? `WHERE ${where.join(' AND ')}` : '';
  const offset = Math.max(0, Math.floor(query.offset ?? 0)) || 0;
  const limit = query.limit === undefined ? null : Math.max(0, Math.floor(query.limit)) || 0;
  const order = query.order === 'desc' ? 'DESC' : 'ASC';
  const cut = limit === null ? '' : ` LIMIT ${limit}`;
  // A deep page by its first seq: found walking only the seq index (or a filter's index with
  // seq), not the rows skipped, which OFFSET reads whole. The text search's rows are matched
  // in the table anyway: its pages keep OFFSET.
  const from = offset > 0 && !query.text
    ? `seq ${order === 'DESC' ? '<=' : '>='} (SELECT seq FROM audit_log ${filter} ORDER BY seq ${order} OFFSET ${offset} LIMIT 1)`
    : null;
  const pageFilter = from ? `WHERE ${[...where, from].join(' AND ')}` : filter;
  return {
    count: `SELECT count(*)::int AS n FROM audit_log ${filter}`,
    page: `SELECT ${selectList('audit_log')} FROM audit_log ${pageFilter} ORDER BY seq ${order}${from ? '' : ` OFFSET ${offset}`}${cut}`,
    values, limit, offset,
  };
}

/**
 * The audit rows a follower has not read: past its last seq, or in its gaps (`$1` the last
 * seq, `$2` the gaps). Its re-read (PostgresAdapter) and pageAudit's count share it.
 */
export const UNREAD_AUDIT = 'seq > $1 OR seq = ANY($2::bigint[])';

/**
 * What a follower has counted of the audit: `count` rows, every row up to `lastSeq` but the
 * `gaps` (numbers taken by transactions not committed when it last read).
 */
export interface AuditCounted {
  count: number;
  lastSeq: number;
  gaps: number[];
}

/**
 * Answers an AuditQuery in the database, with the same meaning as the in-memory one
 * (auditIndex.ts): filters by equality through the indexes, `since` inclusive and `until`
 * exclusive on `ts`, `text` case-insensitive on message, action, actor and entity id (through
 * the trigram index where the database has pg_trgm), ordered by `seq`, the page cut by OFFSET/LIMIT (a deep page from its first seq, see auditPageSql) and the total counted apart;
 * with `counted` (a follower's), a query without filters counts only the rows committed since.
 * @example await pageAudit(pool, target, { agent: 'mailer', order: 'desc', limit: 50 })
 */
export async function pageAudit(pool: pg.Pool, target: PgTarget, query: AuditQuery = {}, counted: (() => AuditCounted | null) | null = null): Promise<AuditPage> {
  const { count, page, values, limit, offset } = auditPageSql(query);
  let client: pg.PoolClient | null = null;
  try {
    client = await pool.connect();
    // The total and the page from one snapshot: a commit between them would otherwise give
    // a page with rows the total does not count (or a total past the page's last row).
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    // No filter: the rows a follower counted, plus those committed since (through the seq index).
    const known = values.length === 0 ? counted?.() : null;
    const total = known
      ? await client.query<{ n: number }>(`SELECT count(*)::int AS n FROM audit_log WHERE ${UNREAD_AUDIT}`, [known.lastSeq, known.gaps])
      : await client.query<{ n: number }>(count, values);
    const n = (known?.count ?? 0) + (total.rows[0]?.n ?? 0);
    const rows = limit === 0 || offset >= n ? null : await client.query<ColumnValues>(page, values);
    await client.query('COMMIT');
    return { total: n, rows: rows ? rows.rows.map((row) => fromColumns('audit_log', row) as AuditEntry) : [] };
  } catch (error) {
    await client?.query('ROLLBACK').catch(() => undefined);
    // A connection that failed is not handed back to the pool.
    client?.release(true);
    client = null;
    throw pgError(target, 'page the audit log', error);
  } finally {
    client?.release();
  }
}
