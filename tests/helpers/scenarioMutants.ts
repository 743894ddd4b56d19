/**
 * Mutated scenarios for the fuzz tests: a valid scenario's data edited in place (keys
 * deleted, renamed, values of every type), written as YAML or JSON, then the text edited
 * (corrupt durations, stray bytes, truncation, shuffled lines). Seeded: reproducible.
 */
import { parse as parseYaml, stringify } from 'yaml';
import type { Random } from '../../sim/random.js';

export const EXAMPLE = `name: Primary database down at peak
seed: 7
start: "2026-03-02T14:00:00Z"
until: 12h
config: { AUTO_SPEND_LIMIT_USD: 500, TWO_HOUR_RULE_MS: 2h, RETRY_DELAYS_MS: [0s, 5s, 25s], MAINTENANCE_WINDOW: { day: 0, hour: 2, minute: 0 } }
tenants: [{ id: acme, admin: ops@acme.example }]
agents: [{ id: billing-agent, tenant: acme, workflows: [invoice-run] }]
responders:
  cheryl: { ack: 2m, capacity: 2 }
  petra: { ack: { uniform: [5m, 15m] } }
  atlas: { ack: { lognormal: { median: 5m, p95: 20m } } }
human: { answer: approve, after: 15m }
failures:
  - id: db-down
    at: 0s
    agent: billing-agent
    workflow: invoice-run
    error: "ECONNREFUSED 10.0.0.5:5432"
    succeedsOnAttempt: never
    detectAfter: 90s
    rootCause: db-primary-down
    repeat: { every: 1h, count: 3 }
    storm: 2
    whys: [{ why: "invoices failed", because: "the primary refused connections" }]
    impact: { kind: platform-down, customerFacing: true, financialUSD: 12.5, decision: rollback }
    fixedAfter: 40m
expect:
  - { failure: db-down, severity: P0, escalatedTo: atlas, autoResolved: false, resolvedWithin: 1h }
  - { audit: incident.escalated, min: 1, max: 4 }
  - { metric: mttrMs, max: 5m }
`;

const FLEET = `name: busy week
seed: 3
fleet: { agents: 12, tenants: 3, workflowsPerAgent: 2 }
load:
  - rate: 20/day
    for: 3d
    mix:
      - { id: blip, weight: 4, error: ETIMEDOUT, succeedsOnAttempt: 1 }
      - { id: token, agent: agent-002, workflow: agent-002-wf1, error: token expired, retryable: false }
expect: [{ metric: autoResolveRate, min: 0.5 }, { failure: token, escalatedTo: none }]
`;

const BASES: unknown[] = [parseYaml(EXAMPLE), parseYaml(FLEET)];

/** Values of every type, including ones that look almost right. */
const ODD_VALUES: unknown[] = [
  42, -1, 0, 1.5, 1e300, 3, 'x', '', '5 minutes', '-5m', '5', '1d', '0s', '30m1h', 'P0', 'never', '30/day', 'acme',
  'agent-001', null, true, false, [], [1, 'a'], {}, { uniform: ['5m'] }, { lognormal: { median: '0s', p95: '1m' } },
  { failure: 'nope' }, '__proto__', 'constructor', '2026-02-30T00:00:00Z', '\u0000', '💥',
];
const ODD_TEXT = ['{', '}', '[', ']', ':', '-', '&a', '*a', '!!binary', '%YAML 1.1', '\t', '\n', '"', "'", '#', '|', '>', '? ', ',', '\r\n', '\u0000', '\uFEFF', '🙂', '<<: *a', '\\'];

const pick = <T>(random: Random, items: readonly T[]): T => items[Math.floor(random() * items.length)];

/** Every [container, key] in a parsed document, so a mutation can land anywhere. */
function slots(value: unknown, out: Array<[Container, string | number]> = []) {
  if (Array.isArray(value)) value.forEach((v, i) => { out.push([value, i]); slots(v, out); });
  else if (value !== null && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    for (const key of Object.keys(record)) { out.push([record, key]); slots(record[key], out); }
  }
  return out;
}

type Container = Record<string, unknown> | unknown[];
type Edit = (container: Container, key: string | number, random: Random) => void;

const set = (container: Container, key: string | number, value: unknown) => {
  if (Array.isArray(container)) container[Number(key)] = value;
  else container[String(key)] = value;
};

/** Changes to the data at one place, before it is written out as YAML or JSON. */
const EDITS: Record<string, Edit> = {
  deleteKey: (container, key) => {
    if (Array.isArray(container)) container.splice(Number(key), 1);
    else delete container[String(key)];
  },
  swapType: (container, key, random) => set(container, key, structuredClone(pick(random, ODD_VALUES))),
  renameKey: (container, key, random) => {
    if (Array.isArray(container)) return;
    const value = container[String(key)];
    delete container[String(key)];
    container[String(key).slice(0, -1) + pick(random, ['', 'x', 's', '_'])] = value;
  },
  duplicateItem: (container, key) => {
    if (Array.isArray(container)) container.push(structuredClone(container[Number(key)]));
  },
};

/** Changes to the text: what a bad paste, a stray key or a cut-off file does. */
const TEXT_EDITS: Record<string, (text: string, random: Random) => string> = {
  corruptDuration: (text, random) => text.replace(/\b(\d+)(ms|[smhd])\b/g, (match, n, unit) =>
    random() < 0.3 ? pick(random, [`${n} ${unit}`, `-${n}${unit}`, `${n}`, `${n}${unit}${unit}`, `${n}.5${unit}`, `${n}w`, `${unit}${n}`]) : match),
  randomBytes: (text, random) => {
    const chars = [...text];
    for (let n = 1 + Math.floor(random() * 4); n > 0; n--) {
      const at = Math.floor(random() * (chars.length + 1));
      const insert = random() < 0.5 ? pick(random, ODD_TEXT) : String.fromCharCode(Math.floor(random() * 0x3000));
      chars.splice(at, random() < 0.5 ? 1 : 0, insert);
    }
    return chars.join('');
  },
  truncate: (text, random) => text.slice(0, Math.floor(random() * text.length)),
  shuffleLines: (text, random) => {
    const lines = text.split('\n');
    const i = Math.floor(random() * lines.length);
    const j = Math.floor(random() * lines.length);
    [lines[i], lines[j]] = [lines[j], lines[i]];
    return random() < 0.5 ? lines.join('\n') : lines.map((l, k) => (k === i ? ` ${l}` : l)).join('\n');
  },
};

/** One mutated scenario: 0-2 data edits, written as YAML or JSON, then 0-2 text edits. */
export function mutant(random: Random): { text: string; applied: string[] } {
  const data = structuredClone(pick(random, BASES));
  const applied: string[] = [];
  for (let n = Math.floor(random() * 3); n > 0; n--) {
    const all = slots(data);
    const name = pick(random, Object.keys(EDITS));
    const [container, key] = pick(random, all);
    EDITS[name](container, key, random);
    applied.push(name);
  }
  let text = random() < 0.6 ? stringify(data) : JSON.stringify(data, null, random() < 0.5 ? 2 : 0);
  for (let n = applied.length === 0 ? 1 : Math.floor(random() * 3); n > 0; n--) {
    const name = pick(random, Object.keys(TEXT_EDITS));
    text = TEXT_EDITS[name](text, random);
    applied.push(name);
  }
  return { text, applied };
}
