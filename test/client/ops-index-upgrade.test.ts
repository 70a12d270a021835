import { Dexie } from 'dexie';
import { IDBKeyRange, indexedDB } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import { computeStatus } from '../../client/engine/status.js';
import { recoverSyncing } from '../../client/outbox/outbox-store.js';
import { dueHeads, nextDueAt } from '../../client/outbox/replay-store.js';
import { opsWithStatus } from '../../client/storage/ops-with-status.js';
import type { LocalOp } from '../../client/storage/rows.js';
import { SyncDatabase } from '../../client/storage/sync-database.js';

/**
 * Outbox layouts v5 and v6 (issue 17 item 3). v5: the ops table drops its `lane` and `status` indexes, and every
 * status query reads [status+nextAttemptAt]. v6: `order` becomes unique, which the enqueue's hinted number relies
 * on. A database left at v4 or at v5 with ops in every status opens at the latest version with every op as it
 * was, the same status counts, the same answers from the status and due queries, and a unique order index.
 */
const ORG = '11111111-1111-4111-8111-111111111111';
const USER = 'u';
const NOW = 1_000_000;

/** The v4 layout, as SyncDatabase declared it (v1's tables, v4's ops). */
const V4 = {
  orgs: 'id',
  orgMembers: '[orgId+userId], orgId, userId',
  projects: 'id, orgId',
  projectMembers: '[projectId+userId], projectId, orgId, userId',
  settings: '[scope+scopeId+key], [scope+scopeId], dirty',
  pdfMeta: 'id, projectId, lastUsedAt',
  ops: 'id, order, lane, status, entity, [status+nextAttemptAt], [lane+order], [group+groupMode+order]',
  shadows: 'entity',
  syncState: 'collection',
  counters: 'name',
  meta: 'key',
};

/** The v5 layout, as SyncDatabase declares it: v4's tables, ops without `lane` and `status`, `order` not unique. */
const V5 = { ...V4, ops: 'id, order, entity, [status+nextAttemptAt], [lane+order], [group+groupMode+order]' };

/** The op indexes IndexedDB keeps since v5 (v6 changes only whether `order` is unique). */
const V5_OP_INDEXES = ['[group+groupMode+order]', '[lane+order]', '[status+nextAttemptAt]', 'entity', 'order'];

let order = 0;
function op(id: string, project: string, status: LocalOp['status'], nextAttemptAt: number, extra: Partial<LocalOp> = {}): LocalOp {
  const row = { id: project, orgId: ORG, name: id, description: '', createdBy: USER, createdAt: 1, updatedAt: 1, deletedAt: null, version: 1 };
  return {
    id,
    userId: USER,
    lane: `project:${project}`,
    method: 'POST',
    path: `/api/orgs/${ORG}/projects`,
    body: { id: project, name: id },
    status,
    attempts: status === 'failed' ? 3 : 0,
    nextAttemptAt,
    lastAttempt: status === 'pending' && nextAttemptAt > NOW ? NOW - 10 : null,
    error: status === 'failed' ? { code: 'HTTP_422', message: 'no', statusCode: 422 } : null,
    createdAt: 1,
    effect: { kind: 'put', table: 'projects', row },
    entity: `projects:${project}`,
    order: ++order,
    group: ORG,
    groupMode: 'shared',
    ...extra,
  };
}

/** Ops in every status, several per status, with due and not-yet-due times, and a lane held by a failed op. */
const OPS: LocalOp[] = [
  op('a1', 'pa', 'pending', 0),
  op('a2', 'pa', 'pending', 0),
  op('b1', 'pb', 'pending', NOW + 5_000, { error: { code: 'OFFLINE', message: 'offline' } }),
  op('c1', 'pc', 'syncing', NOW - 1),
  op('c2', 'pc', 'pending', NOW - 1),
  op('d1', 'pd', 'failed', NOW - 100),
  op('d2', 'pd', 'pending', 0),
  op('e1', 'pe', 'failed', 0),
  op('f1', 'pf', 'syncing', NOW + 1),
  op('g1', 'pg', 'pending', NOW),
  op('h1', 'ph', 'applied', 0),
];

