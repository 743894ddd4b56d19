import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AnyStateMachine } from 'xstate';
import { settledError } from '../agents/engineCalls.js';
import type { IncidentEngine } from '../agents/types.js';
import type { AuditPage, AuditQuery, Store, TableName, Tables } from '../store/types.js';
import { describeMachine, type MachineDescription } from '../machines/describe.js';
import { AUDIT_ACTIONS } from '../machines/policies/auditActions.js';
import { BadRequest, decodePart, readJson, sendError, sendJson } from './http.js';
import type { InspectionRegistry } from './inspection.js';
import type { IncidentList } from './incidentList.js';
import { parseAuditQuery, parseIncidentFilter, responderView } from './queries.js';

/** What the JSON routes read from. */
export interface ApiContext {
  store: Store;
  /** The store's reads made where its rows live (`storeReads(store)`). */
  reads: StoreReads;
  engine: IncidentEngine | null;
  machines: Record<string, AnyStateMachine>;
  inspection: InspectionRegistry;
  /** A paced rehearsal's virtual time (WatcherHandlerOptions.virtualTime). */
  virtualTime: (() => { now: number; speed: number }) | null;
  /** Why decisions can no longer be answered here (WatcherHandlerOptions.decisionsClosed), else null. */
  decisionsClosed: () => string | null;
  /** The incident list, kept up to date from the store's commits. */
  incidents: IncidentList;
  /** Why the page is empty: the store does not exist yet (WatcherHandlerOptions.waiting). */
  waiting: string | null;
  /** Whether a request's token would be refused for a change (`tokenRefused` in session and decisions). */
  tokenRefused: (req: IncomingMessage, url: URL) => boolean;
}

/** Timeline entries returned with an incident; a long-running incident pages through /api/audit. */
const TIMELINE_LIMIT = 1000;
const REVIEW_TAG = 'post-incident-review';

/**
 * The read routes of `/app/watcher/api/…`. Returns false when no route matches.
 * Every answer is JSON; the page renders it with textContent.
 */
export function readRoute(ctx: ApiContext, path: string, url: URL, req: IncomingMessage, res: ServerResponse): boolean {
  const { store, engine } = ctx;
  const incident = /^\/incidents\/([^/]+)$/.exec(path);
  if (path === '/session') {
    const closed = ctx.decisionsClosed();
    sendJson(res, 200, {
      readonly: store.readonly,
      canDecide: engine !== null && closed === null,
      decisionsClosed: closed,
      // The page's token is not this watcher's (it restarted with a new one): its answers would be refused.
      tokenRefused: ctx.tokenRefused(req, url),
      storePath: store.path,
      auditCount: store.auditCount(),
      scenario: scenarioName(store.getMeta('scenario')),
      virtualTime: ctx.virtualTime?.() ?? null,
      waiting: ctx.waiting,
      // The audit viewer's Action filter matches a whole name: these are offered as it is typed.
      auditActions: AUDIT_ACTIONS,
    });
  } else if (path === '/incidents') {
    sendJson(res, 200, ctx.incidents.query(parseIncidentFilter(url.searchParams)));
  } else if (incident) {
    incidentDetail(ctx, decodePart(incident[1])).then(
      (detail) => (detail ? sendJson(res, 200, detail) : sendError(res, 404, 'watcher: no such incident')),
      unavailable(res),
    );
  } else if (path === '/audit') {
    ctx.reads.page(parseAuditQuery(url.searchParams)).then(
      (page) => sendJson(res, 200, page),
      unavailable(res),
    );
  } else if (path === '/responders') {
    sendJson(res, 200, { rows: store.list('responders').map(responderView) });
  } else if (path === '/decisions') {
    const rows = engine ? Promise.resolve(engine.pendingDecisions()) : ctx.reads.list('decisions', { status: 'pending' });
    const closed = ctx.decisionsClosed();
    rows.then((list) => sendJson(res, 200, { canDecide: engine !== null && closed === null, closed, tokenRefused: ctx.tokenRefused(req, url), rows: list }), unavailable(res));
  } else if (path === '/machines') {
    sendJson(res, 200, describeAll(ctx.machines));
  } else if (path === '/inspected') {
    sendJson(res, 200, { rows: ctx.inspection.list() });
  } else {
    return false;
  }
  return true;
}

/** A rehearsal records `{ name, file, seed, start }` under meta.scenario (sim/runner.ts). */
function scenarioName(meta: unknown): string | null {
  if (typeof meta === 'string') return meta;
  if (meta && typeof meta === 'object' && 'name' in meta && typeof meta.name === 'string') return meta.name;
  return null;
}

