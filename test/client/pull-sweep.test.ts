import { IDBKeyRange, indexedDB } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import { projectWrites } from '../../client/entities/projects.js';
import { projectsCollection } from '../../client/pull/collections.js';
import { pullCollection } from '../../client/pull/pull-collection.js';
import { SyncDatabase } from '../../client/storage/sync-database.js';
import { createHttpClient } from '../../client/transport/http-client.js';

/**
 * A full resync (no cursor: a first pull, or after 410 CURSOR_EXPIRED) pages through everything and then sweeps
 * the rows this device held that the server no longer lists; rows with pending ops stay as the ops make them.
 * The sweep tracks only the rows held before the resync, so the pull holds one page at a time (the browser
 * bench's heap row measures that); these pin down what it removes and keeps.
 */
const ORG = '11111111-1111-4111-8111-111111111111';
const OTHER_ORG = '22222222-2222-4222-8222-222222222222';
const id = (i: number) => `00000000-0000-4000-8000-${i.toString().padStart(12, '0')}`;
const row = (i: number, orgId = ORG) => ({ id: id(i), orgId, name: `P${i}`, description: '', createdBy: 'u', createdAt: 1, updatedAt: 1, deletedAt: null, version: 1 });
let dbs = 0;

/** The server's projects of ORG, served in pages of `limit` by a numeric cursor. */
function serverWith(rows: ReturnType<typeof row>[]) {
  const requests: string[] = [];
  const fetchFn: typeof fetch = async (input) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    requests.push(url.search);
    const from = Number(url.searchParams.get('cursor') ?? 0);
    const limit = Number(url.searchParams.get('limit'));
    const items = rows.slice(from, from + limit);
    const next = from + items.length;
    return new Response(JSON.stringify({ items, nextCursor: String(next), hasMore: next < rows.length, serverTime: 5 }), { headers: { 'content-type': 'application/json' } });
  };
  return { fetchFn, requests };
}

async function pullAll(db: SyncDatabase, fetchFn: typeof fetch) {
  const http = createHttpClient({ baseUrl: 'http://server', getToken: () => 'token', fetch: fetchFn });
  return pullCollection({ db, http, userId: 'u', now: () => 5, limit: 2 }, projectsCollection(ORG));
}

describe('full resync sweep', () => {
  it('a first pull into an empty table lands every page and sweeps nothing', async () => {
    const db = new SyncDatabase(`sweep-${dbs++}`, { indexedDB, IDBKeyRange });
    const server = serverWith([1, 2, 3, 4, 5].map((i) => row(i)));
    expect(await pullAll(db, server.fetchFn)).toEqual({ state: 'done', rows: 5 });
    expect(server.requests.length).toBe(3);
    expect((await db.projects.toArray()).map((p) => p.id)).toEqual([1, 2, 3, 4, 5].map(id));
    db.close();
  });

  it('removes held rows the server no longer lists, keeps listed ones (pending ops on top), other orgs’ rows and rows with pending ops', async () => {
    const db = new SyncDatabase(`sweep-${dbs++}`, { indexedDB, IDBKeyRange });
    // Held before the resync: 1-3 (the server still has 1 and 3), a ghost 9 it lost, a row of another org.
    await db.projects.bulkPut([row(1), row(2), row(3), row(9), row(8, OTHER_ORG)]);
    // Offline edits: a project created here (not on the server yet), and a rename of 2 (which the server lost).
    const writes = projectWrites({ db, userId: 'u', now: () => 7, newId: () => crypto.randomUUID(), kick: () => {} });
    const created = await writes.create(ORG, { name: 'Made offline' });
    await writes.update(ORG, id(2), { name: 'Renamed' });
    // And a rename of 3, which the server still lists (with a newer description): the pull re-applies it on top.
    await writes.update(ORG, id(3), { name: 'Renamed 3' });

    const server = serverWith([1, 3, 4, 5].map((i) => (i === 3 ? { ...row(3), description: 'from the server', version: 2 } : row(i))));
    expect(await pullAll(db, server.fetchFn)).toEqual({ state: 'done', rows: 4 });
    expect(await db.projects.get(id(3))).toMatchObject({ name: 'Renamed 3', description: 'from the server', version: 2 });
    const visible = new Map((await db.projects.toArray()).map((p) => [p.id, p.name]));
    expect([...visible.keys()].sort()).toEqual([id(1), id(3), id(4), id(5), id(8), created.id].sort());
    // Ghost 9 is gone; 2 is gone too: the server lost it, and a rename of a missing row shows nothing.
    expect(visible.get(created.id)).toBe('Made offline');
    // The server state under the queued rename is nothing: no shadow (a missing shadow means null), the op stays.
    expect((await db.shadows.get(`projects:${id(2)}`))?.row ?? null).toBeNull();
    expect(await db.ops.where('entity').equals(`projects:${id(2)}`).count()).toBe(1);
    expect((await db.syncState.get(`projects:${ORG}`))?.cursor).toBe('4');
    db.close();
  });

  it('an incremental pull (cursor held) sweeps nothing', async () => {
    const db = new SyncDatabase(`sweep-${dbs++}`, { indexedDB, IDBKeyRange });
    await db.projects.bulkPut([row(1), row(9)]);
    await db.syncState.put({ collection: `projects:${ORG}`, cursor: '1', lastSyncedAt: 1, lastError: null });
    const server = serverWith([1, 3].map((i) => row(i)));
    expect(await pullAll(db, server.fetchFn)).toEqual({ state: 'done', rows: 1 });
    expect((await db.projects.toArray()).map((p) => p.id).sort()).toEqual([id(1), id(3), id(9)]);
    db.close();
  });
});
