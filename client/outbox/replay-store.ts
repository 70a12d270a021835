import { Dexie } from 'dexie';
import type { LocalOp } from '../storage/rows.js';
import type { SyncDatabase } from '../storage/sync-database.js';
import { bump, tally } from '../status/counters.js';
import { groupBlocker } from './group-blocker.js';
import { entityTable, outboxTables, recompute, targetOf } from './outbox-store.js';
import { shadowVersion, versionOf } from './server-rows.js';

/**
 * The replay's side of the outbox's storage (replay-loop.ts): which ops may be sent now (dueHeads, nextDueAt),
 * marking one in flight and back, what its answer does to it (completeOp, reschedule, failOp) and waking the ops
 * that wait for the network, each transition one Dexie transaction with no fetch inside (the layout is in
 * outbox-store.ts). A module of its own because only the leading tab replays: it is part of the lazy leader
 * runtime's chunk, while what an optimistic write and the user's retry and discard need (outbox-store.ts) is on
 * the path a page loads first.
 */

/** Whether `op` is the first queued op of its lane (only a lane's head is ever sent). */
async function isLaneHead(db: SyncDatabase, op: LocalOp): Promise<boolean> {
  const head = await db.ops.where('[lane+order]').between([op.lane, Dexie.minKey], [op.lane, Dexie.maxKey]).first();
  return head?.id === op.id;
}

/**
 * The ops that may be sent now, in global order: the first op of each lane, due, that waits for no earlier op
 * of its org (op-group.ts). A lane whose head failed (or is in flight) sends nothing. Reads the pending ops due
 * by now through [status+nextAttemptAt], then, for the earliest due op of each lane only (no later one can be
 * its head), one key of [lane+order] and one range of [group+groupMode+order].
 */
export async function dueHeads(db: SyncDatabase, userId: string, now: number): Promise<LocalOp[]> {
  const due = await db.ops.where('[status+nextAttemptAt]').between(['pending', Dexie.minKey], ['pending', now], true, true).toArray();
  const first = new Map<string, LocalOp>();
  // Ops are only ever sent with their own user's token.
  for (const op of due) if (op.userId === userId && !(op.order > (first.get(op.lane)?.order ?? Infinity))) first.set(op.lane, op);
  const heads: LocalOp[] = [];
  for (const op of first.values()) if ((await isLaneHead(db, op)) && !(await groupBlocker(db, op))) heads.push(op);
  return heads.sort((a, b) => a.order - b.order);
}

/**
 * The earliest time a pending lane head that waits for no other lane becomes due (for the scheduler), or null:
 * pending ops by due time. A head waiting for another lane's op is not counted: it goes once that op is
 * answered, in the drain that answers it, and counting its (past) due time would wake the scheduler at once,
 * over and over.
 */
export async function nextDueAt(db: SyncDatabase): Promise<number | null> {
  // Read in small pages: the earliest pending op is almost always a lane head, so this costs one short read, not
  // one read of the whole queue (which made every cycle O(queue) while offline).
  const PAGE = 16;
  for (let offset = 0; ; offset += PAGE) {
    const page = await db.ops.where('[status+nextAttemptAt]').between(['pending', Dexie.minKey], ['pending', Dexie.maxKey]).offset(offset).limit(PAGE).toArray();
    for (const op of page) if ((await isLaneHead(db, op)) && !(await groupBlocker(db, op))) return op.nextAttemptAt;
    if (page.length < PAGE) return null;
  }
}

/**
 * Pending → syncing, if the op may still go: checked again in the same transaction that marks it, so a retry
 * or discard since dueHeads (one that makes an earlier op of its org live again) can never let it overtake.
 * Returns the op as marked (what is sent), or null: it does not go.
 */
export async function markSyncing(db: SyncDatabase, opId: string, now: number): Promise<LocalOp | null> {
  return db.transaction('rw', db.ops, async () => {
    const op = await db.ops.get(opId);
    if (!op || op.status !== 'pending' || (await groupBlocker(db, op))) return null;
    const marked: LocalOp = { ...op, status: 'syncing', lastAttempt: now };
    await db.ops.put(marked);
    return marked;
  });
}

