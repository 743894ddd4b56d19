import type { Severity } from '../types.js';
import { nextMaintenanceWindow, type MaintenanceWindow } from './maintenanceWindow.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

export interface SeverityLevel {
  severity: Severity;
  name: string;
  definition: string;
  /** Response target: the first responder acknowledges within this time. */
  responseMs: number;
  /** Resolution target: a fixed duration, or the next maintenance window (P3). */
  resolution: { kind: 'within'; ms: number } | { kind: 'next-window' };
  /** The spec's example incidents of this severity. */
  examples: readonly string[];
}

/** The spec's "Severity Levels" table, row by row. */
export const SEVERITY_TABLE: Readonly<Record<Severity, SeverityLevel>> = {
  P0: {
    severity: 'P0',
    name: 'System Down',
    definition: 'Platform unavailable or critical subsystem failed',
    responseMs: 5 * MINUTE,
    resolution: { kind: 'within', ms: 1 * HOUR },
    examples: ['database down', 'engine loop stopped', 'auth failure'],
  },
  P1: {
    severity: 'P1',
    name: 'Data Integrity',
    definition: 'Incorrect data, corrupted records, safety violation',
    responseMs: 15 * MINUTE,
    resolution: { kind: 'within', ms: 4 * HOUR },
    examples: ['unapproved action executed', 'wrong financial amount', 'missing audit entries'],
  },
  P2: {
    severity: 'P2',
    name: 'Feature Broken',
    definition: 'Specific capability broken, platform operational',
    responseMs: 1 * HOUR,
    resolution: { kind: 'within', ms: 24 * HOUR },
    examples: ['single agent workflow failure', 'stuck email job', 'expired OAuth token'],
  },
  P3: {
    severity: 'P3',
    name: 'Cosmetic/Minor',
    definition: 'Minor issue, no impact on core functionality',
    responseMs: 24 * HOUR,
    resolution: { kind: 'next-window' },
    examples: ['stale dashboard data', 'UI glitch', 'slow responses'],
  },
};

/** P0/P1 are the "serious" severities: error-level audit, mitigation, review. */
export const isSerious = (severity: Severity | null): boolean => severity === 'P0' || severity === 'P1';

/** When the first response is due for an incident detected at `detectedAt` (epoch ms). */
export function responseDueAt(severity: Severity, detectedAt: number): number {
  return detectedAt + SEVERITY_TABLE[severity].responseMs;
}

/**
 * When resolution is due. P3's target is "next window": the first maintenance
 * window after detection.
 * @example resolutionDueAt('P0', Date.parse('2026-03-02T14:00:00Z'), window) // 15:00
 */
export function resolutionDueAt(severity: Severity, detectedAt: number, window: MaintenanceWindow): number {
  const target = SEVERITY_TABLE[severity].resolution;
  return target.kind === 'within' ? detectedAt + target.ms : nextMaintenanceWindow(detectedAt, window);
}
