/**
 * Typed fakes for the watcher tests: a small in-memory Store (commits batched per
 * tick like the real one, listeners told after each commit) and an engine that
 * answers decisions. Also the incidents and audit entries the tests share.
 */
import type { AnyStateMachine } from 'xstate';
import type { EngineEvent, IncidentEngine } from '../agents/types.js';
import type { AuditEntry, DecisionRecord, IncidentRecord, ResponderRecord } from '../machines/types.js';
import type { AuditPage, AuditQuery, Store, StoreChange, TableName, Tables } from '../store/types.js';

export function createFakeStore(options: { readonly?: boolean } = {}): Store & { pendingRefresh: StoreChange | null } {
  const audit: AuditEntry[] = [];
  const tables = new Map<TableName, Map<string, unknown>>();
  const meta = new Map<string, unknown>();
  const listeners = new Set<(c: StoreChange) => void>();
  let pending: StoreChange = { audit: [], rows: [] };
  let scheduled = false;
  const table = (t: TableName) => tables.get(t) ?? tables.set(t, new Map()).get(t)!;
  const commit = () => {
    scheduled = false;
    const change = pending;
    pending = { audit: [], rows: [] };
    for (const l of listeners) l(change);
  };
  const dirty = () => {
    if (!scheduled) {
      scheduled = true;
      setImmediate(commit);
    }
  };
  return {
    path: null,
    readonly: options.readonly ?? false,
    pendingRefresh: null,
    appendAudit(entry) {
      audit.push(entry);
      pending.audit.push(entry);
      dirty();
    },
    queryAudit(q: AuditQuery = {}): AuditPage {
      const text = q.text?.toLowerCase();
      const hit = (e: AuditEntry) =>
        (!q.entityId || e.entityId === q.entityId) &&
        (!q.level || e.level === q.level) &&
        (!q.action || e.action === q.action) &&
        (!q.agent || e.meta.agent === q.agent) &&
        (!q.workflow || e.meta.workflow === q.workflow) &&
        (!q.since || e.ts >= q.since) &&
        (!q.until || e.ts < q.until) &&
        (!text || `${e.message} ${e.action} ${e.actor} ${e.entityId}`.toLowerCase().includes(text));
      const all = audit.filter(hit);
      if (q.order === 'desc') all.reverse();
      const offset = q.offset ?? 0;
      return { total: all.length, rows: all.slice(offset, offset + (q.limit ?? all.length)) };
    },
    auditCount: () => audit.length,
    put(t, row) {
      table(t).set(row.id, row);
      pending.rows.push({ table: t, id: row.id, row });
      dirty();
    },
    get: <T extends TableName>(t: T, id: string) => table(t).get(id) as Tables[T] | undefined,
    list<T extends TableName>(t: T, where: Partial<Tables[T]> = {}) {
      const rows = [...table(t).values()] as Tables[T][];
      return rows.filter((r) => Object.entries(where).every(([k, v]) => (r as unknown as Record<string, unknown>)[k] === v));
    },
    each<T extends TableName>(t: T, where: Partial<Tables[T]> = {}) {
      return this.list(t, where)[Symbol.iterator]();
    },
    remove(t, id) {
      table(t).delete(id);
      pending.rows.push({ table: t, id, row: null });
      dirty();
    },
    getMeta: <V>(key: string) => meta.get(key) as V | undefined,
    setMeta: (key, value) => void meta.set(key, value),
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    flush: async () => {},
    async refresh() {
      const change = this.pendingRefresh ?? { audit: [], rows: [] };
      this.pendingRefresh = null;
      return change;
    },
    close: async () => {},
  };
}

