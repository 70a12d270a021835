/**
 * Where a sync server keeps each org's rows (design: docs/design/issue-19-org-objects.md):
 * - `d1`: every org in the one D1 database (small deployments; one writer for all orgs);
 * - `org-objects`: each org in its own Durable Object with SQLite (the hub class, `org:<orgId>`), D1 keeping
 *   the directory (auth, users, user settings, the org list with roles).
 */
export type StorageMode = 'd1' | 'org-objects';

export const STORAGE_MODES: readonly StorageMode[] = ['d1', 'org-objects'];