/** A read the store could not answer (its database gone): 503 with the store's message. */
function unavailable(res: ServerResponse) {
  return (error: unknown) => sendError(res, 503, `watcher: ${error instanceof Error ? error.message : String(error)}`);
}

/** The reads the routes make, each answered where the rows live. */
export interface StoreReads {
  page(query: AuditQuery): Promise<AuditPage>;
  row<T extends TableName>(table: T, id: string): Promise<Tables[T] | undefined>;
  list<T extends TableName>(table: T, where: Partial<Tables[T]>): Promise<Tables[T][]>;
}

/**
 * `store`'s reads where its rows live: its `pageAudit`, `fetch` and `fetchList` (a watcher's
 * PostgreSQL store pages the audit in the database and holds a closed incident, its review
 * and its answered decisions as their glance only), or, for a Store written elsewhere
 * without them (they are optional), its `queryAudit`, `get` and `list` from memory.
 * @example const reads = storeReads(store); const incident = await reads.row('incidents', id);
 */
export function storeReads(store: Store): StoreReads {
  return {
    page: store.pageAudit?.bind(store) ?? (async (query) => store.queryAudit(query)),
    row: store.fetch?.bind(store) ?? (async (table, id) => store.get(table, id)),
    list: store.fetchList?.bind(store) ?? (async (table, where) => store.list(table, where)),
  };
}

async function incidentDetail(ctx: ApiContext, id: string) {
  const { reads } = ctx;
  const found = await reads.row('incidents', id);
  if (!found) return null;
  // The persisted actor snapshot is for restore, not for reading; it can be large.
  const { snapshot: _snapshot, ...incident } = found;
  const [timeline, byId, decisions] = await Promise.all([
    reads.page({ entityId: id, order: 'asc', limit: TIMELINE_LIMIT }),
    incident.reviewId ? reads.row('kb_documents', incident.reviewId) : undefined,
    reads.list('decisions', { incidentId: id }),
  ]);
  // The incident's documents are listed only when its reviewId does not name its review
  // (one query fewer per detail over a PostgreSQL store).
  const review = byId?.tags.includes(REVIEW_TAG)
    ? byId
    : ((await reads.list('kb_documents', { incidentId: id })).find((d) => d.tags.includes(REVIEW_TAG)) ?? null);
  const names = Object.keys(ctx.machines);
  return {
    incident,
    timeline: timeline.rows,
    timelineTotal: timeline.total,
    review,
    decisions,
    machine: names.includes('incident') ? 'incident' : (names[0] ?? null),
  };
}

const described = new WeakMap<AnyStateMachine, MachineDescription>();

/** Machine definitions never change while the process runs: describe each once. */
function describeAll(machines: Record<string, AnyStateMachine>): Record<string, MachineDescription> {
  const out: Record<string, MachineDescription> = {};
  for (const [name, machine] of Object.entries(machines)) {
    let d = described.get(machine);
    if (!d) described.set(machine, (d = describeMachine(machine)));
    out[name] = d;
  }
  return out;
}

/**
 * POST /api/decisions/:id `{ answer, by }`: answers one of Atlas's go/no-go decisions
 * through the engine, which resumes the incident and audits who answered.
 * The caller has already checked the token.
 */
export async function decideRoute(ctx: ApiContext, id: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const { engine, store, reads } = ctx;
  if (!engine) return sendError(res, 409, 'watcher: this watcher has no engine (it reads a store file); answer from the process that runs the engine');
  const closed = ctx.decisionsClosed();
  if (closed !== null) return sendError(res, 409, `watcher: ${closed}`);
  const body = await readJson(req);
  const { answer, by } = (body ?? {}) as { answer?: unknown; by?: unknown };
  if (answer !== 'approve' && answer !== 'deny') throw new BadRequest('answer: expected "approve" or "deny"');
  const who = typeof by === 'string' ? by.trim() : '';
  if (!who || who.length > 80) throw new BadRequest('by: expected the name of who answers (1 to 80 characters)');
  const refused = (message: string) => sendError(res, 409, `watcher: the engine refused the answer: ${message}`);
  if (!engine.pendingDecisions().some((d) => d.id === id)) {
    const known = await reads.row('decisions', id);
    // The engine's own words for it: the same as when decide() refuses it (settled meanwhile).
    return known ? refused(settledError(id, known).message) : sendError(res, 404, 'watcher: no such decision');
  }
  try {
    await engine.decide(id, answer, who);
  } catch (error) {
    return refused((error as Error).message);
  }
  // A read-only store (the watcher over a cluster's database) sees the answer at its next refresh.
  const decided = store.readonly ? undefined : store.get('decisions', id);
  sendJson(res, 200, { ok: true, decision: decided ?? { id, answer, by: who } });
}
