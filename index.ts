/**
 * incident-flow: the incident-response workflow for a platform of AI agents.
 * The engine API for embedding, the machines and policies, the store, rehearsals and reports.
 */
export { createIncidentEngine } from './agents/engine.js';
export { EngineError } from './agents/types.js';
export type { EngineEvent, EngineOptions, IncidentEngine, AnyKindEngine, JobContext, JobInputs, JobKinds, JobRunner, JobRunners, JobSpec, JobSpecOf, KindedEngine, ResponderSettings } from './agents/types.js';
export type { ClusterEngine, ClusterSettings } from './agents/cluster/clusterEngine.js';
export { RealClock } from './agents/realClock.js';
export * from './machines/index.js';
export { openStore, createMemoryStore, StoreError } from './store/index.js';
export type { Store, StoreChange, AuditQuery, AuditPage } from './store/index.js';
export { computeMetrics, metricsFromStore, buildReview, buildBoardSummary } from './reports/index.js';
export type { Metrics } from './reports/index.js';
