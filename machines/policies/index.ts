export * from './severity.js';
export * from './maintenanceWindow.js';
export * from './classification.js';
export * from './retryLadder.js';
export * from './escalation.js';
export * from './config.js';
export * from './fingerprint.js';
export * from './auditLevel.js';
