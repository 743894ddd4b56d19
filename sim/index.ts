/** Rehearsals: scenarios in virtual time, deterministic by seed. */
export { runScenario } from './runner.js';
export type { RunOptions, RunResult, IncidentSummary } from './runner.js';
export { loadScenario, parseScenario, expandFailures, ScenarioError } from './scenario/index.js';
export type { Scenario, FailureEvent, Expectation } from './scenario/index.js';
export { VirtualClock } from './virtualClock.js';
export { createRandom } from './random.js';
export { createIds } from './ids.js';
export { parseDuration, formatDuration } from './duration.js';
export { judge, ExpectationTally, type Verdict } from './expectations.js';
export type { Mismatch } from './mismatches.js';
export { Observations, type Observation } from './observations.js';
export { reportJson, reportJsonParts } from './summary.js';
export { main } from './cli.js';
