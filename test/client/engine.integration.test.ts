import { IDBKeyRange, indexedDB } from 'fake-indexeddb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSyncEngine, UnsyncedChangesError, type SyncEngine } from '../../client/index.js';
import { projectsCollection } from '../../client/pull/collections.js';
import { pullCollection } from '../../client/pull/pull-collection.js';
import { noLocks } from '../../client/tabs/locks.js';
import { createHttpClient } from '../../client/transport/http-client.js';
import { encodeCursor } from '../../server/sync/cursor.js';
import { LIMITS } from '../../shared/index.js';
import { FaultyFetch } from './faulty-fetch.js';
import { api, signIn, signUp, startWorker, type RunningWorker, type TestAccount } from './worker-harness.js';

/**
 * The real client (Dexie on fake-indexeddb) against the real Worker under `wrangler dev`, through a fetch that
 * injects network faults.
 */
let worker: RunningWorker;
let apps = 0;

beforeAll(async () => {
  worker = await startWorker();
}, 90_000);
afterAll(async () => {
  await worker?.stop();
});

interface Device {
  engine: SyncEngine;
  net: FaultyFetch;
  token: { value: string | null };
}

function device(account: TestAccount, extra: Partial<Parameters<typeof createSyncEngine>[0]> = {}): Device {
  const net = new FaultyFetch();
  const token = { value: account.token as string | null };
  const engine = createSyncEngine({
    baseUrl: worker.baseUrl,
    userId: account.id,
    getToken: () => token.value,
    fetch: net.fetch,
    indexedDB,
    IDBKeyRange,
    locks: noLocks,
    channel: null,
    events: null,
    appName: `it-${apps++}`,
    backoff: { baseMs: 1, capMs: 5, maxAttempts: 8 },
    random: () => 0,
    ...extra,
  });
  return { engine, net, token };
}

async function orgWith(owner: TestAccount, ...members: TestAccount[]): Promise<string> {
  const org = await api(worker.baseUrl, owner.token, 'POST', '/api/orgs', { name: 'Lab' });
  for (const m of members) await api(worker.baseUrl, owner.token, 'POST', `/api/orgs/${org.body.id}/members`, { userId: m.id, role: 'member' });
  return org.body.id;
}

async function serverProjects(token: string, orgId: string) {
  const res = await api(worker.baseUrl, token, 'GET', `/api/orgs/${orgId}/projects?limit=1000`);
  return res.body.items as { id: string; name?: string; deletedAt: number | null }[];
}