/** An engine that knows decisions only: decide() answers, audits who answered, and moves the incident on. */
export function createFakeEngine(store: Store, machines: Record<string, AnyStateMachine> = {}): IncidentEngine & { calls: unknown[][] } {
  const listeners = new Set<(e: EngineEvent) => void>();
  const calls: unknown[][] = [];
  return {
    store,
    calls,
    machines,
    clock: { now: () => Date.now(), setTimeout: (fn, ms) => setTimeout(fn, ms), clearTimeout: (id) => clearTimeout(id as NodeJS.Timeout) },
    submit: () => ({ jobId: 'job_x', done: Promise.resolve('succeeded' as const) }),
    stateOf: (id) => store.get('incidents', id)?.state ?? null,
    resolve: () => {},
    stop: async () => {},
    ready: Promise.resolve(),
    pendingDecisions: () => store.list('decisions', { status: 'pending' }),
    pendingDecisionsNow: async () => store.list('decisions', { status: 'pending' }),
    subscribe(l) {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    decide(id, answer, by) {
      calls.push([id, answer, by]);
      const d = store.get('decisions', id);
      if (!d || d.status !== 'pending') throw new Error(`no pending decision ${id}`);
      const at = new Date().toISOString();
      const decision: DecisionRecord = { ...d, status: answer === 'approve' ? 'approved' : 'denied', by, answeredAt: at };
      store.put('decisions', decision);
      const incident = store.get('incidents', d.incidentId)!;
      store.put('incidents', {
        // Like the real engine: the record keeps its decisionId once answered.
        ...incident, state: 'executive.fixing',
        path: [...incident.path, { state: 'executive.fixing', at }],
      });
      store.appendAudit(auditEntry({ entityType: 'decision', entityId: id, actor: by, action: `decision.${decision.status}`, level: 'warn', message: `${by} answered ${answer}` }));
      for (const l of listeners) l({ type: 'decision', decision });
    },
  };
}

const BASE = Date.parse('2026-03-02T09:00:00.000Z');
export const at = (minutes: number) => new Date(BASE + minutes * 60_000).toISOString();

let seq = 0;
export function auditEntry(over: Partial<AuditEntry> = {}): AuditEntry {
  seq += 1;
  return { id: `aud_${seq}`, ts: at(seq / 1000), actor: 'engine', entityType: 'incident', entityId: 'inc_1', action: 'incident.detected', level: 'info', message: 'detected', meta: {}, ...over };
}

export function incident(over: Partial<IncidentRecord> & { id: string }): IncidentRecord {
  return {
    fingerprint: `fp-${over.id}`, rootCause: null, repeatOf: null, tenant: 'acme', agent: 'billing-agent', workflow: 'invoice-run',
    jobId: null, failure: null, error: { message: 'ECONNREFUSED 10.0.0.5:5432', name: 'Error', retryable: true }, impact: null,
    severity: 'P2', status: 'triaged', state: 'triaged.working', assignee: 'cheryl', autoResolved: false,
    failureStartedAt: at(0), detectedAt: at(0), respondedAt: null, resolvedAt: null, closedAt: null,
    retries: [], escalations: [], attached: 0, slaBreaches: [], findings: [], reviewId: null,
    path: [{ state: 'detected', at: at(0) }, { state: 'triaged.queued', at: at(1) }, { state: 'triaged.working', at: at(2) }],
    whys: [], coordination: null, decisionId: null,
    policy: {
      AUTO_SPEND_LIMIT_USD: 500, TWO_HOUR_RULE_MS: 7_200_000, RETRY_DELAYS_MS: [0, 5000, 25000],
      MAINTENANCE_WINDOW: { day: 0, hour: 2, minute: 0 }, REVIEW_SEVERITIES: ['P0', 'P1'],
      DECISION_TIMEOUT_MS: 900_000, DECISION_TIMEOUT_POLICY: 'escalate', ACK_TIMEOUT_MS: 300_000, JOB_TIMEOUT_MS: 600_000,
    },
    ...over,
  };
}

export function responder(id: ResponderRecord['id'], active: string[], queue: string[]): ResponderRecord {
  return { id, capacity: 1, active, queue, updatedAt: at(0) };
}

/** A store with a mix of incidents: two active (a P0 at Atlas awaiting a decision, a P2 with Cheryl) and resolved ones. */
export function seedStore(store: Store): void {
  store.put('incidents', incident({
    id: 'inc_p0', severity: 'P0', status: 'executive', state: 'executive.awaitingDecision', assignee: 'atlas',
    agent: 'db-agent', workflow: 'nightly-sync', tenant: 'globex', detectedAt: at(30), decisionId: 'dec_1',
    error: { message: 'database down: connection refused', retryable: false },
    path: [{ state: 'detected', at: at(30) }, { state: 'triaged.working', at: at(31) }, { state: 'coordinated.working', at: at(40) }, { state: 'executive.working', at: at(50) }, { state: 'executive.awaitingDecision', at: at(55) }],
  }));
  store.put('incidents', incident({ id: 'inc_p2', severity: 'P2', detectedAt: at(20) }));
  store.put('incidents', incident({
    id: 'inc_old', severity: 'P1', status: 'closed', state: 'closed', assignee: 'petra', agent: 'email-agent', workflow: 'campaign',
    tenant: 'initech', detectedAt: at(-600), resolvedAt: at(-500), reviewId: 'doc_1',
    path: [{ state: 'detected', at: at(-600) }, { state: 'triaged.working', at: at(-590) }, { state: 'resolved', at: at(-500) }, { state: 'reviewing', at: at(-500) }, { state: 'closed', at: at(-400) }],
  }));
  store.put('incidents', incident({ id: 'inc_auto', severity: null, status: 'auto_resolved', state: 'closed', assignee: null, agent: 'email-agent', workflow: 'digest', tenant: 'acme', detectedAt: at(-100), autoResolved: true }));
  store.put('kb_documents', {
    id: 'doc_1', tags: ['post-incident-review'], title: 'Review of inc_old', createdAt: at(-400), incidentId: 'inc_old',
    body: '# Post-incident review\n\n## Root cause\n\n1. **Why** did it fail? The `smtp` relay expired.\n2. Why? Nobody renewed it.\n\n| Time | Event |\n|---|---|\n| 09:00 | detected |\n',
  });
  store.put('decisions', { id: 'dec_1', incidentId: 'inc_p0', action: 'rollback', status: 'pending', requestedAt: at(55), answeredAt: null, by: null, timeoutAt: at(70) });
  store.put('responders', responder('cheryl', ['inc_p2'], ['inc_x', 'inc_y']));
  store.put('responders', responder('petra', [], []));
  store.put('responders', responder('atlas', ['inc_p0'], []));
  store.appendAudit(auditEntry({ entityId: 'inc_p0', action: 'incident.detected', level: 'error', message: 'database down', meta: { agent: 'db-agent' } }));
  store.appendAudit(auditEntry({ entityId: 'inc_p0', action: 'incident.escalated', level: 'warn', message: 'escalated to atlas' }));
}
