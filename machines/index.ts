export { incidentMachine, DEADLINE_KINDS } from './incidentMachine.js';
export type { IncidentContext, IncidentInput, AuditParams, ArmParams } from './incidentContext.js';
export type { IncidentEvent, IncidentEventType, AttemptOutcome, Coordination } from './incidentEvents.js';
export * from './policies/index.js';
export type * from './types.js';
export { SEVERITIES } from './types.js';
