import { Dexie, type Table } from 'dexie';
import type { Op } from '../../shared/index.js';
import { opsWithStatus } from '../storage/ops-with-status.js';
import type { SyncDatabase } from '../storage/sync-database.js';
import type { EntityKey, EntityTable, LocalOp, OpEffect, ShadowRow } from '../storage/rows.js';
import { tally } from '../status/counters.js';
import { applyEffect, effectKey, entityId } from './effects.js';
import { groupOf } from './op-group.js';

/**
 * The outbox's storage: every change to ops, shadows and the visible rows they produce happens in one Dexie
 * transaction, and no fetch ever runs inside one (IndexedDB transactions auto-commit when they wait on
 * anything that is not IndexedDB).
 *
 * Visible row = server state + every pending or syncing op on the entity, in order. A failed op is left out,
 * which is its rollback; retry puts it back. An op whose scope was purged is left out for good (see purge.ts),
 * so no transition can show a row of a scope the user lost.
 *
 * Server state of an entity with queued ops: its shadow, or null when it has none. A shadow is written only when
 * there is a server version to keep (the first op on a row the server sent, or a server answer or page item
 * while ops are still queued), so a create stores two records: the op and its optimistic row. It goes with the
 * last queued op of its entity. A purge drops the shadows of the scope it takes (null: nothing to restore).
 *
 * Order: each op's `order` is its enqueue number (1, 2, 3, ... for the database's life), so the `enqueued`
 * counter is not written per op: it is the highest order queued, or, once that op left the queue, the floor kept
 * in the `enqueued` counter row (raised by every transition that deletes an op). See enqueuedCount.
 *
 * This module is what a page needs before its tab leads, so it is on the path a page loads first: the optimistic
 * write (enqueueOp), the user's retry and discard, the start-up recovery and the rebuild after resetCache, and
 * the recompute they share. What only the leading tab's replay and pull need is in the lazy leader runtime's
 * chunk: the replay's transitions (replay-store.ts), server rows landing under the queued ops (server-rows.ts) and
 * the check of which lane waits for which (group-blocker.ts).
 */
const LIVE = new Set<Op['status']>(['pending', 'syncing']);

/** Whether an op's optimistic effect is part of the visible row. */
export const shows = (op: LocalOp): boolean => LIVE.has(op.status) && op.scopeLost !== true;

export const entityTable = (db: SyncDatabase, table: EntityTable) => db.table(table) as Table<Record<string, unknown>, unknown>;

/** The row an op touches: its entity id, table and key. */
export interface Target {
  readonly entity: string;
  readonly table: EntityTable;
  readonly key: EntityKey;
}

export const targetOf = (op: LocalOp): Target => ({ entity: op.entity, table: op.effect.table, key: effectKey(op.effect) });

/** What the server holds for a row: its row (null: none, or a tombstone) and the version, when known. */
export interface ServerState {
  readonly row: Record<string, unknown> | null;
  readonly version?: number;
}

/** A server state worth a shadow: null with no version is what a missing shadow already says. */
const known = (state: ServerState | undefined): state is ServerState => state !== undefined && (state.row !== null || state.version !== undefined);

/**
 * Rewrites the visible row as the server state + the entity's shown ops, in order. `next` (given the stored
 * shadow) is a new server state (an answer, a page item), or undefined to keep the stored one. The shadow is
 * kept only while ops are queued on the entity and the server state is known; without ops, the visible row is
 * the server's. Called only for a row that had ops queued (or a shadow) in this transaction, so with neither left
 * the server state is null: the last op of a row created offline was dropped, and the row goes with it.
 */
