import { IDBKeyRange, indexedDB } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import { projectWrites } from '../../client/entities/projects.js';
import { discardOp, enqueuedCount } from '../../client/outbox/outbox-store.js';
import { SyncDatabase } from '../../client/storage/sync-database.js';

/**
 * What one optimistic write stores (issue 17 item 3): a create is the op and its row, nothing else; the op's
 * order is its enqueue number, which is also the `enqueued` count. Two tabs on one database enqueue in turn: each
 * connection's order hint goes stale at every turn, and the numbers must still be exactly 1..n.
 */
const ORG = '11111111-1111-4111-8111-111111111111';
const SERVER_PUT = '99999999-9999-4999-8999-999999999999';

const records = async (db: SyncDatabase) =>
  Object.fromEntries(await Promise.all(['ops', 'projects', 'shadows', 'counters', 'meta'].map(async (t) => [t, await db.table(t).count()] as const)));

describe('the outbox layout of an optimistic write', () => {
  it('two tabs creating in turn: each create stores its op and row only, ordered by enqueue number 1..n', async () => {
    const name = `layout-${Math.random()}`;
    const tabs = [new SyncDatabase(name, { indexedDB, IDBKeyRange }), new SyncDatabase(name, { indexedDB, IDBKeyRange })];
    let ids = 0;
    const writes = tabs.map((db) => projectWrites({ db, userId: 'u', now: () => 5, newId: () => `00000000-0000-4000-8000-${(++ids).toString().padStart(12, '0')}`, kick: () => {} }));
    const created: string[] = [];
    for (let i = 0; i < 6; i++) created.push((await writes[i % 2]!.create(ORG, { name: `P${i}` })).id);
    const [a] = tabs as [SyncDatabase, SyncDatabase];

    expect(await records(a)).toEqual({ ops: 6, projects: 6, shadows: 0, counters: 0, meta: 0 });
    const ops = await a.ops.orderBy('order').toArray();
    expect(ops.map((op) => [op.order, op.entity])).toEqual(created.map((id, i) => [i + 1, `projects:${id}`]));
    expect(await a.transaction('r', a.ops, a.counters, () => enqueuedCount(a))).toBe(6);

    // A rename of a row the server sent is the first op on it: its server state goes to a shadow.
    await a.projects.put({ id: 'server-row', orgId: ORG, name: 'Server', description: '', createdBy: 'v', createdAt: 1, updatedAt: 1, deletedAt: null, version: 3 });
    await writes[1]!.update(ORG, 'server-row', { name: 'Renamed' });
    expect(await a.shadows.get('projects:server-row')).toMatchObject({ row: { name: 'Server', version: 3 } });
    expect(await a.projects.get('server-row')).toMatchObject({ name: 'Renamed', version: 3 });
    expect((await a.ops.orderBy('order').last())?.order).toBe(7);

    // A create (put) over a row the server sent asks for the shadow's facts in a second round: the row is kept.
    await a.projects.put({ id: SERVER_PUT, orgId: ORG, name: 'On server', description: '', createdBy: 'v', createdAt: 1, updatedAt: 1, deletedAt: null, version: 2 });
    await writes[0]!.create(ORG, { id: SERVER_PUT, name: 'Put over it' });
    expect(await a.shadows.get(`projects:${SERVER_PUT}`)).toMatchObject({ row: { name: 'On server', version: 2 } });
    await writes[1]!.create(ORG, { id: SERVER_PUT, name: 'Again' });
    expect(await a.shadows.get(`projects:${SERVER_PUT}`)).toMatchObject({ row: { name: 'On server' } });
    const [first] = await a.ops.where('entity').equals(`projects:${SERVER_PUT}`).sortBy('order');
    await discardOp(a, first!.id);
    expect(await a.projects.get(SERVER_PUT)).toMatchObject({ name: 'Again' });

    // With no shadow, the server state is nothing: discarding the only op of a row created offline removes the row.
    const lastCreate = (await a.ops.orderBy('order').toArray()).find((op) => op.entity === `projects:${created[5]}`)!;
    expect(await discardOp(a, lastCreate.id)).toBe(true);
    expect(await a.projects.get(created[5]!)).toBeUndefined();
    for (const db of tabs) db.close();
  });
});

