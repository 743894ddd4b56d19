/** The Agent Watcher: a live web page over the store (and, in its process, the engine). */
export { startWatcher } from './server.js';
export type { StartWatcherOptions, WatcherServer } from './server.js';
export { createWatcherHandler, BASE } from './handler.js';
export type { WatcherHandler, WatcherHandlerOptions } from './handler.js';
export { watchCommand } from './watchCommand.js';
export type { WatchHandle, WatchOptions } from './watchCommand.js';
export type { FeedMessage } from './feed.js';
export type { InspectedActor } from './inspection.js';
export type { IncidentSummary } from './queries.js';