export async function recompute(db: SyncDatabase, target: Target, next?: (stored: ShadowRow | undefined) => ServerState | undefined): Promise<void> {
  const [shadow, ops] = await Promise.all([db.shadows.get(target.entity), db.ops.where('entity').equals(target.entity).toArray()]);
  const fresh = next?.(shadow);
  const server: ServerState | undefined = fresh ?? shadow;
  ops.sort((a, b) => a.order - b.order);
  let row = server?.row ?? null;
  for (const op of ops) if (shows(op)) row = applyEffect(row, op.effect);
  const table = entityTable(db, target.table);
  const writes: Promise<unknown>[] = [row === null ? table.delete(target.key as never) : table.put(row)];
  const queued = ops.some((op) => op.status !== 'applied');
  if (queued && fresh && known(fresh)) {
    writes.push(db.shadows.put({ entity: target.entity, table: target.table, key: target.key, row: fresh.row, ...(fresh.version !== undefined ? { version: fresh.version } : {}) }));
  } else if (shadow && (!queued || fresh)) writes.push(db.shadows.delete(target.entity));
  await Promise.all(writes);
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

/** The highest order any op was ever given, in the transaction's view: the queue's last, or the floor. */
async function lastOrder(db: SyncDatabase): Promise<number> {
  const [queued, floor] = await Promise.all([db.ops.orderBy('order').lastKey(), db.counters.get('enqueued')]);
  return Math.max(typeof queued === 'number' ? queued : 0, floor?.value ?? 0);
}

/** The `enqueued` counter: how many ops were ever queued (see the layout note above). */
export const enqueuedCount = lastOrder;

/** The input's fields as given, minus the optional ones left undefined (IndexedDB would store the key). */
function defined<T extends object>(input: T): T {
  return Object.fromEntries(Object.entries(input).filter(([, value]) => value !== undefined)) as T;
}

/** The `enqueued` floor alone: the highest order of an op that left the queue (0: none did yet). */
async function floorOrder(db: SyncDatabase): Promise<number> {
  return (await db.counters.get('enqueued'))?.value ?? 0;
}

const refusedAsTaken = (error: unknown): boolean => (error as { name?: unknown } | null)?.name === 'ConstraintError';

/**
 * The last order each IndexedDB connection gave an op, set once its transaction committed: a hint that enqueueOp
 * checks. Keyed by the connection, not the Dexie instance: a database deleted and created again (another tab's
 * logout) is a new connection, with no hint. Within one connection the highest order given never goes down (an op
 * that leaves raises the floor to its order), so a hint is never above it; other tabs' enqueues put it below.
 */
const orderHints = new WeakMap<IDBDatabase, number>();

/**
 * Appends an op and applies its optimistic effect, in ONE transaction. The visible row already is the server
 * state + the queued ops, so the new op applies on top of it. A shadow is written only for the first op on a row
 * the server sent: the row is visible, no shadow holds a server state, and no op is queued on it (with ops queued
 * and no shadow the visible row is theirs, over nothing from the server).
 *
 * One round trip for a create (IndexedDB runs a transaction's requests in the order they were made, so reads made
 * before a write see the state before it): the reads go out, and with them the op, numbered from the connection's
 * hint, and a row that does not depend on what is stored (put, delete). The hinted number h + 1 is checked without
 * reading the queue: every number past h that was ever given was given after h (each enqueue takes the highest
 * given + 1), so if any was, h + 1 was, and its op is either queued (the unique order index refuses ours) or gone
 * (the floor is at least h + 1). With neither, h is the highest given and h + 1 is due. Otherwise (another tab
 * enqueued) a second round reads the highest given and the op is written with the number after it, in the same
 * transaction: an op's order is always exactly its enqueue number. A patch needs the row first.
 *
 * `newKey`: the effect is a put whose key was generated for this write (a create with a fresh random id), so no
 * row can have it yet: the row is not read, and the transaction leaves shadows out (a create over nothing writes
 * none). The op and the row are still written in one transaction. A key the caller chose is never new: the row
 * may be the server's, and its shadow must be kept.
 */
export async function enqueueOp(db: SyncDatabase, input: NewOp, id: string, now: number, newKey = false): Promise<LocalOp> {
  const { effect } = input;
  const key = effectKey(effect);
  const entity = entityId(effect.table, key);
  const table = entityTable(db, effect.table);
  const unread = newKey && effect.kind === 'put';
  let connection: IDBDatabase | undefined;
  const op = await db.transaction('rw', unread ? [db.ops, db.counters, table] : [db.ops, db.shadows, db.counters, table], async () => {
    connection = db.backendDB();
    const hint = orderHints.get(connection);
    // What a shadow needs (is one stored, are ops queued on the row) matters only if the row is visible: a create
    // (put) asks once it knows, which is almost never; an edit asks with its first round.
    const ownState = () => Promise.all([db.shadows.get(entity), db.ops.where('entity').equals(entity).count()]);
    const early = effect.kind === 'put' ? null : ownState();
    // Without a hint: the highest order given (the queue's last, the floor). With one: the floor only.
    const reads = Promise.all([unread ? undefined : table.get(key as never), hint === undefined ? lastOrder(db) : floorOrder(db)]);
    // Fields this module does not know (added by other parts of the outbox) pass through as given.
    const draft = { ...defined(input), ...groupOf(input), id, status: 'pending', attempts: 0, nextAttemptAt: now, lastAttempt: null, error: null, createdAt: now, entity } as const;
    const writes: Promise<unknown>[] = [];
    const guessed: LocalOp | null = hint === undefined ? null : { ...draft, order: hint + 1 };
    // A refusal of the hinted number is caught (Dexie then lets the transaction go on); any other error aborts it.
    const taken = guessed
      ? db.ops.add(guessed).then(
          () => false,
          (error: unknown) => {
            if (refusedAsTaken(error)) return true;
            throw error;
          },
        )
      : null;
    const blind = effect.kind === 'put' || effect.kind === 'delete';
    if (blind) writes.push(effect.kind === 'put' ? table.put({ ...effect.row }) : table.delete(key as never));
    const [visible, given] = await reads;
    let queued: LocalOp;
    if (!guessed || !taken) {
      queued = { ...draft, order: given + 1 };
      writes.push(db.ops.add(queued));
    } else {
      const refused = await taken;
      if (!refused && given <= guessed.order - 1) queued = guessed;
      else {
        // Another tab numbered past the hint. A refused op is not stored; an added one is at or under the floor:
        // either way the highest given is the other tabs'. (A duplicate op id is refused again, and aborts.)
        queued = { ...draft, order: (await lastOrder(db)) + 1 };
        writes.push(refused ? db.ops.add(queued) : db.ops.put(queued));
      }
    }
    if (visible) {
      // Asked late, the count already includes this op (its add went first): only other ops count.
      const [shadow, queuedOnRow] = await (early ?? ownState());
      if (!shadow && queuedOnRow - (early ? 0 : 1) === 0) writes.push(db.shadows.put({ entity, table: effect.table, key, row: visible }));
    }
    if (effect.kind === 'patch' && visible) writes.push(table.put(applyEffect(visible, effect) as Record<string, unknown>));
    await Promise.all(writes);
    return queued;
  });
  if (connection) orderHints.set(connection, op.order);
  return op;
}

/** Manual retry: the op goes back to pending with fresh attempts, and its effect is re-applied. */
export async function retryOp(db: SyncDatabase, opId: string, now: number): Promise<boolean> {
  return db.transaction('rw', allTables(db), async () => {
    const op = await db.ops.get(opId);
    if (!op || op.status !== 'failed') return false;
    await db.ops.put({ ...op, status: 'pending', attempts: 0, nextAttemptAt: now, error: null });
    await recompute(db, targetOf(op));
    return true;
  });
}

/**
 * Drops queued ops (none in flight) and their effects, counted as discards; the rows they touched are rebuilt
 * without them. The `enqueued` floor rises to the highest order dropped, so the count survives the queue's end.
 */
async function drop(db: SyncDatabase, ops: readonly LocalOp[]): Promise<void> {
  const highest = Math.max(...ops.map((op) => op.order));
  await Promise.all([db.ops.bulkDelete(ops.map((op) => op.id)), tally(db.counters, { discarded: ops.length }, { enqueued: highest })]);
  const rows = new Map(ops.map((op) => [op.entity, targetOf(op)]));
  for (const target of rows.values()) await recompute(db, target);
}

/** Manual discard: the op is dropped and its effect with it. An op in flight cannot be discarded. */
export async function discardOp(db: SyncDatabase, opId: string): Promise<boolean> {
  return db.transaction('rw', allTables(db), async () => {
    const op = await db.ops.get(opId);
    if (!op || op.status === 'syncing') return false;
    await drop(db, [op]);
    return true;
  });
}

/**
 * Manual discard of a lane from an op on: the op and every op queued after it in its lane are dropped with
 * their effects, in one transaction, each counted as a discard (a lane of k failed ops is one action, not k).
 * Ops before it and other lanes stay as they are (an op of another lane that needed a dropped one fails on its
 * own). Nothing is dropped if any of them is in flight. Returns how many ops were dropped.
 */
export async function discardLane(db: SyncDatabase, opId: string): Promise<number> {
  return db.transaction('rw', allTables(db), async () => {
    const op = await db.ops.get(opId);
    if (!op) return 0;
    const lane = await db.ops.where('[lane+order]').between([op.lane, op.order], [op.lane, Dexie.maxKey]).toArray();
    if (lane.some((queued) => queued.status === 'syncing')) return 0;
    await drop(db, lane);
    return lane.length;
  });
}

/** At start: ops a crash left `syncing` go back to pending; idempotency keys make resending them safe. */
export async function recoverSyncing(db: SyncDatabase): Promise<number> {
  return db.transaction('rw', db.ops, async () => opsWithStatus(db, 'syncing').modify({ status: 'pending' }));
}

/** Recomputes every row with ops queued or a shadow (after the visible tables were cleared by resetCache). */
export async function recomputeAll(db: SyncDatabase): Promise<void> {
  const rows = new Map<string, Target>();
  for (const shadow of await db.shadows.toArray()) rows.set(shadow.entity, shadow);
  await db.ops.each((op) => void (rows.has(op.entity) || rows.set(op.entity, targetOf(op))));
  for (const target of rows.values()) await recompute(db, target);
}

export { allTables as outboxTables };
