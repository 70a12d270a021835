import { UnsyncedChangesError } from '../errors.js';
import { recomputeAll } from '../outbox/outbox-store.js';
import type { SyncDatabase } from './sync-database.js';

/**
 * Drops every cached row and cursor, keeping what is not on the server yet: queued ops (their rows are rebuilt
 * from their shadows) and unsynced settings. The next pull rebuilds the rest.
 */
export async function clearCache(db: SyncDatabase): Promise<void> {
  await db.transaction('rw', [db.orgs, db.orgMembers, db.projects, db.projectMembers, db.syncState, db.settings, db.shadows, db.ops, db.counters, db.meta], async () => {
    await Promise.all([db.orgs.clear(), db.orgMembers.clear(), db.projects.clear(), db.projectMembers.clear(), db.syncState.clear()]);
    await db.settings.filter((s) => s.dirty === 0).delete();
    await recomputeAll(db);
  });
}

/** Throws UnsyncedChangesError when logging out would lose queued ops or unacknowledged settings writes. */
export async function assertNothingUnsynced(db: SyncDatabase): Promise<void> {
  const pendingOps = await db.ops.filter((op) => op.status !== 'applied').count();
  const dirtySettings = await db.settings.where('dirty').equals(1).count();
  if (pendingOps > 0 || dirtySettings > 0) throw new UnsyncedChangesError(pendingOps, dirtySettings);
}
