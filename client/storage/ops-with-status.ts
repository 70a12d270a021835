import { Dexie, type Collection } from 'dexie';
import type { LocalOp } from './rows.js';
import type { SyncDatabase } from './sync-database.js';

/**
 * The ops of one status, in nextAttemptAt order, through [status+nextAttemptAt]: the ops table has no index on
 * status alone since v5 (sync-database.ts). Every op has a numeric nextAttemptAt (the op schema requires it, the
 * v2 upgrade gave one to older ops), so every op is in that index and the range over all its times is exactly the
 * ops of the status. count() on it counts keys of the index, as where('status').equals(s).count() did.
 */
export function opsWithStatus(db: Pick<SyncDatabase, 'ops'>, status: LocalOp['status']): Collection<LocalOp, string> {
  return db.ops.where('[status+nextAttemptAt]').between([status, Dexie.minKey], [status, Dexie.maxKey], true, true);
}
