/**
 * What a cluster engine loads when it starts (pg, pg-boss): imported on demand, so an
 * engine over the embedded store never loads a database driver.
 */
export { createPool } from '../../store/postgres/connection.js';
export { channelOf } from '../../store/postgres/postgresAdapter.js';
export { BossQueue } from './bossQueue.js';
export { claim, claimQuery, ClusterHost } from './clusterHost.js';
export { joinedJobsQuery } from './dutySeeds.js';
export { fromColumns } from '../../store/postgres/rows.js';
export { appendAudit, getRow, listRows, putRows, rowQuery, WriteBatch } from './pgRows.js';
export { CREATE_RESPONDERS } from './responderMailbox.js';
export { retryingQuery, transaction } from './transactions.js';
