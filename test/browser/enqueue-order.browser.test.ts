import { Dexie } from 'dexie';
import { describe, expect, it } from 'vitest';
import { projectWrites } from '../../client/entities/projects.js';
import { discardOp, enqueuedCount } from '../../client/outbox/outbox-store.js';
import { SyncDatabase } from '../../client/storage/sync-database.js';

/**
 * The enqueue's order check in Chromium's IndexedDB (test/client/enqueue-layout.test.ts runs the same cases on
 * fake-indexeddb): a hinted number another connection took is refused by the unique order index, the refusal is
 * caught and the transaction goes on to commit the op (renumbered) and its row together; a number given and gone
 * shows in the floor. Two connections on one database stand for two tabs.
 */
const ORG = '11111111-1111-4111-8111-111111111111';

function writer(db: SyncDatabase, tab: string) {
  let ids = 0;
  return projectWrites({ db, userId: 'u', now: () => 5, newId: () => `00000000-0000-4000-8${tab}-${(++ids).toString().padStart(12, '0')}`, kick: () => {} });
}

const orders = async (db: SyncDatabase) => (await db.ops.orderBy('order').toArray()).map((op) => op.order);

describe('enqueue order in Chromium', () => {
  it('two connections creating in turn and out of turn: orders are exactly 1..n, each op beside its row', async () => {
    const name = `enqueue-order-${crypto.randomUUID()}`;
    const [a, b] = [new SyncDatabase(name), new SyncDatabase(name)];
    const [wa, wb] = [writer(a, '00a'), writer(b, '00b')];
    const created: string[] = [];
    for (let i = 0; i < 6; i++) created.push((await (i % 2 ? wb : wa).create(ORG, { name: `P${i}` })).id);
    for (let i = 0; i < 3; i++) created.push((await wb.create(ORG, { name: `B${i}` })).id);
    created.push((await wa.create(ORG, { name: 'A after three of b' })).id); // a's hint 5: 6 is refused
    expect(await orders(a)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    const ops = await a.ops.orderBy('order').toArray();
    expect(ops.map((op) => op.entity)).toEqual(created.map((id) => `projects:${id}`));
    expect(await a.projects.count()).toBe(10);

    // The last op (a's 10) goes, discarded from b: its number stays given (the floor), b's next op comes after it;
    // then that one goes, and a's next comes after it too.
    expect(await discardOp(b, ops[9]!.id)).toBe(true);
    await wb.create(ORG, { name: 'B 11' });
    const last = await a.ops.orderBy('order').last();
    await discardOp(a, last!.id);
    await wa.create(ORG, { name: 'A 12' }); // a's hint 10: 11 is free in the index, the floor says 11 was given
    expect(await orders(a)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 12]);
    expect(await a.transaction('r', a.ops, a.counters, () => enqueuedCount(a))).toBe(12);
    a.close();
    b.close();
    await Dexie.delete(name);
  });
});
