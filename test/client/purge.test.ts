import { IDBKeyRange, indexedDB } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import { DEFAULT_BACKOFF } from '../../client/outbox/backoff.js';
import { discardOp, retryOp } from '../../client/outbox/outbox-store.js';
import { drain } from '../../client/outbox/replay-loop.js';
import { orgMemberWrites } from '../../client/entities/members.js';
import { projectWrites } from '../../client/entities/projects.js';
import { opInScope, purgeOrg, purgeProject } from '../../client/pull/purge.js';
import { SyncDatabase } from '../../client/storage/sync-database.js';
import { createHttpClient } from '../../client/transport/http-client.js';

/**
 * Losing access to a scope (DESIGN section 5): after a purge nothing of the scope is visible by any path, and
 * no later outbox transition (fail, retry, discard, or the completion of an op that was in flight) brings a
 * purged row back. The model-based outbox test covers random interleavings; these are the reported orders.
 */
const ORG = '11111111-1111-4111-8111-111111111111';
const ALPHA = '33333333-3333-4333-8333-333333333333';
const USER = 'user-b';
let dbs = 0;

const alphaRow = { id: ALPHA, orgId: ORG, name: 'Alpha', description: '', createdBy: 'user-a', createdAt: 1, updatedAt: 1, deletedAt: null, version: 1 };

/** B's cache after a pull: the org and its project Alpha. */
async function pulledCache() {
  const db = new SyncDatabase(`purge-${dbs++}`, { indexedDB, IDBKeyRange });
  await db.orgs.put({ id: ORG, name: 'A’s org', role: 'admin', createdAt: 1, updatedAt: 1, deletedAt: null, version: 1 } as never);
  await db.projects.put(alphaRow);
  return db;
}

let ids = 0;
function ctx(db: SyncDatabase) {
  return { db, userId: USER, now: () => 1_000, newId: () => `00000000-0000-4000-8000-${(++ids).toString(16).padStart(12, '0')}`, kick: () => {} };
}

/** A server that refuses B everything in the org, as the Worker does once B was removed. */
const removedFromOrg = async () =>
  new Response(JSON.stringify({ code: 'ORG_NOT_FOUND', message: 'org not found', statusCode: 404, timestamp: 0 }), {
    status: 404,
    headers: { 'content-type': 'application/json' },
  });

function drainWith(db: SyncDatabase, fetch: typeof globalThis.fetch) {
  const http = createHttpClient({ baseUrl: 'http://server.test', getToken: () => 't', fetch });
  return drain({ db, http, userId: USER, now: () => 10_000_000, random: () => 0.5, policy: DEFAULT_BACKOFF });
}

