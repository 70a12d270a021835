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
 * Outbox layout v5 (issue 17 item 3): the ops table drops its `lane` and `status` indexes, and every status
 * query reads [status+nextAttemptAt]. A database left at v4 with ops in every status opens at v5 with every op
 * as it was, the same status counts, and the same answers from the status and due queries.
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

const storedIndexes = (db: Dexie) => [...db.backendDB().transaction('ops', 'readonly').objectStore('ops').indexNames].sort();

describe('ops index layout v5', () => {
  it('opens a v4 outbox with every op kept and the same status counts and due ops; ops carry 5 index entries', async () => {
    const name = `ops-v5-${Math.random()}`;
    const v4 = new Dexie(name, { indexedDB, IDBKeyRange });
    v4.version(4).stores(V4);
    await v4.open();
    await v4.table('ops').bulkPut(OPS);
    const old = v4 as unknown as SyncDatabase;
    const before = await answers(old, async (s) => (await v4.table('ops').where('status').equals(s).primaryKeys()) as string[]);
    const countsBefore = await Promise.all(['pending', 'syncing', 'failed', 'applied'].map((s) => v4.table('ops').where('status').equals(s).count()));
    expect(storedIndexes(v4)).toContain('status');
    v4.close();

    const db = new SyncDatabase(name, { indexedDB, IDBKeyRange });
    await db.open();
    expect(db.verno).toBe(5);
    // The indexes IndexedDB itself keeps (not only what Dexie declares): lane and status are gone.
    expect(storedIndexes(db)).toEqual(V5_OP_INDEXES);
    expect(db.ops.schema.indexes.map((i) => i.name).sort()).toEqual(V5_OP_INDEXES);
    expect(await db.ops.toArray()).toEqual([...OPS].sort((a, b) => a.id.localeCompare(b.id)));
    const after = await answers(db, async (s) => (await opsWithStatus(db, s).primaryKeys()) as string[]);
    expect(after).toEqual(before);
    expect(await Promise.all((['pending', 'syncing', 'failed', 'applied'] as const).map((s) => opsWithStatus(db, s).count()))).toEqual(countsBefore);
    // What the answers are, so equal-but-empty cannot pass.
    expect(after).toEqual({
      ids: { pending: ['a1', 'a2', 'b1', 'c2', 'd2', 'g1'], syncing: ['c1', 'f1'], failed: ['d1', 'e1'], applied: ['h1'] },
      pendingCount: 8,
      failedCount: 2,
      oldest: NOW - 1,
      // a1 heads pa; b1 is not due yet; pc is in flight (c1); pd and pe are held by a failed op; f1 is in flight.
      due: ['a1', 'g1'],
      nextDue: 0,
    });
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

  it('a fresh database is created at v5 with the same 5 op indexes', async () => {
    const db = new SyncDatabase(`ops-v5-fresh-${Math.random()}`, { indexedDB, IDBKeyRange });
    await db.open();
    expect(db.verno).toBe(5);
    expect(storedIndexes(db)).toEqual(V5_OP_INDEXES);
    db.close();
  });
});
