/**
 * Checks over a cluster run's audit log (rows in `seq` order), used by the cluster tests.
 * Each returns the problems found, one line each, so a failing test says what went wrong.
 */
export interface AuditRow {
  seq: number;
  action: string;
  actor: string;
  entity_id: string;
  meta: Record<string, unknown>;
}

const RESPONDER_OF_STAGE: Record<string, string> = { cheryl: 'cheryl', petra: 'petra', atlas: 'atlas' };

/**
 * Responder capacity from the audit log: an incident is in a responder's hands from their
 * `incident.acknowledged` until it leaves their stage (`incident.escalated` from them, or
 * `incident.resolved`); at no point may one hold more than their capacity.
 */
export function capacityProblems(rows: readonly AuditRow[], capacity: Record<string, number>): string[] {
  const held = new Map<string, Set<string>>(Object.keys(capacity).map((r) => [r, new Set<string>()]));
  const problems: string[] = [];
  let peak: Record<string, number> = {};
  for (const row of rows) {
    if (row.action === 'incident.acknowledged') {
      const who = RESPONDER_OF_STAGE[String(row.meta.responder)];
      held.get(who)?.add(row.entity_id);
      const n = held.get(who)?.size ?? 0;
      peak = { ...peak, [who]: Math.max(peak[who] ?? 0, n) };
      if (n > capacity[who]) problems.push(`${who} held ${n} incidents at seq ${row.seq} (capacity ${capacity[who]})`);
    } else if (row.action === 'incident.escalated') {
      held.get(String(row.meta.from))?.delete(row.entity_id);
    } else if (row.action === 'incident.resolved') {
      for (const set of held.values()) set.delete(row.entity_id);
    }
  }
  return problems;
}

/** Each incident's steps, in order, against the list its severity must produce (each once). */
export function sequenceProblems(rows: readonly AuditRow[], expected: (incidentId: string) => string[]): string[] {
  const steps = new Map<string, string[]>();
  for (const row of rows) {
    if (!row.entity_id.startsWith('inc_') || row.action === 'incident.attached') continue;
    const label = row.action === 'incident.retry' ? `incident.retry#${row.meta.attempt}` : row.action;
    steps.set(row.entity_id, [...(steps.get(row.entity_id) ?? []), label]);
  }
  const problems: string[] = [];
  for (const [id, got] of steps) {
    const want = expected(id);
    if (got.join(' ') !== want.join(' ')) problems.push(`${id}: ${got.join(' ')} ≠ expected ${want.join(' ')}`);
  }
  return problems;
}

/** One open incident per fingerprint: each incident of a fingerprint is detected after the previous one closed. */
export function overlapProblems(rows: readonly AuditRow[]): string[] {
  const spans = new Map<string, Array<{ id: string; from: number; to: number }>>();
  const byId = new Map<string, { id: string; from: number; to: number }>();
  for (const row of rows) {
    if (row.action === 'incident.detected') {
      const span = { id: row.entity_id, from: row.seq, to: Infinity };
      byId.set(row.entity_id, span);
      const fp = String(row.meta.fingerprint);
      spans.set(fp, [...(spans.get(fp) ?? []), span]);
    } else if (row.action === 'incident.closed') {
      const span = byId.get(row.entity_id);
      if (span) span.to = row.seq;
    }
  }
  const problems: string[] = [];
  for (const [fp, list] of spans) {
    for (let i = 1; i < list.length; i++) {
      if (list[i].from < list[i - 1].to) problems.push(`fingerprint ${fp}: ${list[i].id} opened while ${list[i - 1].id} was open`);
    }
  }
  return problems;
}
