import { IDBKeyRange, indexedDB } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import { orgMemberWrites } from '../../client/entities/members.js';
import { projectWrites } from '../../client/entities/projects.js';
import { DEFAULT_BACKOFF } from '../../client/outbox/backoff.js';
import { applyServerRow } from '../../client/outbox/server-rows.js';
import { drain } from '../../client/outbox/replay-loop.js';
import { SyncDatabase } from '../../client/storage/sync-database.js';
import { createHttpClient } from '../../client/transport/http-client.js';

/**
 * An idempotent replay answers with the body stored when the op first committed: the row as it was then. When
 * the first answer was lost and a pull brought a newer version of the row (another user's change after ours)
 * before the op was re-sent, that stored body is older than what the cache already holds, and must not replace
 * it: the pull's cursor is past the newer row, so nothing would ever bring it back. Found by reasoning over the
 * chaos run's fault mix (lost answer, then a 500 on the re-send lets a pull run before the replay).
 */
const ORG = '11111111-1111-4111-8111-111111111111';
const ALPHA = '33333333-3333-4333-8333-333333333333';
const ME = 'user-a';
const BOB = 'user-b';
let dbs = 0;
let ids = 0;

const project = (version: number, name: string) => ({ id: ALPHA, orgId: ORG, name, description: '', createdBy: ME, createdAt: 1, updatedAt: version, deletedAt: null, version });
const member = (version: number, deletedAt: number | null) => ({ orgId: ORG, userId: BOB, role: 'member', email: 'b@example.com', name: 'Bob', createdAt: 1, updatedAt: version, deletedAt, version });

async function cache() {
  const db = new SyncDatabase(`replayed-${dbs++}`, { indexedDB, IDBKeyRange });
  await db.orgs.put({ id: ORG, name: 'Org', role: 'owner', createdAt: 1, updatedAt: 1, deletedAt: null, version: 1 } as never);
  return db;
}
const ctx = (db: SyncDatabase) => ({ db, userId: ME, now: () => 1_000, newId: () => `00000000-0000-4000-8000-${(++ids).toString(16).padStart(12, '0')}`, kick: () => {} });

/** The server replays the stored answer of the op's first commit. */
function replaying(body: unknown) {
  const fetch = async () => new Response(JSON.stringify(body), { status: 200, headers: { 'content-type': 'application/json', 'Idempotent-Replayed': 'true' } });
  const http = createHttpClient({ baseUrl: 'http://server.test', getToken: () => 't', fetch });
  return (db: SyncDatabase) => drain({ db, http, userId: ME, now: () => 10_000_000, random: () => 0.5, policy: DEFAULT_BACKOFF });
}

describe('a replayed answer older than the cached row', () => {
  it('our rename (v2) replayed after a pull brought Bob’s later rename (v3): the cache keeps v3', async () => {
    const db = await cache();
    await db.projects.put(project(1, 'Alpha'));
    await projectWrites(ctx(db)).update(ORG, ALPHA, { name: 'Mine' });
    // Our rename committed as v2 (answer lost); Bob renamed it to v3; a pull brought v3 before the re-send.
    await applyServerRow(db, 'projects', ALPHA, project(3, 'Bob’s'));
    await replaying(project(2, 'Mine'))(db);
    expect(await db.ops.count()).toBe(0);
    expect(await db.projects.get(ALPHA)).toMatchObject({ name: 'Bob’s', version: 3 });
  });

  it('our removal of Bob (v2) replayed after a pull brought his re-adding (v3): Bob stays', async () => {
    const db = await cache();
    await db.orgMembers.put(member(1, null) as never);
    await orgMemberWrites(ctx(db)).remove(ORG, BOB);
    await applyServerRow(db, 'orgMembers', [ORG, BOB], member(3, null));
    await replaying(member(2, 5))(db);
    expect(await db.orgMembers.get([ORG, BOB])).toMatchObject({ version: 3, deletedAt: null });
  });

  it('our adding of Bob (v1) replayed after a pull brought his removal (v2 tombstone): Bob stays gone', async () => {
    const db = await cache();
    await orgMemberWrites(ctx(db)).add(ORG, { userId: BOB, role: 'member' });
    await applyServerRow(db, 'orgMembers', [ORG, BOB], null, 2);
    await replaying(member(1, null))(db);
    expect(await db.orgMembers.get([ORG, BOB])).toBeUndefined();
  });

  it('a replayed answer newer than the cached row still lands (the usual case: no pull in between)', async () => {
    const db = await cache();
    await db.projects.put(project(1, 'Alpha'));
    await projectWrites(ctx(db)).update(ORG, ALPHA, { name: 'Mine' });
    await replaying(project(2, 'Mine'))(db);
    expect(await db.projects.get(ALPHA)).toMatchObject({ name: 'Mine', version: 2 });
  });
});