describe('what an optimistic create reads', () => {
  /** Every DBCore read (`table.kind`) and every write transaction's scope, as IndexedDB is asked for them. */
  function spied(name: string) {
    const db = new SyncDatabase(name, { indexedDB, IDBKeyRange });
    const gets: string[] = [];
    const scopes: string[][] = [];
    db.use({
      stack: 'dbcore',
      name: 'spy',
      create: (down) => ({
        ...down,
        transaction: (stores, mode, options) => {
          if (mode === 'readwrite') scopes.push([...stores].sort());
          return down.transaction(stores, mode, options);
        },
        table: (table) => {
          const t = down.table(table);
          return {
            ...t,
            get: (req) => (gets.push(`${table}.get`), t.get(req)),
            getMany: (req) => (gets.push(`${table}.getMany`), t.getMany(req)),
            query: (req) => (gets.push(`${table}.query`), t.query(req)),
            openCursor: (req) => (gets.push(`${table}.openCursor`), t.openCursor(req)),
            count: (req) => (gets.push(`${table}.count`), t.count(req)),
          };
        },
      }),
    });
    return { db, gets, scopes };
  }

  it('a create with the id it generated reads no row and leaves shadows out, and with a hint only the floor; a given id is read', async () => {
    const { db, gets, scopes } = spied(`reads-${Math.random()}`);
    let ids = 0;
    const writes = projectWrites({ db, userId: 'u', now: () => 5, newId: () => `00000000-0000-4000-8000-${(++ids).toString().padStart(12, '0')}`, kick: () => {} });
    await db.open();
    gets.length = 0;
    scopes.length = 0;
    // The connection's first enqueue has no hint: it reads the highest order given (the queue's last, the floor).
    await writes.create(ORG, { name: 'First' });
    expect(gets.sort()).toEqual(['counters.get', 'ops.openCursor']);
    gets.length = 0;
    scopes.length = 0;
    // With the hint, a create reads the floor and nothing else (the unique order index checks the number).
    const fresh = await writes.create(ORG, { name: 'Fresh' });
    expect(gets).toEqual(['counters.get']);
    expect(scopes).toEqual([['counters', 'ops', 'projects']]);
    expect(await db.projects.get(fresh.id)).toMatchObject({ name: 'Fresh' });
    expect(await db.ops.where('entity').equals(`projects:${fresh.id}`).count()).toBe(1);

    // A given id may be a row the server sent: it is read, and its server state kept in a shadow.
    await db.projects.put({ id: SERVER_PUT, orgId: ORG, name: 'On server', description: '', createdBy: 'v', createdAt: 1, updatedAt: 1, deletedAt: null, version: 2 });
    gets.length = 0;
    scopes.length = 0;
    await writes.create(ORG, { id: SERVER_PUT, name: 'Put over it' });
    expect(gets.sort()).toEqual(['counters.get', 'ops.count', 'projects.get', 'shadows.get']);
    expect(scopes).toEqual([['counters', 'ops', 'projects', 'shadows']]);
    expect(await db.shadows.get(`projects:${SERVER_PUT}`)).toMatchObject({ row: { name: 'On server', version: 2 } });
    db.close();
  });
});

describe('a hinted order number is checked without reading the queue', () => {
  const open = (name: string) => new SyncDatabase(name, { indexedDB, IDBKeyRange });
  const writer = (db: SyncDatabase, prefix: string) => {
    let ids = 0;
    return projectWrites({ db, userId: 'u', now: () => 5, newId: () => `00000000-0000-4000-8${prefix}-${(++ids).toString().padStart(12, '0')}`, kick: () => {} });
  };
  const orders = async (db: SyncDatabase) => (await db.ops.orderBy('order').toArray()).map((op) => op.order);

  it("another tab's number past the hint, since gone (the floor above the hint): the op is renumbered after it", async () => {
    const name = `floor-${Math.random()}`;
    const [a, b] = [open(name), open(name)];
    const [wa, wb] = [writer(a, '00a'), writer(b, '00b')];
    await wa.create(ORG, { name: 'A1' }); // a's hint: 1
    await wb.create(ORG, { name: 'B2' }); // 2, queued
    const [b2] = await b.ops.where('order').equals(2).toArray();
    expect(await discardOp(b, b2!.id)).toBe(true); // gone: the floor is 2, number 2 is free in the index
    await wa.create(ORG, { name: 'A3' }); // hinted 2 is added, then the floor shows it was given: 3
    expect(await orders(a)).toEqual([1, 3]);
    expect(await a.transaction('r', a.ops, a.counters, () => enqueuedCount(a))).toBe(3);
    await wa.create(ORG, { name: 'A4' });
    expect(await orders(a)).toEqual([1, 3, 4]);
    for (const db of [a, b]) db.close();
  });

  it("another tab's queued number past the hint: the unique index refuses it and the op takes the next one", async () => {
    const name = `taken-${Math.random()}`;
    const [a, b] = [open(name), open(name)];
    const [wa, wb] = [writer(a, '00a'), writer(b, '00b')];
    await wa.create(ORG, { name: 'A1' });
    for (const n of [2, 3, 4]) await wb.create(ORG, { name: `B${n}` });
    await wa.create(ORG, { name: 'A5' }); // hinted 2 is refused: 5
    expect(await orders(a)).toEqual([1, 2, 3, 4, 5]);
    const a5 = (await a.ops.orderBy('order').last())!;
    expect(a5.summary).toBe("Create project 'A5'");
    expect(await a.projects.get((a5.body as { id: string }).id)).toMatchObject({ name: 'A5' });
    for (const db of [a, b]) db.close();
  });

  it('creates started together on one connection get 1..n; a database deleted and opened again starts at 1', async () => {
    const db = open(`together-${Math.random()}`);
    const w = writer(db, '00c');
    await w.create(ORG, { name: 'first' });
    await Promise.all(Array.from({ length: 5 }, (_, i) => w.create(ORG, { name: `P${i}` })));
    expect(await orders(db)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(await records(db)).toMatchObject({ ops: 6, projects: 6 });
    // As another tab's logout does: the database goes, and the next write opens a new one. The old
    // connection's hint (6) does not come with it.
    db.close();
    await db.delete();
    await db.open();
    await w.create(ORG, { name: 'after' });
    expect(await orders(db)).toEqual([1]);
    db.close();
  });
});
