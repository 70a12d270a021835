import { Dexie, type Table } from 'dexie';
import type { Op } from '../../shared/index.js';
import type { SyncDatabase } from '../storage/sync-database.js';
import type { EntityKey, EntityTable, LocalOp, OpEffect, ShadowRow } from '../storage/rows.js';
import { bump, tally } from '../status/counters.js';
import { applyEffect, effectKey, entityId } from './effects.js';
import { groupBlocker, groupOf } from './op-group.js';

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
 */
const LIVE = new Set<Op['status']>(['pending', 'syncing']);

/** Whether an op's optimistic effect is part of the visible row. */
export const shows = (op: LocalOp): boolean => LIVE.has(op.status) && op.scopeLost !== true;

const entityTable = (db: SyncDatabase, table: EntityTable) => db.table(table) as Table<Record<string, unknown>, unknown>;

/** The row an op touches: its entity id, table and key. */
interface Target {
  readonly entity: string;
  readonly table: EntityTable;
  readonly key: EntityKey;
}

const targetOf = (op: LocalOp): Target => ({ entity: op.entity, table: op.effect.table, key: effectKey(op.effect) });

/** What the server holds for a row: its row (null: none, or a tombstone) and the version, when known. */
interface ServerState {
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
async function recompute(db: SyncDatabase, target: Target, next?: (stored: ShadowRow | undefined) => ServerState | undefined): Promise<void> {
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

/**
 * The last order each database connection gave an op (a hint, never trusted: see enqueueOp). Keyed by the
 * connection, so it goes with it; another tab's enqueues make it stale, which costs that enqueue a second round.
 */
const orderHints = new WeakMap<SyncDatabase, number>();

/**
 * Appends an op and applies its optimistic effect, in ONE transaction. The visible row already is the server
 * state + the queued ops, so the new op applies on top of it. A shadow is written only for the first op on a row
 * the server sent: the row is visible, no shadow holds a server state, and no op is queued on it (with ops queued
 * and no shadow the visible row is theirs, over nothing from the server).
 *
 * One round trip for a create (IndexedDB runs a transaction's requests in the order they were made, so reads made
 * before a write see the state before it): the reads go out, and with them the op, numbered from the connection's
 * hint, and a row that does not depend on what is stored (put, delete). When the reads show another number was
 * due (another tab enqueued, or the hint came from a transaction that did not commit) the op is rewritten with it
 * in the same transaction, so an op's order is always exactly its enqueue number. A patch needs the row first.
 */
export async function enqueueOp(db: SyncDatabase, input: NewOp, id: string, now: number): Promise<LocalOp> {
  const { effect } = input;
  const key = effectKey(effect);
  const entity = entityId(effect.table, key);
  const table = entityTable(db, effect.table);
  const hint = orderHints.get(db);
  const op = await db.transaction('rw', [db.ops, db.shadows, db.counters, table], async () => {
    // What a shadow needs (is one stored, are ops queued on the row) matters only if the row is visible: a create
    // (put) asks once it knows, which is almost never; an edit asks with its first round.
    const ownState = () => Promise.all([db.shadows.get(entity), db.ops.where('entity').equals(entity).count()]);
    const early = effect.kind === 'put' ? null : ownState();
    const reads = Promise.all([table.get(key as never), lastOrder(db)]);
    // Fields this module does not know (added by other parts of the outbox) pass through as given.
    const draft = { ...defined(input), ...groupOf(input), id, status: 'pending', attempts: 0, nextAttemptAt: now, lastAttempt: null, error: null, createdAt: now, entity } as const;
    const writes: Promise<unknown>[] = [];
    const guessed: LocalOp | null = hint === undefined ? null : { ...draft, order: hint + 1 };
    if (guessed) writes.push(db.ops.add(guessed));
    const blind = effect.kind === 'put' || effect.kind === 'delete';
    if (blind) writes.push(effect.kind === 'put' ? table.put({ ...effect.row }) : table.delete(key as never));
    const [visible, last] = await reads;
    const queued: LocalOp = { ...draft, order: last + 1 };
    if (!guessed) writes.push(db.ops.add(queued));
    else if (guessed.order !== queued.order) writes.push(db.ops.put(queued));
    if (visible) {
      // Asked late, the count already includes this op (its add went first): only other ops count.
      const [shadow, queuedOnRow] = await (early ?? ownState());
      if (!shadow && queuedOnRow - (early ? 0 : 1) === 0) writes.push(db.shadows.put({ entity, table: effect.table, key, row: visible }));
    }
    if (effect.kind === 'patch' && visible) writes.push(table.put(applyEffect(visible, effect) as Record<string, unknown>));
    await Promise.all(writes);
    return queued;
  });
  orderHints.set(db, op.order);
  return op;
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
 * The server applied the op: its answer becomes the server state under the ops still queued on the row (or the
 * visible row, when none is), and the op leaves the queue. `answerVersion` is the answer's version (alive row or
 * tombstone). An idempotent replay answers with the body stored when the op first committed; if a pull has
 * since brought a newer version (another user's later change), that stored row is older than the shadow and must
 * not replace it: the pull's cursor is past the newer row, so nothing would bring it back.
 */
export async function completeOp(db: SyncDatabase, opId: string, serverRow: Record<string, unknown> | null, replayed: boolean, answerVersion = versionOf(serverRow)) {
  await db.transaction('rw', allTables(db), async () => {
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
  await db.transaction('rw', allTables(db), async () => {
    const op = await db.ops.get(opId);
    if (!op) return;
    await Promise.all([
      db.ops.put({ ...op, status: 'failed', error, attempts: op.attempts + (spendAttempt ? 1 : 0) }),
      tally(db.counters, { failed: 1, conflicts: error.statusCode === 409 || error.statusCode === 412 ? 1 : 0 }),
    ]);
    await recompute(db, targetOf(op));
  });
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
 * A pull brought the server's row (or its tombstone: null) for an entity. With ops queued on it, the row
 * becomes the server state and the ops are re-applied on top, so a pull never hides a local change.
 */
export async function applyServerRow(db: SyncDatabase, table: EntityTable, key: EntityKey, row: Record<string, unknown> | null, version = versionOf(row)) {
  await recompute(db, { entity: entityId(table, key), table, key }, () => ({ row, ...(version !== undefined ? { version } : {}) }));
}

/**
 * The entities of a table whose server rows must go through applyServerRow: those with ops queued (their
 * visible row is not the server's) or a shadow. Two key reads, not one per row.
 */
export async function shadowedEntities(db: SyncDatabase, table: EntityTable): Promise<Set<string>> {
  const prefix = `${table}:`;
  const [shadows, queued] = await Promise.all([db.shadows.where('entity').startsWith(prefix).primaryKeys(), db.ops.where('entity').startsWith(prefix).uniqueKeys()]);
  return new Set([...shadows, ...queued] as string[]);
}

/** A row only the outbox knows: ops are queued on it and the server has no row of it (created offline). */
export async function onlyQueued(db: SyncDatabase, entity: string): Promise<boolean> {
  const [shadow, queued] = await Promise.all([db.shadows.get(entity), db.ops.where('entity').equals(entity).count()]);
  return queued > 0 && !shadow?.row;
}

/** Recomputes every row with ops queued or a shadow (after the visible tables were cleared by resetCache). */
export async function recomputeAll(db: SyncDatabase): Promise<void> {
  const rows = new Map<string, Target>();
  for (const shadow of await db.shadows.toArray()) rows.set(shadow.entity, shadow);
  await db.ops.each((op) => void (rows.has(op.entity) || rows.set(op.entity, targetOf(op))));
  for (const target of rows.values()) await recompute(db, target);
}

export { allTables as outboxTables };
