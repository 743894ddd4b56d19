/**
 * The domain store: lowdb underneath, one small interface on top. Only this folder
 * imports lowdb.
 */
export { openStore } from './lowdbStore.js';
export type { OpenStoreOptions } from './lowdbStore.js';
export { createMemoryStore } from './memoryStore.js';
export { createStore } from './createStore.js';
export type { CoreOptions } from './createStore.js';
export { SplitFileAdapter } from './splitFileAdapter.js';
export { GLANCED } from './rowGlance.js';
export type { Glance, IncidentGlance } from './rowGlance.js';
export { emptyStoreData, storeFiles } from './storeFiles.js';
export type { StoreFiles } from './storeFiles.js';
export { SCHEMA_VERSION, StoreError, TABLE_NAMES } from './types.js';
export type { AuditPage, AuditQuery, ListOptions, PutOptions, Store, StoreChange, StoreData, TableName, Tables } from './types.js';