/** What the queries say, asked the v4 way (the `status` index) or the v5 way (opsWithStatus). */
async function answers(db: SyncDatabase, byStatus: (status: LocalOp['status']) => Promise<string[]>) {
  const statuses = ['pending', 'syncing', 'failed', 'applied'] as const;
  const ids = Object.fromEntries(await Promise.all(statuses.map(async (s) => [s, (await byStatus(s)).sort()] as const)));
  const status = await computeStatus(db, { now: NOW, online: false, pausedForAuth: false, leader: true, live: false, clockOffsetMs: 0, lastError: null, staleAfterMs: 1 });
  const due = (await dueHeads(db, USER, NOW)).map((o) => o.id);
  return { ids, pendingCount: status.pendingCount, failedCount: status.failedCount, oldest: status.oldestPendingAgeMs, due, nextDue: await nextDueAt(db) };
}

/** Whether IndexedDB itself (not Dexie's declaration) keeps the order index unique. */
const orderUnique = (db: Dexie) => db.backendDB().transaction('ops', 'readonly').objectStore('ops').index('order').unique;
const storedIndexes = (db: Dexie) => [...db.backendDB().transaction('ops', 'readonly').objectStore('ops').indexNames].sort();

/** The answers every op query gives an outbox holding OPS, as the latest layout reads them. */
const EXPECTED = {
  ids: { pending: ['a1', 'a2', 'b1', 'c2', 'd2', 'g1'], syncing: ['c1', 'f1'], failed: ['d1', 'e1'], applied: ['h1'] },
  pendingCount: 8,
  failedCount: 2,
  oldest: NOW - 1,
  // a1 heads pa; b1 is not due yet; pc is in flight (c1); pd and pe are held by a failed op; f1 is in flight.
  due: ['a1', 'g1'],
  nextDue: 0,
};

/** An op with a number another op holds: the unique index refuses it (and the transaction's ops are unchanged). */
async function expectOrderTaken(db: SyncDatabase): Promise<void> {
  const taken = OPS[3]!.order;
  await expect(db.ops.add({ ...OPS[3]!, id: 'dup', order: taken })).rejects.toMatchObject({ name: 'ConstraintError' });
  expect(await db.ops.where('order').equals(taken).primaryKeys()).toEqual([OPS[3]!.id]);
  expect(await db.ops.count()).toBe(OPS.length);
}

/** A database left at an older layout (its version and stores as SyncDatabase declared them), holding OPS. */
async function olderOutbox(version: number, stores: Record<string, string>): Promise<{ name: string; older: Dexie }> {
  const name = `ops-v${version}-${Math.random()}`;
  const older = new Dexie(name, { indexedDB, IDBKeyRange });
  older.version(version).stores(stores);
  await older.open();
  await older.table('ops').bulkPut(OPS);
  return { name, older };
}

/** Opens a database with the current SyncDatabase and checks what any upgraded outbox shows: v6's layout, every op kept. */
async function openUpgraded(name: string): Promise<SyncDatabase> {
  const db = new SyncDatabase(name, { indexedDB, IDBKeyRange });
  await db.open();
  expect(db.verno).toBe(6);
  // The indexes IndexedDB itself keeps (not only what Dexie declares): lane and status are gone, order unique.
  expect(storedIndexes(db)).toEqual(V5_OP_INDEXES);
  expect(orderUnique(db)).toBe(true);
  expect(await db.ops.toArray()).toEqual([...OPS].sort((a, b) => a.id.localeCompare(b.id)));
  return db;
}

