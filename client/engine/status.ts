import { opsWithStatus } from '../storage/ops-with-status.js';
import type { SyncDatabase } from '../storage/sync-database.js';

/** What the UI shows about sync (DESIGN section 5). */
export interface SyncStatus {
  readonly online: boolean;
  readonly pausedForAuth: boolean;
  readonly leader: boolean;
  /** Live pokes are flowing: every socket of this (leading) tab is open, so changes arrive within a second. */
  readonly live: boolean;
  readonly pendingCount: number;
  readonly failedCount: number;
  readonly oldestPendingAgeMs: number | null;
  /** Server time of each collection's last complete pull. */
  readonly lastSyncedAt: Readonly<Record<string, number | null>>;
  /** Some collection has not completed a pull within the threshold (or never has). */
  readonly stale: boolean;
  readonly clockOffsetMs: number;
  readonly lastError: { readonly code: string; readonly message: string } | null;
}

export interface StatusInputs {
  readonly now: number;
  readonly online: boolean;
  readonly pausedForAuth: boolean;
  readonly leader: boolean;
  readonly live: boolean;
  readonly clockOffsetMs: number;
  readonly lastError: SyncStatus['lastError'];
  readonly staleAfterMs: number;
}

/**
 * Reads counts through [status+nextAttemptAt] (ops-with-status.ts) and the oldest queued op through the order
 * index (ops are numbered as they are queued), never the whole queue: status runs after every write, so reading
 * every op made N offline writes cost O(N²).
 */
export async function computeStatus(db: SyncDatabase, inputs: StatusInputs): Promise<SyncStatus> {
  const [pending, syncing, failedCount, oldest] = await Promise.all([
    opsWithStatus(db, 'pending').count(),
    opsWithStatus(db, 'syncing').count(),
    opsWithStatus(db, 'failed').count(),
    db.ops
      .orderBy('order')
      .filter((op) => op.status === 'pending' || op.status === 'syncing')
      .first(),
  ]);
  const states = await db.syncState.toArray();
  const lastSyncedAt = Object.fromEntries(states.map((s) => [s.collection, s.lastSyncedAt]));
  // lastSyncedAt is server time; the offset puts our clock on the same scale.
  const serverNow = inputs.now + inputs.clockOffsetMs;
  const stale = states.length === 0 || states.some((s) => s.lastSyncedAt === null || serverNow - s.lastSyncedAt > inputs.staleAfterMs);
  const stateError = states.find((s) => s.lastError)?.lastError ?? null;
  return {
    online: inputs.online,
    pausedForAuth: inputs.pausedForAuth,
    leader: inputs.leader,
    live: inputs.live,
    pendingCount: pending + syncing,
    failedCount,
    oldestPendingAgeMs: oldest ? inputs.now - oldest.createdAt : null,
    lastSyncedAt,
    stale,
    clockOffsetMs: inputs.clockOffsetMs,
    lastError: inputs.lastError ?? stateError,
  };
}
