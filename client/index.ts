/** The client's public API: one entry point, its types, its typed errors. */
export { createSyncEngine } from './engine/create-sync-engine.js';
export type { SyncEngine, SyncEngineOptions, SettingsScopeRef, SyncLogEvent, WindowEvents } from './engine/sync-engine.js';
export type { TokenSource } from './engine/auth-gate.js';
export type { Timers } from './engine/timers.js';
export type { RouteLayout, Route, RouteName, RouteParams } from './transport/route-layout.js';
export type { SyncStatus } from './engine/status.js';
export type { Counters, CounterName } from './status/counters.js';
export type { LocalOp } from './storage/rows.js';
export type { ProjectWrites } from './entities/projects.js';
export type { MemberTarget, OrgMemberWrites, ProjectMemberWrites } from './entities/members.js';
export type { PdfMetaIndex } from './pdf/pdf-meta.js';
export { SyncClientError, ClientValidationError, UnsyncedChangesError, EngineClosedError, StorageFullError, ModuleLoadError } from './errors.js';
export type { LockManagerLike, ChannelLike } from './tabs/locks.js';
