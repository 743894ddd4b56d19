export { loadScenario, parseScenario } from './load.js';
export { expandFailures, failureTimeline, type FailureTimeline } from './expand.js';
export { expandFleet } from './fleet.js';
export { ScenarioError, formatProblem, type ScenarioProblem } from './problems.js';
export type * from './types.js';
export type { ScenarioInput } from './input.js';
