import type { IncidentEvent } from '../../machines/incidentEvents.js';
import type { IncidentRecord, JobRecord, Responder } from '../../machines/types.js';
import { buildReview } from '../../reports/review.js';
import { assess } from '../atlas.js';
import { triage } from '../cheryl.js';
import { createFleet } from '../fleet.js';
import { coordinate } from '../petra.js';
import { isoAt, type Runtime } from '../runtime.js';
import { STAGE, type Committed } from './commitStep.js';
import { joinedJobs, seedFor } from './dutySeeds.js';
import { createDutyView } from './dutyView.js';
import { snapshotOf, type Step } from './incidentStep.js';
import { batchOf, type Sql } from './pgRows.js';

/**
 * Applies an event to an incident locked and read in the caller's transaction, with what
 * follows it (ClusterHost.applyTo). `joined`: the jobs that joined the incident, when the
 * caller read them with the lock.
 */
export type ApplyTo = (sql: Sql, record: IncidentRecord, event: IncidentEvent | { type: string; output?: unknown }, joined?: readonly JobRecord[]) => Promise<Committed | null>;

/**
 * What a step leads to at once, done in its transaction, under the same lock: the duty of a
 * responder who just acknowledged (Cheryl's triage, Petra's coordination, Atlas's
 * assessment) and the review the step commissioned. Their reads see the step's writes (it
 * has sent them); their steps come after its in the audit log and in the events, as if
 * each were an event of its own. Queued instead, each was another pg-boss item, another
 * transaction and another read of the incident's row.
 * @example return followUp(apply, rt, sql, record, step, await commitStep(sql, cx, record, step));
 */
export async function followUp(apply: ApplyTo, rt: Runtime, sql: Sql, previous: IncidentRecord | null, step: Step, committed: Committed, joined?: readonly JobRecord[]): Promise<Committed> {
  const { record } = step;
  const [stage, sub] = record.state.split('.');
  const responder = (Object.keys(STAGE) as Responder[]).find((r) => STAGE[r] === stage);
  const duty = responder && sub === 'working' && previous?.state !== record.state;
  if (!duty && !step.effects.commissionReview) return committed;
  // What follows reads what the step wrote: its batch goes first (otherwise it goes with the COMMIT), in the
  // round trip of those reads (pipelined, run in the order sent); its failure is seen where they are awaited.
  const written = batchOf(sql).flush(sql);
  written.catch(() => undefined);
  const seen = joined ?? (await joinedJobs(sql, record.id));
  const next = duty && responder ? await dutyStep(apply, rt, sql, record, responder, seen, written) : await reviewStep(apply, rt, sql, record, seen, written);
  return next ? { events: [...committed.events, ...next.events], responders: [...(committed.responders ?? []), ...(next.responders ?? [])] } : committed;
}

/** A responder's duty, run by the single-process engine's own functions over a view of the rows they read, and its step. */
export async function dutyStep(apply: ApplyTo, rt: Runtime, sql: Sql, record: IncidentRecord, responder: Responder, joined: readonly JobRecord[], written?: Promise<void>): Promise<Committed | null> {
  const at = rt.clock.now();
  const { seed, recent } = await seedFor(sql, responder, record, at, joined, written);
  const view = createDutyView(seed);
  const seen = { ...rt, store: view.store };
  const ctx = snapshotOf(record).context;
  const event = responder === 'cheryl' ? triage(seen, createFleet(seen, () => {}), ctx, at) : responder === 'petra' ? coordinate(seen, ctx, at, recent) : assess(seen, ctx, at);
  // Written with the step, in its one statement.
  for (const w of view.writes) batchOf(sql).put(w.table, [w.row] as never);
  const committed = await apply(sql, record, event);
  const decision = event.type === 'executive.assessed' && event.decisionId ? view.writes.find((w) => w.table === 'decisions' && w.row.id === event.decisionId) : undefined;
  // The decision is heard right after the assessment's own events (before what followed it).
  if (committed && decision?.table === 'decisions') committed.events.push({ type: 'decision', decision: decision.row });
  return committed;
}

/** Atlas's post-incident review, built from the incident's rows, published in the step that closes it. */
export async function reviewStep(apply: ApplyTo, rt: Runtime, sql: Sql, record: IncidentRecord, joined: readonly JobRecord[], written?: Promise<void>): Promise<Committed | null> {
  const at = rt.clock.now();
  const { seed } = await seedFor(sql, 'review', record, at, joined, written);
  const view = createDutyView(seed);
  const { document, followups } = buildReview(view.store, record.id, { now: isoAt(at), ids: rt.ids });
  batchOf(sql).put('kb_documents', [document]);
  batchOf(sql).put('followups', followups);
  return apply(sql, record, { type: 'review.published', at, documentId: document.id });
}