/** Undoes markSyncing for an op that was not sent after all (its pass stopped meanwhile): exactly as it was. */
export async function unmarkSyncing(db: SyncDatabase, opId: string, lastAttempt: LocalOp['lastAttempt']): Promise<void> {
  await db.transaction('rw', db.ops, async () => {
    const op = await db.ops.get(opId);
    if (op?.status === 'syncing') await db.ops.put({ ...op, status: 'pending', lastAttempt });
  });
}

/**
 * The server applied the op: its answer becomes the server state under the ops still queued on the row (or the
 * visible row, when none is), and the op leaves the queue. `answerVersion` is the answer's version (alive row or
 * tombstone). An idempotent replay answers with the body stored when the op first committed; if a pull has
 * since brought a newer version (another user's later change), that stored row is older than the shadow and must
 * not replace it: the pull's cursor is past the newer row, so nothing would bring it back.
 */
export async function completeOp(db: SyncDatabase, opId: string, serverRow: Record<string, unknown> | null, replayed: boolean, answerVersion = versionOf(serverRow)) {
  await db.transaction('rw', outboxTables(db), async () => {
    const op = await db.ops.get(opId);
    if (!op) return;
    await Promise.all([db.ops.delete(opId), tally(db.counters, { applied: 1, deduplicated: replayed ? 1 : 0 }, { enqueued: op.order })]);
    // The op's scope was purged while it was in flight (access lost): its answer lands nowhere, not even in a
    // shadow a later write started afresh; if access came back, the next pull brings the row.
    if (op.scopeLost === true) return recompute(db, targetOf(op));
    if (op.effect.kind === 'none') {
      // Nothing was predicted (e.g. a member added by email): the server's row simply lands.
      if (serverRow) await entityTable(db, op.effect.table).put(serverRow);
      return recompute(db, targetOf(op));
    }
    await recompute(db, targetOf(op), (shadow) => {
      const stored = shadow ? shadowVersion(shadow) : undefined;
      if (stored !== undefined && answerVersion !== undefined && answerVersion < stored) return undefined;
      return { row: serverRow, ...(answerVersion !== undefined ? { version: answerVersion } : {}) };
    });
  });
}

/**
 * Back to pending: after a transient failure (attempt spent, counted as a retry), while offline (a retry that
 * spends no attempt), or after an auth pause / abort (neither).
 */
export async function reschedule(
  db: SyncDatabase,
  opId: string,
  nextAttemptAt: number,
  spendAttempt: boolean,
  error: LocalOp['error'],
  isRetry = spendAttempt,
  offlineWaits = 0,
) {
  await db.transaction('rw', db.ops, db.counters, async () => {
    const op = await db.ops.get(opId);
    if (!op) return;
    const { offlineWaits: _previous, ...rest } = op;
    await db.ops.put({ ...rest, status: 'pending', nextAttemptAt, attempts: op.attempts + (spendAttempt ? 1 : 0), error, ...(offlineWaits > 0 ? { offlineWaits } : {}) });
    if (isRetry) await bump(db.counters, 'retried');
  });
}

/** The op failed for good: it stays, holding its lane, and its optimistic effect is rolled back. */
export async function failOp(db: SyncDatabase, opId: string, error: NonNullable<LocalOp['error']>, spendAttempt: boolean) {
  await db.transaction('rw', outboxTables(db), async () => {
    const op = await db.ops.get(opId);
    if (!op) return;
    await Promise.all([
      db.ops.put({ ...op, status: 'failed', error, attempts: op.attempts + (spendAttempt ? 1 : 0) }),
      tally(db.counters, { failed: 1, conflicts: error.statusCode === 409 || error.statusCode === 412 ? 1 : 0 }),
    ]);
    await recompute(db, targetOf(op));
  });
}

/**
 * Ops waiting only for the network become due now: a trigger that may mean it is back (the browser's online
 * event, syncNow, the interval, a poke) or the first answer a drain gets, so their growing wait never delays
 * them past it. A write is not such a trigger: it sends its own op, whose answer then wakes the rest.
 */
export async function wakeOfflineOps(db: SyncDatabase, now: number): Promise<number> {
  return db.transaction('rw', db.ops, async () =>
    db.ops
      .where('[status+nextAttemptAt]')
      .between(['pending', now], ['pending', Dexie.maxKey], false, true)
      .filter((op) => op.error?.code === 'OFFLINE')
      .modify({ nextAttemptAt: now }),
  );
}