describe('losing access to a scope', () => {
  it('purge first, then the queued rename fails: Alpha stays gone, through retry and discard too', async () => {
    const db = await pulledCache();
    await projectWrites(ctx(db)).update(ORG, ALPHA, { name: 'Alpha 2' });
    await purgeOrg(db, ORG);
    expect(await db.projects.get(ALPHA)).toBeUndefined();

    await drainWith(db, removedFromOrg);
    const [op] = await db.ops.toArray();
    expect(op).toMatchObject({ status: 'failed', error: { code: 'ORG_NOT_FOUND' } });
    expect(await db.projects.get(ALPHA)).toBeUndefined();
    expect(await retryOp(db, op!.id, 10_000_000)).toBe(true);
    expect(await db.projects.get(ALPHA)).toBeUndefined();
    await drainWith(db, removedFromOrg);
    expect(await discardOp(db, op!.id)).toBe(true);
    expect(await db.projects.count()).toBe(0);
    expect(await db.shadows.count()).toBe(0);
  });

  it('the op fails first, then the purge, then the user discards it: Alpha stays gone', async () => {
    const db = await pulledCache();
    await projectWrites(ctx(db)).update(ORG, ALPHA, { name: 'Alpha 2' });
    await drainWith(db, removedFromOrg);
    // The failed op is rolled back: the server's Alpha shows again until the pull learns of the removal.
    expect(await db.projects.get(ALPHA)).toMatchObject({ name: 'Alpha' });
    await purgeOrg(db, ORG);
    const [op] = await db.ops.toArray();
    expect(await discardOp(db, op!.id)).toBe(true);
    expect(await db.projects.get(ALPHA)).toBeUndefined();
  });

  it('a queued delete hides the row, but its project is still purged with the org', async () => {
    const db = await pulledCache();
    await db.pdfMeta.put({ id: `${ALPHA}:s1:a.pdf`, projectId: ALPHA, studyId: 's1', fileName: 'a.pdf', size: 10, etag: 'e', cachedAt: 1, lastUsedAt: 1 } as never);
    await projectWrites(ctx(db)).remove(ORG, ALPHA);
    expect(await db.projects.get(ALPHA)).toBeUndefined();
    await purgeOrg(db, ORG);
    expect(await db.pdfMeta.count()).toBe(0);
    const [op] = await db.ops.toArray();
    expect(await discardOp(db, op!.id)).toBe(true);
    expect(await db.projects.get(ALPHA)).toBeUndefined();
  });

  it('an op in flight when access goes lands without bringing its row into the purged org', async () => {
    const db = await pulledCache();
    await orgMemberWrites(ctx(db)).add(ORG, { email: 'carol@example.com', role: 'member' });
    // The server commits the add, B is removed, B's pull purges the org, and only then does the answer arrive.
    const committedThenRevoked = async () => {
      await purgeOrg(db, ORG);
      const row = { orgId: ORG, userId: 'carol', role: 'member', email: 'carol@example.com', name: 'Carol', createdAt: 2, updatedAt: 2, deletedAt: null, version: 1 };
      return new Response(JSON.stringify(row), { status: 201, headers: { 'content-type': 'application/json' } });
    };
    await drainWith(db, committedThenRevoked);
    expect(await db.ops.count()).toBe(0);
    expect(await db.orgMembers.count()).toBe(0);
    expect(await db.shadows.count()).toBe(0);
  });

  it('a later write on a purged row does not re-apply the scope’s queued ops', async () => {
    const db = await pulledCache();
    const created = await projectWrites(ctx(db)).create(ORG, { name: 'Offline' });
    await purgeOrg(db, ORG);
    expect((await db.ops.toArray()).every((op) => op.scopeLost === true)).toBe(true);
    // A stale screen still holds the project: the rename queues, and the purged create stays unseen.
    await projectWrites(ctx(db)).update(ORG, created.id, { name: 'Renamed' });
    expect(await db.projects.get(created.id)).toBeUndefined();
  });

  it('an op of the purged scope that lands later (a replayed answer) does not fill a shadow a later write made', async () => {
    const db = await pulledCache();
    const created = await projectWrites(ctx(db)).create(ORG, { name: 'Offline' });
    await purgeOrg(db, ORG);
    await projectWrites(ctx(db)).update(ORG, created.id, { name: 'Renamed' });
    // The create had reached the server before access went: its stored answer replays; the rename is refused.
    const answers: typeof fetch = async (input, init) => {
      const request = new Request(input, init);
      if (request.method === 'POST') {
        const row = { ...alphaRow, id: created.id, name: 'Offline' };
        return new Response(JSON.stringify(row), { status: 201, headers: { 'content-type': 'application/json', 'Idempotent-Replayed': 'true' } });
      }
      return removedFromOrg();
    };
    await drainWith(db, answers);
    expect(await db.projects.get(created.id)).toBeUndefined();
  });

  it('a queued org-member role change: the org is lost, the op fails on a 404, and no member row or shadow is left', async () => {
    const db = await pulledCache();
    const carol = { orgId: ORG, userId: 'carol', role: 'member', email: 'carol@example.com', name: 'Carol', createdAt: 1, updatedAt: 1, deletedAt: null, version: 1 };
    await db.orgMembers.put(carol as never);
    await orgMemberWrites(ctx(db)).updateRole(ORG, 'carol', 'admin');
    expect(await db.orgMembers.get([ORG, 'carol'])).toMatchObject({ role: 'admin' });
    await purgeOrg(db, ORG);
    expect(await db.orgMembers.get([ORG, 'carol'])).toBeUndefined();

    await drainWith(db, removedFromOrg);
    const [op] = await db.ops.toArray();
    expect(op).toMatchObject({ status: 'failed', error: { code: 'ORG_NOT_FOUND' } });
    // The failure rolls the op back: with the server copy left behind, Carol's row would come back from it.
    expect(await db.orgMembers.count()).toBe(0);
    expect(await db.shadows.where('entity').equals(`orgMembers:${ORG}:carol`).count()).toBe(0);
    expect(await retryOp(db, op!.id, 10_000_000)).toBe(true);
    await drainWith(db, removedFromOrg);
    expect(await discardOp(db, op!.id)).toBe(true);
    expect(await db.orgMembers.count()).toBe(0);
    expect(await db.shadows.count()).toBe(0);
  });

  it('a project purge drops the project’s shadows but not another project’s', async () => {
    const db = await pulledCache();
    const other = { ...alphaRow, id: '44444444-4444-4444-8444-444444444444', name: 'Beta' };
    await db.projects.put(other);
    await projectWrites(ctx(db)).update(ORG, ALPHA, { name: 'Alpha 2' });
    await projectWrites(ctx(db)).update(ORG, other.id, { name: 'Beta 2' });
    await purgeProject(db, ALPHA);
    expect((await db.shadows.toArray()).map((s) => s.entity)).toEqual([`projects:${other.id}`]);
    expect(await db.projects.get(other.id)).toMatchObject({ name: 'Beta 2' });
  });
});

describe('opInScope', () => {
  const op = (entity: string, path: string) => ({ entity, path });
  it('places ops by entity and path', () => {
    const org = { kind: 'org', id: ORG } as const;
    const project = { kind: 'project', id: ALPHA } as const;
    expect(opInScope(op(`orgs:${ORG}`, '/api/orgs'), org)).toBe(true);
    expect(opInScope(op(`orgMembers:${ORG}:u1`, `/api/orgs/${ORG}/members/u1`), org)).toBe(true);
    expect(opInScope(op(`projects:${ALPHA}`, `/api/orgs/${ORG}/projects`), org)).toBe(true);
    expect(opInScope(op(`projectMembers:${ALPHA}:u1`, `/api/orgs/${ORG}/projects/${ALPHA}/members/u1`), project)).toBe(true);
    expect(opInScope(op(`projects:${ALPHA}`, `/api/orgs/${ORG}/projects/${ALPHA}`), project)).toBe(true);
    expect(opInScope(op(`projects:${ALPHA}`, `/api/orgs/${ORG}/projects/${ALPHA}`), { kind: 'org', id: 'other' })).toBe(false);
    expect(opInScope(op('projects:other', `/api/orgs/${ORG}/projects/other`), project)).toBe(false);
  });
});
