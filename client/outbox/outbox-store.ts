import Dexie, { type Table } from 'dexie';
import type { Op } from '../../shared/index.js';
import type { SyncDatabase } from '../storage/sync-database.js';
import type { EntityKey, EntityTable, LocalOp, OpEffect, ShadowRow } from '../storage/rows.js';
import { bump } from '../status/counters.js';
import { applyEffect, effectKey, entityId, rowKey } from './effects.js';
import { groupBlocker, groupOf } from './op-group.js';

/**
 * The outbox's storage: every change to ops, shadows and the visible rows they produce happens in one Dexie
 * transaction, and no fetch ever runs inside one (IndexedDB transactions auto-commit when they wait on
 * anything that is not IndexedDB).
 *
 * Visible row = shadow (the server's row) + every pending or syncing op on the entity, in order. A failed op
 * is left out, which is its rollback; retry puts it back. An op whose scope was purged is left out for good
 * (see purge.ts), so no transition can show a row of a scope the user lost.
 */
const LIVE = new Set<Op['status']>(['pending', 'syncing']);

/** Whether an op's optimistic effect is part of the visible row. */
export const shows = (op: LocalOp): boolean => LIVE.has(op.status) && op.scopeLost !== true;

const entityTable = (db: SyncDatabase, table: EntityTable) => db.table(table) as Table<Record<string, unknown>, unknown>;

async function recompute(db: SyncDatabase, entity: string): Promise<void> {
  const shadow = await db.shadows.get(entity);
  if (!shadow) return;
  const ops = (await db.ops.where('entity').equals(entity).toArray()).sort((a, b) => a.order - b.order);
  let row = shadow.row;
  for (const op of ops) if (shows(op)) row = applyEffect(row, op.effect);
  const table = entityTable(db, shadow.table);
  if (row === null) await table.delete(shadow.key as never);
  else await table.put(row);
  // Nothing left to re-apply: the visible row is the server's, and the shadow has served its purpose.
  if (!ops.some((op) => op.status !== 'applied')) await db.shadows.delete(entity);
}

const allTables = (db: SyncDatabase) => [db.ops, db.shadows, db.counters, db.meta, db.orgs, db.orgMembers, db.projects, db.projectMembers];

export interface NewOp {
  readonly userId: string;
  readonly lane: string;
  readonly method: Op['method'];
  readonly path: string;
  readonly body?: Op['body'];
  readonly effect: OpEffect;
  readonly summary?: string;
}

/** Appends an op and applies its optimistic effect, in ONE transaction. */
export async function enqueueOp(db: SyncDatabase, input: NewOp, id: string, now: number): Promise<LocalOp> {
  return db.transaction('rw', allTables(db), async () => {
    const key = effectKey(input.effect);
    const entity = entityId(input.effect.table, key);
    if (!(await db.shadows.get(entity))) {
      // No pending ops on this row yet: what is visible now is the server's row.
      const current = (await entityTable(db, input.effect.table).get(key as never)) ?? null;
      await db.shadows.put({ entity, table: input.effect.table, key, row: current });
    }
    const counter = await db.meta.get('opOrder');
    const order = ((counter?.value as number | undefined) ?? 0) + 1;
    await db.meta.put({ key: 'opOrder', value: order });
    const op: LocalOp = {
      id,
      userId: input.userId,
      lane: input.lane,
      method: input.method,
      path: input.path,
      ...(input.body !== undefined ? { body: input.body } : {}),
      status: 'pending',
      attempts: 0,
      nextAttemptAt: now,
      lastAttempt: null,
      error: null,
      createdAt: now,
      effect: input.effect,
      entity,
      order,
      ...groupOf(input),
      ...(input.summary !== undefined ? { summary: input.summary } : {}),
    };
    await db.ops.add(op);
    await bump(db.counters, 'enqueued');
    await recompute(db, entity);
    return op;
  });
}

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

/** The version a server answer or page item carries (tombstones included), if any. */
export const versionOf = (body: unknown): number | undefined => {
  const version = (body as { version?: unknown } | null)?.version;
  return typeof version === 'number' ? version : undefined;
};

/** The version of the server state a shadow holds, if known. */
const shadowVersion = (shadow: ShadowRow): number | undefined => shadow.version ?? versionOf(shadow.row);