/** Syncs until the outbox is empty (bounded), since backoff may defer a retry to the next cycle. */
async function settle(engine: SyncEngine, rounds = 20) {
  for (let i = 0; i < rounds; i++) {
    await engine.syncNow();
    const status = await engine.status();
    if (status.pendingCount === 0) return;
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('client engine against the real Worker', () => {
  it('replays an offline create → rename → delete of one project in order', async () => {
    const ann = await signUp(worker.baseUrl, 'Ann');
    const orgId = await orgWith(ann);
    const { engine, net } = device(ann);
    await engine.start();
    await engine.syncNow();
    expect(await engine.db.orgs.get(orgId)).toMatchObject({ role: 'owner' });

    net.offline = true;
    const project = await engine.projects.create(orgId, { name: 'Draft' });
    await engine.projects.update(orgId, project.id, { name: 'Renamed' });
    expect(await engine.db.projects.get(project.id)).toMatchObject({ name: 'Renamed' });
    const kept = await engine.projects.create(orgId, { name: 'Kept' });
    await engine.projects.remove(orgId, project.id);
    await engine.syncNow();
    expect((await engine.status()).pendingCount).toBe(4);

    net.offline = false;
    await settle(engine);
    expect((await engine.status()).pendingCount).toBe(0);
    // On the wire, in order: the create, the rename, then the delete of that project.
    const writes = net.log.filter((l) => l.fault === 'pass' && l.method !== 'GET' && l.path.endsWith('/projects') === false);
    expect(writes.map((l) => l.method)).toEqual(['PATCH', 'DELETE']);
    expect(net.log.filter((l) => l.fault === 'pass' && l.method === 'POST')).toHaveLength(2);
    const onServer = await serverProjects(ann.token, orgId);
    expect(onServer.find((p) => p.id === project.id)).toMatchObject({ deletedAt: expect.any(Number) });
    expect(onServer.find((p) => p.id === kept.id)).toMatchObject({ name: 'Kept', deletedAt: null });
    expect(await engine.db.projects.get(project.id)).toBeUndefined();
    expect(await engine.db.projects.get(kept.id)).toMatchObject({ name: 'Kept', version: 1 });
    await engine.close();
  }, 60_000);

  it('never applies twice when the response is lost after the server committed, or the request is duplicated', async () => {
    const ann = await signUp(worker.baseUrl, 'Ann');
    const orgId = await orgWith(ann);
    const { engine, net } = device(ann);
    await engine.start();
    await engine.syncNow();
    const before = await engine.counters();

    const project = await engine.projects.create(orgId, { name: 'Once' });
    net.plan = ['drop-response']; // the POST commits and its response is lost
    await settle(engine);
    await engine.projects.update(orgId, project.id, { name: 'Twice?' });
    net.plan = ['duplicate'];
    await settle(engine);
    await engine.projects.update(orgId, project.id, { description: 'after faults' });
    net.plan = ['drop-request', '500', 'delay'];
    await settle(engine);

    const onServer = (await serverProjects(ann.token, orgId)).filter((p) => p.id === project.id);
    expect(onServer).toHaveLength(1);
    // create (v1) + rename (v2) + describe (v3): the lost response and the duplicate added nothing.
    expect(onServer[0]).toMatchObject({ name: 'Twice?', description: 'after faults', version: 3 });
    const after = await engine.counters();
    expect(after.deduplicated - before.deduplicated).toBeGreaterThanOrEqual(1);
    expect(after.retried - before.retried).toBeGreaterThanOrEqual(3);
    expect(await engine.db.projects.get(project.id)).toMatchObject({ version: 3, description: 'after faults' });
    await engine.close();
  }, 60_000);

  it('pauses on a 401 mid-replay without spending attempts, and resumes with a refreshed token', async () => {
    const ann = await signUp(worker.baseUrl, 'Ann');
    const orgId = await orgWith(ann);
    const { engine, net, token } = device(ann);
    await engine.start();
    await engine.syncNow();
    const before = await engine.counters();
    // The session ends on the server while changes are queued.
    await api(worker.baseUrl, ann.token, 'POST', '/api/auth/sign-out', {});
    const a = await engine.projects.create(orgId, { name: 'A' });
    for (let i = 0; i < 5; i++) await engine.syncNow(); // a storm of triggers
    const status = await engine.status();
    expect(status.pausedForAuth).toBe(true);
    expect((await engine.db.ops.toArray()).every((op) => op.attempts === 0 && op.status === 'pending')).toBe(true);
    expect((await engine.counters()).authPauses - before.authPauses).toBe(1);

    token.value = await signIn(worker.baseUrl, ann);
    engine.tokenChanged();
    await settle(engine);
    expect((await engine.status()).pausedForAuth).toBe(false);
    expect((await serverProjects(token.value, orgId)).map((p) => p.id)).toContain(a.id);
    // A proxy's 401 in the middle of replay pauses too, and the same token... is retried only once changed.
    net.plan = ['401'];
    await engine.projects.create(orgId, { name: 'B' });
    await engine.syncNow();
    expect((await engine.status()).pausedForAuth).toBe(true);
    token.value = await signIn(worker.baseUrl, ann);
    engine.tokenChanged();
    await settle(engine);
    expect((await engine.status()).pendingCount).toBe(0);
    await engine.close();
  }, 60_000);

  it('keeps a pending local change visible through a pull, then lands it', async () => {
    const [ann, bob] = [await signUp(worker.baseUrl, 'Ann'), await signUp(worker.baseUrl, 'Bob')];
    const orgId = await orgWith(ann, bob);
    const project = (await api(worker.baseUrl, ann.token, 'POST', `/api/orgs/${orgId}/projects`, { name: 'Shared' })).body;
    await api(worker.baseUrl, ann.token, 'POST', `/api/orgs/${orgId}/projects/${project.id}/members`, { userId: bob.id, role: 'member' });
    const { engine, net } = device(bob);
    await engine.start();
    await engine.syncNow();
    expect(await engine.db.projects.get(project.id)).toMatchObject({ name: 'Shared' });

    net.plan = ['pass', '500', '500', '500']; // me passes; the PATCH keeps failing for now
    await engine.projects.update(orgId, project.id, { name: 'Bob was here' });
    await api(worker.baseUrl, ann.token, 'PATCH', `/api/orgs/${orgId}/projects/${project.id}`, { description: 'Ann edited' });
    net.plan = ['pass', '500'];
    await engine.syncNow(); // the PATCH fails again, the pull brings Ann's edit
    const local = await engine.db.projects.get(project.id);
    expect(local).toMatchObject({ name: 'Bob was here', description: 'Ann edited' });
    await settle(engine);
    expect((await serverProjects(ann.token, orgId)).find((p) => p.id === project.id)).toMatchObject({ name: 'Bob was here', description: 'Ann edited' });
    await engine.close();
  }, 60_000);

  it('purges an org and everything under it when the caller is removed', async () => {
    const [ann, bob] = [await signUp(worker.baseUrl, 'Ann'), await signUp(worker.baseUrl, 'Bob')];
    const orgId = await orgWith(ann, bob);
    const project = (await api(worker.baseUrl, ann.token, 'POST', `/api/orgs/${orgId}/projects`, { name: 'Secret' })).body;
    await api(worker.baseUrl, ann.token, 'POST', `/api/orgs/${orgId}/projects/${project.id}/members`, { userId: bob.id, role: 'member' });
    await api(worker.baseUrl, ann.token, 'PUT', `/api/orgs/${orgId}/settings/appraisal.defaultTool`, { value: 'casp' });
    const { engine } = device(bob);
    await engine.start();
    await engine.syncNow();
    await engine.pdfMeta.record({ projectId: project.id, studyId: 's1', fileName: 'a.pdf', size: 10, etag: 'e' });
    expect(await engine.db.projects.get(project.id)).toBeTruthy();
    expect(await engine.db.projectMembers.where('projectId').equals(project.id).count()).toBe(2);
    expect(await engine.settings.get({ orgId }, 'appraisal.defaultTool')).toBe('casp');

    await api(worker.baseUrl, ann.token, 'DELETE', `/api/orgs/${orgId}/members/${bob.id}`);
    await engine.syncNow();
    expect(await engine.db.orgs.get(orgId)).toBeUndefined();
    expect(await engine.db.projects.count()).toBe(0);
    expect(await engine.db.projectMembers.count()).toBe(0);
    expect(await engine.db.orgMembers.count()).toBe(0);
    expect(await engine.db.pdfMeta.count()).toBe(0);
    expect(await engine.settings.get({ orgId }, 'appraisal.defaultTool')).toBeNull();
    await engine.close();
  }, 60_000);

  it('a revoked project stays gone after the queued rename fails, and after it is discarded (issue 7)', async () => {
    const [ann, bob] = [await signUp(worker.baseUrl, 'Ann'), await signUp(worker.baseUrl, 'Bob')];
    const orgId = await orgWith(ann);
    await api(worker.baseUrl, ann.token, 'POST', `/api/orgs/${orgId}/members`, { userId: bob.id, role: 'admin' });
    const alpha = (await api(worker.baseUrl, ann.token, 'POST', `/api/orgs/${orgId}/projects`, { name: 'Alpha' })).body;
    const { engine, net } = device(bob);
    await engine.start();
    await engine.syncNow();
    expect(await engine.db.projects.get(alpha.id)).toMatchObject({ name: 'Alpha' });

    net.offline = true;
    await engine.projects.update(orgId, alpha.id, { name: 'Alpha (Bob)' });
    await api(worker.baseUrl, ann.token, 'DELETE', `/api/orgs/${orgId}/members/${bob.id}`);
    net.offline = false;
    await engine.syncNow();
    await engine.syncNow();
    const [op] = await engine.outbox.list();
    expect(op).toMatchObject({ status: 'failed', error: { code: 'ORG_NOT_FOUND' } });
    expect(await engine.db.projects.get(alpha.id)).toBeUndefined();
    await engine.outbox.discard(op!.id);
    await engine.syncNow();
    expect(await engine.db.projects.count()).toBe(0);
    await engine.close();
  }, 60_000);

  it('a device a day behind keeps its own later setting: its clock runs on measured server time (issue 7)', async () => {
    const ann = await signUp(worker.baseUrl, 'Ann');
    const DAY = 24 * 60 * 60_000;
    const onTime = device(ann);
    const behind = device(ann, { now: () => Date.now() - DAY });
    await onTime.engine.start();
    await behind.engine.start();
    await onTime.engine.settings.set('user', 'theme', 'dark');
    await onTime.engine.syncNow();
    await behind.engine.syncNow();
    expect(await behind.engine.settings.get('user', 'theme')).toBe('dark');
    const offset = (await behind.engine.status()).clockOffsetMs;
    expect(Math.abs(offset - DAY)).toBeLessThan(5_000);

    await behind.engine.settings.set('user', 'theme', 'system');
    await behind.engine.syncNow();
    await onTime.engine.syncNow();
    expect(await behind.engine.settings.get('user', 'theme')).toBe('system');
    expect(await onTime.engine.settings.get('user', 'theme')).toBe('system');
    expect((await api(worker.baseUrl, ann.token, 'GET', '/api/settings')).body.items).toEqual([expect.objectContaining({ key: 'theme', value: 'system' })]);
    await onTime.engine.close();
    await behind.engine.close();
  }, 60_000);

  it('refuses to log out with unsynced changes, wipes with discard, and a second user never sees the first’s data', async () => {
    const [ann, bob] = [await signUp(worker.baseUrl, 'Ann'), await signUp(worker.baseUrl, 'Bob')];
    const orgId = await orgWith(ann);
    const appName = `shared-app-${apps++}`;
    const first = device(ann, { appName });
    await first.engine.start();
    await first.engine.syncNow();
    first.net.offline = true;
    await first.engine.projects.create(orgId, { name: 'Unsynced' });
    await first.engine.settings.set('user', 'theme', 'dark');
    await expect(first.engine.logout()).rejects.toBeInstanceOf(UnsyncedChangesError);
    expect(await first.engine.db.projects.count()).toBe(1);
    await first.engine.logout({ discardPending: true });
    const names = await indexedDB.databases();
    expect(names.map((d) => d.name)).not.toContain(`${appName}-${ann.id}`);

    const second = device(bob, { appName });
    await second.engine.start();
    await second.engine.syncNow();
    expect(await second.engine.db.orgs.count()).toBe(0);
    expect(await second.engine.db.projects.count()).toBe(0);
    expect(await second.engine.settings.get('user', 'theme')).toBeNull();
    // An op queued by Bob's engine is never sent with Ann's token: the engine checks whose token it is.
    second.token.value = await signIn(worker.baseUrl, ann);
    second.engine.tokenChanged();
    await second.engine.syncNow();
    expect((await second.engine.status()).lastError?.code).toBe('TOKEN_USER_MISMATCH');
    await second.engine.close();
  }, 60_000);

  it('pulls page by page, and after 410 CURSOR_EXPIRED resyncs from scratch and sweeps what the server no longer has', async () => {
    const ann = await signUp(worker.baseUrl, 'Ann');
    const orgId = await orgWith(ann);
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await api(worker.baseUrl, ann.token, 'POST', `/api/orgs/${orgId}/projects`, { name: `P${i}` })).body.id);
    const { engine, net } = device(ann);
    await engine.ready;
    const http = createHttpClient({ baseUrl: worker.baseUrl, getToken: () => ann.token, fetch: net.fetch });
    const deps = { db: engine.db, http, userId: ann.id, now: Date.now, limit: 2 };
    expect(await pullCollection(deps, projectsCollection(orgId))).toEqual({ state: 'done', rows: 5 });
    expect(net.log.filter((l) => l.path.endsWith('/projects')).length).toBe(3);
    expect((await engine.db.projects.toArray()).map((p) => p.id).sort()).toEqual([...ids].sort());

    // A row the server no longer has, and a cursor older than the tombstone horizon.
    const ghost = { ...(await engine.db.projects.get(ids[0] as string))!, id: '99999999-9999-4999-8999-999999999999', name: 'Ghost' };
    await engine.db.projects.put(ghost);
    const expired = encodeCursor(`projects:${orgId}`, { seq: 1, key: '' }, Date.now() - LIMITS.tombstoneRetentionMs - 60_000);
    await engine.db.syncState.put({ collection: `projects:${orgId}`, cursor: expired, lastSyncedAt: 1, lastError: null });
    expect(await pullCollection(deps, projectsCollection(orgId))).toEqual({ state: 'done', rows: 5 });
    expect(await engine.db.projects.get(ghost.id)).toBeUndefined();
    expect(await engine.db.projects.count()).toBe(5);
    expect((await engine.counters()).cursorResets).toBe(1);
    await engine.close();
  }, 60_000);

  it('queues membership changes behind an offline-created project, and lands them in order', async () => {
    const [ann, bob, cy] = [await signUp(worker.baseUrl, 'Ann'), await signUp(worker.baseUrl, 'Bob'), await signUp(worker.baseUrl, 'Cy')];
    const orgId = await orgWith(ann);
    const { engine, net } = device(ann);
    await engine.start();
    await engine.syncNow();
    net.offline = true;
    await engine.orgMembers.add(orgId, { userId: bob.id, role: 'admin', name: 'Bob' });
    await engine.orgMembers.add(orgId, { email: cy.email, role: 'member' });
    await engine.orgMembers.updateRole(orgId, bob.id, 'member');
    const project = await engine.projects.create(orgId, { name: 'Team' });
    await engine.projectMembers.add(orgId, project.id, { userId: bob.id, role: 'member' });
    await engine.projectMembers.updateRole(orgId, project.id, bob.id, 'owner');
    expect(await engine.db.orgMembers.get([orgId, bob.id])).toMatchObject({ role: 'member', name: 'Bob' });
    expect(await engine.db.projectMembers.get([project.id, bob.id])).toMatchObject({ role: 'owner' });
    net.offline = false;
    await settle(engine);
    expect((await engine.status()).failedCount).toBe(0);
    const members = (await api(worker.baseUrl, ann.token, 'GET', `/api/orgs/${orgId}/members`)).body.items;
    expect(members.map((m: { userId: string; role: string }) => `${m.userId}:${m.role}`).sort()).toEqual(
      [`${ann.id}:owner`, `${bob.id}:member`, `${cy.id}:member`].sort(),
    );
    const projectMembers = (await api(worker.baseUrl, ann.token, 'GET', `/api/orgs/${orgId}/projects/${project.id}/members`)).body.items;
    expect(projectMembers.find((m: { userId: string }) => m.userId === bob.id)).toMatchObject({ role: 'owner' });
    // The member added by email shows up locally with the server's row.
    expect(await engine.db.orgMembers.get([orgId, cy.id])).toMatchObject({ email: cy.email, role: 'member' });
    await engine.projectMembers.remove(orgId, project.id, bob.id);
    await engine.orgMembers.remove(orgId, cy.id);
    await settle(engine);
    expect(await engine.db.projectMembers.get([project.id, bob.id])).toBeUndefined();
    expect(await engine.db.orgMembers.get([orgId, cy.id])).toBeUndefined();
    await engine.close();
  }, 60_000);

  it('resetCache drops the cache and rebuilds it from the server, keeping queued changes', async () => {
    const ann = await signUp(worker.baseUrl, 'Ann');
    const orgId = await orgWith(ann);
    const { engine, net } = device(ann);
    await engine.start();
    await engine.syncNow();
    await engine.db.projects.put({ id: '88888888-8888-4888-8888-888888888888', orgId, name: 'Corrupt', description: '', createdBy: ann.id, createdAt: 1, updatedAt: 1, deletedAt: null, version: 1 });
    net.offline = true;
    const queued = await engine.projects.create(orgId, { name: 'Queued' });
    net.offline = false;
    net.plan = ['offline', 'offline', 'offline'];
    await engine.resetCache();
    expect(await engine.db.projects.get('88888888-8888-4888-8888-888888888888')).toBeUndefined();
    expect(await engine.db.projects.get(queued.id)).toMatchObject({ name: 'Queued' });
    // resetCache resolves after one cycle; with the network dropping requests that cycle may not get to the pull,
    // and the cache is rebuilt by the next ones.
    await settle(engine);
    expect(await engine.db.orgs.get(orgId)).toMatchObject({ role: 'owner' });
    expect((await serverProjects(ann.token, orgId)).map((p) => p.id)).toEqual([queued.id]);
    await engine.close();
  }, 60_000);
});
