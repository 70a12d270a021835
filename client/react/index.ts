/** React bindings: a thin layer over the public client API. */
export { SyncProvider, useSyncEngine } from './sync-provider.js';
export { useOrgMembers, useOrgs, useOutbox, useProject, useProjectMembers, useProjects, useSetting, useSettings, useSyncStatus } from './hooks.js';
export type { OutboxView } from './hooks.js';