/**
 * The server applied the op: its response row becomes the shadow, the op leaves the queue. `answerVersion` is
 * the answer's version (alive row or tombstone). An idempotent replay answers with the body stored when the op
 * first committed; if a pull has since brought a newer version (another user's later change), that stored
 * row is older than the shadow and must not replace it: the pull's cursor is past the newer row, so nothing
 * would bring it back.
 */
export async function completeOp(db: SyncDatabase, opId: string, serverRow: Record<string, unknown> | null, replayed: boolean, answerVersion = versionOf(serverRow)) {
  await db.transaction('rw', allTables(db), async () => {
    const op = await db.ops.get(opId);
    if (!op) return;
    await db.ops.delete(opId);
    // Every queued op has a shadow from enqueue until its entity has no ops left; a missing one means the
    // scope was purged while this op was in flight (access lost): its row must not come back. Nor may the answer
    // to an op of a purged scope (a replayed response, say) land in a shadow a later write started afresh: if
    // access came back, the next pull brings the row.
    const shadow = op.scopeLost === true ? undefined : await db.shadows.get(op.entity);
    const known = shadow ? shadowVersion(shadow) : undefined;
    const older = known !== undefined && answerVersion !== undefined && answerVersion < known;
    if (shadow && op.effect.kind !== 'none' && !older) {
      const key = serverRow ? rowKey(op.effect.table, serverRow) : shadow.key;
      const { version: _previous, ...rest } = shadow;
      await db.shadows.put({ ...rest, key, row: serverRow, ...(answerVersion !== undefined ? { version: answerVersion } : {}) });
    } else if (shadow && op.effect.kind === 'none' && serverRow) {
      // Nothing was predicted (e.g. a member added by email): the server's row simply lands.
      await entityTable(db, op.effect.table).put(serverRow);
    }
    await bump(db.counters, 'applied');
    if (replayed) await bump(db.counters, 'deduplicated');
    await recompute(db, op.entity);
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
  await db.transaction('rw', allTables(db), async () => {
    const op = await db.ops.get(opId);
    if (!op) return;
    await db.ops.put({ ...op, status: 'failed', error, attempts: op.attempts + (spendAttempt ? 1 : 0) });
    await bump(db.counters, 'failed');
    if (error.statusCode === 409 || error.statusCode === 412) await bump(db.counters, 'conflicts');
    await recompute(db, op.entity);
  });
}

/** Manual retry: the op goes back to pending with fresh attempts, and its effect is re-applied. */
export async function retryOp(db: SyncDatabase, opId: string, now: number): Promise<boolean> {
  return db.transaction('rw', allTables(db), async () => {
    const op = await db.ops.get(opId);
    if (!op || op.status !== 'failed') return false;
    await db.ops.put({ ...op, status: 'pending', attempts: 0, nextAttemptAt: now, error: null });
    await recompute(db, op.entity);
    return true;
  });
}

/** Manual discard: the op is dropped and its effect with it. */
export async function discardOp(db: SyncDatabase, opId: string): Promise<boolean> {
  return db.transaction('rw', allTables(db), async () => {
    const op = await db.ops.get(opId);
    if (!op || op.status === 'syncing') return false;
    await db.ops.delete(opId);
    await bump(db.counters, 'discarded');
    await recompute(db, op.entity);
    return true;
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

/** At start: ops a crash left `syncing` go back to pending; idempotency keys make resending them safe. */
export async function recoverSyncing(db: SyncDatabase): Promise<number> {
  return db.transaction('rw', db.ops, async () => db.ops.where('status').equals('syncing').modify({ status: 'pending' }));
}

/**
 * A pull brought the server's row (or its tombstone: null) for an entity. With pending ops on it, the row
 * becomes the shadow and the ops are re-applied on top, so a pull never hides a local change.
 */
export async function applyServerRow(db: SyncDatabase, table: EntityTable, key: EntityKey, row: Record<string, unknown> | null, version = versionOf(row)) {
  const entity = entityId(table, key);
  const shadow = await db.shadows.get(entity);
  if (shadow) {
    const { version: _previous, ...rest } = shadow;
    await db.shadows.put({ ...rest, row, ...(version !== undefined ? { version } : {}) });
    await recompute(db, entity);
  } else if (row === null) await entityTable(db, table).delete(key as never);
  else await entityTable(db, table).put(row);
}

/** Recomputes every shadowed row (after the visible tables were cleared by resetCache). */
export async function recomputeAll(db: SyncDatabase): Promise<void> {
  for (const shadow of await db.shadows.toArray()) await recompute(db, shadow.entity);
}

export { allTables as outboxTables };
