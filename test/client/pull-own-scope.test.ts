import { IDBKeyRange, indexedDB } from 'fake-indexeddb';
import { expect, it } from 'vitest';
import { orgMembersCollection } from '../../client/pull/collections.js';
import { pullCollection } from '../../client/pull/pull-collection.js';
import { SyncDatabase } from '../../client/storage/sync-database.js';
import { createHttpClient } from '../../client/transport/http-client.js';

/**
 * A page of an org's members that carries the caller's own membership as a tombstone ends their access to the
 * org: the org is purged, and the pull stops there. Later pages of that listing (a server may still send them)
 * must neither land rows of the lost org nor leave a cursor that would resume it without those rows.
 */
const ORG = '11111111-1111-4111-8111-111111111111';
const ME = 'me';
const member = (userId: string, deletedAt: number | null = null) => ({
  orgId: ORG,
  userId,
  role: 'member',
  email: `${userId}@example.com`,
  name: userId,
  createdAt: 1,
  updatedAt: 2,
  deletedAt,
  version: deletedAt === null ? 1 : 2,
});

it('stops at the page that ends the caller’s own membership: nothing of the org stays, no cursor either', async () => {
  const db = new SyncDatabase('own-scope', { indexedDB, IDBKeyRange });
  await db.orgs.put({ id: ORG, name: 'Org', role: 'member', createdAt: 1, updatedAt: 1, deletedAt: null, version: 1 } as never);
  const pages = [
    { items: [member('ann'), { ...member(ME, 3), role: undefined, email: undefined, name: undefined, createdAt: undefined }], nextCursor: 'p1', hasMore: true, serverTime: 5 },
    { items: [member('bob')], nextCursor: 'p2', hasMore: false, serverTime: 5 },
  ];
  const requests: string[] = [];
  const fetchFn: typeof fetch = async (input) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    requests.push(url.search);
    const page = url.searchParams.get('cursor') === 'p1' ? pages[1] : pages[0];
    return new Response(JSON.stringify(page), { headers: { 'content-type': 'application/json' } });
  };
  const http = createHttpClient({ baseUrl: 'http://server', getToken: () => 'token', fetch: fetchFn });
  const result = await pullCollection({ db, http, userId: ME, now: () => 5, limit: 2 }, orgMembersCollection(ORG));
  expect(result).toEqual({ state: 'lost-access' });
  expect(requests).toHaveLength(1);
  expect(await db.orgMembers.where('orgId').equals(ORG).count()).toBe(0);
  expect(await db.orgs.get(ORG)).toBeUndefined();
  expect(await db.syncState.get(`orgMembers:${ORG}`)).toBeUndefined();
  db.close();
});
