/** The client's public API: one entry point, its types, its typed errors. */
export { createSyncEngine, type SyncEngine, type SyncEngineOptions, type SettingsScopeRef, type SyncLogEvent, type Timers } from './engine/create-sync-engine.js';
export type { SyncStatus } from './engine/status.js';
export type { Counters, CounterName } from './status/counters.js';
export type { LocalOp } from './storage/rows.js';
export { SyncClientError, ClientValidationError, UnsyncedChangesError, EngineClosedError } from './errors.js';
export type { LockManagerLike, ChannelLike } from './tabs/locks.js';
