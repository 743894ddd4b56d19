import type { PolicyConfig, Severity } from '../types.js';
import { DEFAULT_MAINTENANCE_WINDOW } from './maintenanceWindow.js';
import { RETRY_DELAYS_MS } from './retryLadder.js';

/** The policies in force unless a deployment or a scenario says otherwise. */
export const DEFAULT_POLICY: Readonly<PolicyConfig> = {
  // Keys in sorted order, as every incident record copies them (canonical JSON, no re-sort).
  ACK_TIMEOUT_MS: null,
  AUTO_SPEND_LIMIT_USD: 1_000,
  DECISION_TIMEOUT_MS: 30 * 60_000,
  DECISION_TIMEOUT_POLICY: 'escalate',
  JOB_TIMEOUT_MS: 10 * 60_000,
  MAINTENANCE_WINDOW: DEFAULT_MAINTENANCE_WINDOW,
  RETRY_DELAYS_MS: [...RETRY_DELAYS_MS],
  REVIEW_SEVERITIES: ['P0', 'P1'],
  TWO_HOUR_RULE_MS: 2 * 3_600_000,
};

/** Petra's status-update cadence by severity (Step 4, "regular updates"). */
export const STATUS_CADENCE_MS: Readonly<Record<Severity, number>> = {
  P0: 15 * 60_000,
  P1: 30 * 60_000,
  P2: 4 * 3_600_000,
  P3: 24 * 3_600_000,
};

/** A full policy from defaults plus overrides; arrays and objects are copied. */
export function resolvePolicy(overrides: Partial<PolicyConfig> = {}): PolicyConfig {
  const merged = { ...DEFAULT_POLICY, ...overrides };
  return {
    ...merged,
    RETRY_DELAYS_MS: [...merged.RETRY_DELAYS_MS],
    MAINTENANCE_WINDOW: { ...merged.MAINTENANCE_WINDOW },
    REVIEW_SEVERITIES: [...merged.REVIEW_SEVERITIES],
  };
}
