import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { nothingThrownDuring } from './helpers/rejections.js';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createIncidentEngine } from '../agents/engine.js';
import { EngineError } from '../agents/types.js';
import { VirtualClock } from '../sim/virtualClock.js';
import { createMemoryStore } from '../store/memoryStore.js';
import { openStore } from '../store/index.js';

/**
 * An embedder's mistakes in `createIncidentEngine`'s options (README, "Embedding the engine"):
 * an `EngineError` naming the option, what it takes and what it was given, before anything
 * starts; not a TypeError from deep in a step, nor an actor's error thrown later, outside
 * any caller's reach.
 */

const Options = suite('createIncidentEngine: options checked before anything starts');

const refused = (options: unknown, message: string) =>
  assert.throws(
    () => createIncidentEngine(options as never),
    (e: unknown) => e instanceof EngineError && (e as Error).message === `incident-flow: ${message}`,
    `${JSON.stringify(options)} → ${message}`,
  );

Options('an option of the wrong type, or none such, is an EngineError naming it, what it takes and what it got', async () => {
  const store = createMemoryStore();
  refused(null, 'createIncidentEngine: expected an object of options (store, clock, config, ids, random, jobs, responders, tenants, agents, assess, onFix, cluster), got null');
  refused({ store: 'incidents.json' }, 'options.store: expected a Store (await openStore(file or URL), createMemoryStore(), or one with appendAudit, queryAudit, auditCount, put, get, list, each, remove, getMeta, setMeta, subscribe, flush, refresh, close), got "incidents.json"');
  refused({ store: Promise.resolve(store) }, 'options.store: expected a Store, not a promise of one: await openStore(…) first, got a promise');
  refused({ stor: store }, 'options.stor: no such option; did you mean "store"?; the options are store, clock, config, ids, random, jobs, responders, tenants, agents, assess, onFix, cluster');
  refused({ clock: {} }, 'options.clock: expected a Clock (now, setTimeout, clearTimeout), got {}');
  refused({ onFix: 'page-oncall' }, 'options.onFix: expected a function, got "page-oncall"');
  refused({ jobs: { sendInvoices: 1 } }, 'options.jobs.sendInvoices: expected a function, got 1');
  refused({ tenants: { id: 'acme' } }, 'options.tenants: expected an array of tenants ({ id, admin }), got {"id":"acme"}');
  refused({ tenants: [{ id: 'acme' }] }, 'options.tenants[0].admin: expected a non-empty string, got undefined');
  refused({ agents: ['billing-agent'] }, 'options.agents[0]: expected an object, got "billing-agent"');
  refused({ agents: [{ id: 'billing-agent', workflows: 'invoice-run' }] }, 'options.agents[0].workflows: expected an array of workflow names, got "invoice-run"');
  refused({ config: { AUTO_SPEND_LIMIT_USD: '500' } }, 'options.config.AUTO_SPEND_LIMIT_USD: expected a number ≥ 0, got "500"');
  refused({ config: { AUTO_SPEND_LIMT_USD: 500 } }, 'options.config.AUTO_SPEND_LIMT_USD: no such policy; did you mean "AUTO_SPEND_LIMIT_USD"?; the policies are ACK_TIMEOUT_MS, AUTO_SPEND_LIMIT_USD, DECISION_TIMEOUT_MS, DECISION_TIMEOUT_POLICY, JOB_TIMEOUT_MS, MAINTENANCE_WINDOW, RETRY_DELAYS_MS, REVIEW_SEVERITIES, TWO_HOUR_RULE_MS');
  refused({ config: { RETRY_DELAYS_MS: 5000 } }, 'options.config.RETRY_DELAYS_MS: expected an array of delays in milliseconds, each a number ≥ 0, got 5000');
  refused({ config: { DECISION_TIMEOUT_POLICY: 'maybe' } }, 'options.config.DECISION_TIMEOUT_POLICY: expected one of approve, deny, escalate, got "maybe"');
  refused({ config: { JOB_TIMEOUT_MS: Number.NaN } }, 'options.config.JOB_TIMEOUT_MS: expected a number > 0 (milliseconds; a job given 0 fails before it can finish), got NaN');
  refused({ config: { JOB_TIMEOUT_MS: 0 } }, 'options.config.JOB_TIMEOUT_MS: expected a number > 0 (milliseconds; a job given 0 fails before it can finish), got 0');
  refused({ config: { MAINTENANCE_WINDOW: { day: 7, hour: 2, minute: 0 } } }, 'options.config.MAINTENANCE_WINDOW: expected { day: 0–6, hour: 0–23, minute: 0–59 } (UTC), got {"day":7,"hour":2,"minute":0}');
  refused({ config: { REVIEW_SEVERITIES: ['P0', 'P5'] } }, 'options.config.REVIEW_SEVERITIES: expected an array of severities (P0, P1, P2, P3), got ["P0","P5"]');
  refused({ responders: { bob: { capacity: 3 } } }, 'options.responders.bob: no such responder; the responders are cheryl, petra, atlas');
  refused({ responders: { cheryl: { capacity: '3' } } }, 'options.responders.cheryl: capacity: expected a whole number ≥ 1 (or Infinity), got "3"');
  // What the README's example passes is taken, as is every policy at a value it allows.
  const engine = createIncidentEngine({
    store,
    clock: new VirtualClock({ start: 0 }),
    jobs: { sendInvoices: async () => {} },
    tenants: [{ id: 'acme', admin: 'ops@acme.example' }],
    agents: [{ id: 'billing-agent', tenant: 'acme', workflows: ['invoice-run'] }, { id: 'mailer' }],
    config: {
      AUTO_SPEND_LIMIT_USD: 500, ACK_TIMEOUT_MS: null, DECISION_TIMEOUT_MS: 0, DECISION_TIMEOUT_POLICY: 'deny', JOB_TIMEOUT_MS: 60_000,
      MAINTENANCE_WINDOW: { day: 6, hour: 23, minute: 59 }, RETRY_DELAYS_MS: [], REVIEW_SEVERITIES: ['P2'], TWO_HOUR_RULE_MS: 3_600_000,
    },
    responders: { cheryl: { capacity: 3 }, petra: { ack: () => 0, capacity: Number.POSITIVE_INFINITY }, atlas: { ack: 1000 } },
    onFix: () => {},
    assess: () => ({}),
  });
  await engine.stop();
});

Options('a closed store, or one open read-only, is refused with an EngineError, and nothing is thrown later', async () => {
  const file = join(mkdtempSync(join(tmpdir(), 'incident-flow-options-')), 'incidents.json');
  const store = await openStore(file);
  await store.close();
  await nothingThrownDuring(async () => {
    refused({ store, tenants: [{ id: 'acme', admin: 'ops@acme.example' }] }, `options.store: ${file} is closed; open it again for a new engine`);
  });
  const reader = await openStore(file, { readonly: true });
  await nothingThrownDuring(async () => {
    refused({ store: reader }, `options.store: ${file} is open read-only; an engine writes to its store: open it without { readonly: true }`);
  });
  await reader.close();
  // Opened again, the same file takes an engine.
  const again = await openStore(file);
  const engine = createIncidentEngine({ store: again });
  await engine.stop();
  await again.close();
});

Options.run();