describe('ops index layout v5, order unique since v6', () => {
  it('opens a v4 outbox with every op kept and the same status counts and due ops; ops carry 5 index entries, order unique', async () => {
    const { name, older: v4 } = await olderOutbox(4, V4);
    const old = v4 as unknown as SyncDatabase;
    const before = await answers(old, async (s) => (await v4.table('ops').where('status').equals(s).primaryKeys()) as string[]);
    const countsBefore = await Promise.all(['pending', 'syncing', 'failed', 'applied'].map((s) => v4.table('ops').where('status').equals(s).count()));
    expect(storedIndexes(v4)).toContain('status');
    expect(orderUnique(v4)).toBe(false);
    v4.close();

    const db = await openUpgraded(name);
    expect(db.ops.schema.indexes.map((i) => i.name).sort()).toEqual(V5_OP_INDEXES);
    const after = await answers(db, async (s) => (await opsWithStatus(db, s).primaryKeys()) as string[]);
    expect(after).toEqual(before);
    expect(await Promise.all((['pending', 'syncing', 'failed', 'applied'] as const).map((s) => opsWithStatus(db, s).count()))).toEqual(countsBefore);
    // What the answers are, so equal-but-empty cannot pass.
    expect(after).toEqual(EXPECTED);
    // Dexie answers a where() on the first part of a compound index from that index (a virtual index), so even a
    // query still naming `status` or `lane` gets the same answer, not a scan or an error (ours name the compounds).
    expect(await db.ops.where('status').equals('pending').count()).toBe(6);
    expect((await db.ops.where('lane').equals('project:pd').primaryKeys()).sort()).toEqual(['d1', 'd2']);

    // Start-up recovery finds the syncing ops through the compound index.
    expect(await recoverSyncing(db)).toBe(2);
    expect(await opsWithStatus(db, 'syncing').count()).toBe(0);
    expect((await opsWithStatus(db, 'pending').primaryKeys()).sort()).toEqual(['a1', 'a2', 'b1', 'c1', 'c2', 'd2', 'f1', 'g1']);
    db.close();
  });

  it('opens a v5 outbox (order not unique) with every op and answer unchanged, and order now unique', async () => {
    const { name, older: v5 } = await olderOutbox(5, V5);
    const before = await answers(v5 as unknown as SyncDatabase, async (s) => (await opsWithStatus(v5 as unknown as SyncDatabase, s).primaryKeys()) as string[]);
    expect(before).toEqual(EXPECTED);
    expect(storedIndexes(v5)).toEqual(V5_OP_INDEXES);
    // At v5 a taken number is stored beside the op holding it: the guard the enqueue needs is missing.
    expect(orderUnique(v5)).toBe(false);
    await v5.table('ops').add({ ...OPS[0]!, id: 'dup-v5' });
    expect(await v5.table('ops').where('order').equals(OPS[0]!.order).count()).toBe(2);
    await v5.table('ops').delete('dup-v5');
    v5.close();

    const db = await openUpgraded(name);
    expect((await db.ops.orderBy('order').toArray()).map((o) => o.id)).toEqual(OPS.map((o) => o.id));
    expect(await answers(db, async (s) => (await opsWithStatus(db, s).primaryKeys()) as string[])).toEqual(before);
    await expectOrderTaken(db);
    db.close();
  });

  it('a v5 outbox holding two ops with one order would not open at v6 (why v6 has no renumbering upgrade)', async () => {
    // No enqueue ever stored such a pair (sync-database.ts, v6). This pins what the v6 comment says Dexie does:
    // the unique index is built before any upgrade function could renumber, so the version change aborts.
    const { name, older: v5 } = await olderOutbox(5, V5);
    await v5.table('ops').add({ ...OPS[1]!, id: 'dup', order: OPS[0]!.order });
    v5.close();
    const db = new SyncDatabase(name, { indexedDB, IDBKeyRange });
    await expect(db.open()).rejects.toMatchObject({ inner: { name: 'ConstraintError' } });
    db.close();
  });

  it('a fresh database is created at v6 with the same 5 op indexes, order unique', async () => {
    const db = new SyncDatabase(`ops-v6-fresh-${Math.random()}`, { indexedDB, IDBKeyRange });
    await db.open();
    expect(db.verno).toBe(6);
    expect(storedIndexes(db)).toEqual(V5_OP_INDEXES);
    expect(orderUnique(db)).toBe(true);
    await db.ops.bulkAdd(OPS);
    await expectOrderTaken(db);
    db.close();
  });
});
