import type { LocalOp } from '../storage/rows.js';
import type { SyncDatabase } from '../storage/sync-database.js';
import type { StorageFullError } from '../errors.js';
import { guardStorage } from '../storage/storage-full.js';
import { discardLane, discardOp, retryOp } from './outbox-store.js';

/** The app's view of the outbox: what is queued, and the user's retry and discard of failed ops. */
export interface OutboxApi {
  /** Queued ops (pending, syncing, failed) in replay order. */
  list(): Promise<LocalOp[]>;
  /** A failed op back to pending, its effect shown again. */
  retry(opId: string): Promise<boolean>;
  /** A pending or failed op dropped with its effect. */
  discard(opId: string): Promise<boolean>;
  /**
   * The op and every op queued after it in its lane dropped with their effects, in one transaction, each counted
   * as a discard: a failed lane head and the changes waiting behind it, in one action. Other lanes are untouched.
   * Resolves to how many ops were dropped (0: not found, or one of them is being sent).
   */
  discardLane(opId: string): Promise<number>;
}

export function outboxApi(
  db: SyncDatabase,
  now: () => number,
  changed: { retried: () => void; discarded: () => void; storageFull?: (error: StorageFullError) => void },
): OutboxApi {
  return {
    list: async () => (await db.ops.orderBy('order').toArray()).filter((op) => op.status !== 'applied'),
    async retry(opId) {
      const done = await guardStorage(() => retryOp(db, opId, now()), changed.storageFull);
      changed.retried();
      return done;
    },
    async discard(opId) {
      const done = await guardStorage(() => discardOp(db, opId), changed.storageFull);
      changed.discarded();
      return done;
    },
    async discardLane(opId) {
      const dropped = await guardStorage(() => discardLane(db, opId), changed.storageFull);
      changed.discarded();
      return dropped;
    },
  };
}
