import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { AuditEntry, IncidentRecord } from '../machines/types.js';
import { openStore, storeFiles } from '../store/index.js';

/** What one run of `benchStore` measured. */
export interface StoreBench {
  n: number;
  burst: number;
  flushes: number;
  /** Audit rows plus incident rows written per second, flushes included. */
  rowsPerSec: number;
  msPerFlush: number;
  maxFlushMs: number;
  stateBytes: number;
  auditBytes: number;
  /** Opening the finished store again (parse, indexes). */
  reopenMs: number;
  /** A filtered, paged audit query and an indexed incident list on the reopened store. */
  queryMs: number;
}

const T0 = Date.UTC(2026, 0, 1);
const iso = (ms: number) => new Date(T0 + ms).toISOString();

/** A typical audit row, deterministic in `i`. */
export function auditRow(i: number): AuditEntry {
  return {
    id: `aud_${i}`, ts: iso(i * 1000), actor: 'engine', entityType: 'incident', entityId: `inc_${i}`,
    action: i % 4 ? 'incident.triage' : 'incident.detected', level: i % 50 ? 'info' : 'error',
    message: `incident inc_${i} moved on`, meta: { agent: `agent_${i % 40}`, workflow: `wf_${i % 12}`, severity: 'P2' },
  };
}

/** A typical incident (about 1 KB of JSON), deterministic in `i`. */
export function incidentRow(i: number): IncidentRecord {
  const at = iso(i * 1000);
  return {
    id: `inc_${i}`, fingerprint: `fp_${i % 300}`, rootCause: null, repeatOf: null, tenant: `t_${i % 20}`,
    agent: `agent_${i % 40}`, workflow: `wf_${i % 12}`, jobId: `job_${i}`, failure: null,
    error: { message: `Timeout calling provider (${i})`, name: 'TimeoutError', retryable: true },
    impact: null, severity: 'P2', status: i % 3 ? 'resolved' : 'triaged', state: 'triaged', assignee: 'cheryl',
    autoResolved: false, failureStartedAt: at, detectedAt: at, respondedAt: at, resolvedAt: null, closedAt: null,
    retries: [{ attempt: 1, delayMs: 0, at, outcome: 'failed', error: 'timeout' }], escalations: [], attached: 0,
    slaBreaches: [], findings: [], reviewId: null, path: [{ state: 'detected', at }], whys: [], coordination: null,
    decisionId: null,
    policy: {
      AUTO_SPEND_LIMIT_USD: 500, TWO_HOUR_RULE_MS: 7_200_000, RETRY_DELAYS_MS: [0, 5_000, 25_000],
      MAINTENANCE_WINDOW: { day: 0, hour: 2, minute: 0 }, REVIEW_SEVERITIES: ['P0', 'P1'],
      DECISION_TIMEOUT_MS: 900_000, DECISION_TIMEOUT_POLICY: 'escalate', ACK_TIMEOUT_MS: 600_000, JOB_TIMEOUT_MS: 600_000,
    },
  };
}

/**
 * Appends `n` audit rows and puts `n` incidents in bursts of `burst`, flushing after each
 * burst, into a store in a temp dir (removed afterwards); then reopens it and queries.
 * Every flush rewrites the state file, so ms per flush grows with the incidents table.
 * @example const r = await benchStore(10_000); console.log(r.rowsPerSec, r.msPerFlush);
 */
export async function benchStore(n: number, opts: { burst?: number } = {}): Promise<StoreBench> {
  const burst = opts.burst ?? 1000;
  const dir = mkdtempSync(join(tmpdir(), 'incident-flow-bench-'));
  const file = join(dir, 'bench.json');
  try {
    const store = await openStore(file);
    const flushMs: number[] = [];
    const start = performance.now();
    for (let from = 0; from < n; from += burst) {
      for (let i = from; i < Math.min(n, from + burst); i++) {
        store.appendAudit(auditRow(i));
        store.put('incidents', incidentRow(i));
      }
      const t = performance.now();
      await store.flush();
      flushMs.push(performance.now() - t);
    }
    const totalMs = performance.now() - start;
    await store.close();

    const t = performance.now();
    const again = await openStore(file, { readonly: true });
    const reopenMs = performance.now() - t;
    const q = performance.now();
    again.queryAudit({ agent: 'agent_7', level: 'error', order: 'desc', limit: 50 });
    again.queryAudit({ since: iso(n * 250), until: iso(n * 500), offset: 100, limit: 50 });
    again.list('incidents', { status: 'triaged', agent: 'agent_3' });
    const queryMs = performance.now() - q;
    await again.close();

    return {
      n, burst, flushes: flushMs.length,
      rowsPerSec: Math.round((2 * n) / (totalMs / 1000)),
      msPerFlush: round(flushMs.reduce((a, b) => a + b, 0) / Math.max(1, flushMs.length)),
      maxFlushMs: round(Math.max(0, ...flushMs)),
      stateBytes: statSync(file).size,
      auditBytes: statSync(storeFiles(file).audit).size,
      reopenMs: round(reopenMs),
      queryMs: round(queryMs),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const round = (ms: number) => Math.round(ms * 10) / 10;

// `node --import tsx bench/store.ts [n]` runs it alone; importing it runs nothing.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.log(await benchStore(Number(process.argv[2] ?? 10_000)));
}
