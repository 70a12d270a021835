import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSyncEngine, StorageFullError, SyncClientError, type SyncEngine, type SyncLogEvent } from '../../client/index.js';
import { projectsCollection } from '../../client/pull/collections.js';
import { pullCollection } from '../../client/pull/pull-collection.js';
import { isStorageFull } from '../../client/storage/storage-full.js';
import type { SyncDatabase } from '../../client/storage/sync-database.js';
import { createHttpClient } from '../../client/transport/http-client.js';
import { decodeCursor } from '../../server/sync/cursor.js';
import { FaultyFetch } from './faulty-fetch.js';
import { installQuotaFaults, type QuotaFaults } from './quota-faults.js';
import { workerForFile } from './worker-for-file.js';
import { api, signUp, type TestAccount } from './worker-harness.js';
import { nodeEngine } from './node-engine.js';

/**
 * Storage faults (issue 11 item 4): the browser's QuotaExceededError injected into fake-indexeddb at a chosen
 * store and moment, while the real client syncs with the real Worker under `wrangler dev`. In each case the
 * caller gets StorageFullError (code STORAGE_FULL) or the status shows it, nothing is half-written (the refused
 * transaction rolls back whole), and once space is back the next sync converges with nothing lost or doubled.
 */
const worker = workerForFile();
let quota: QuotaFaults;
let apps = 0;

beforeEach(() => {
  quota = installQuotaFaults();
});
afterEach(() => quota.uninstall());

interface Device {
  engine: SyncEngine;
  net: FaultyFetch;
  events: SyncLogEvent[];
}

function device(account: TestAccount): Device {
  const net = new FaultyFetch();
  const events: SyncLogEvent[] = [];
  const engine = createSyncEngine({
    baseUrl: worker().baseUrl,
    userId: account.id,
    getToken: () => account.token,
    fetch: net.fetch,
    ...nodeEngine,
    appName: `quota-${apps++}`,
    backoff: { baseMs: 1, capMs: 5, maxAttempts: 8 },
    random: () => 0,
    logger: (event) => events.push(event),
  });
  return { engine, net, events };
}

async function orgOf(owner: TestAccount): Promise<string> {
  return (await api(worker().baseUrl, owner.token, 'POST', '/api/orgs', { name: 'Lab' })).body.id;
}

async function serverProjects(account: TestAccount, orgId: string) {
  return (await api(worker().baseUrl, account.token, 'GET', `/api/orgs/${orgId}/projects?limit=1000`)).body.items as {
    id: string;
    name: string;
    version: number;
    deletedAt: number | null;
  }[];
}

/** Every table's rows: a write that was refused must leave this exactly as it was. */
async function dump(db: SyncDatabase) {
  const out: Record<string, unknown[]> = {};
  for (const table of db.tables) out[table.name] = await table.toArray();
  return out;
}

/** Syncs until nothing is queued (bounded: a backoff may defer a retry past one cycle). */
async function settle(engine: SyncEngine, rounds = 20) {
  for (let i = 0; i < rounds; i++) {
    await engine.syncNow();
    if ((await engine.status()).pendingCount === 0) return;
    await new Promise((r) => setTimeout(r, 10));
  }
}


describe('QuotaExceededError during an enqueue', () => {
  // A create writes, in one transaction: the op (its order is its enqueue number, which is also the `enqueued`
  // count) and the optimistic row; no shadow (the server has no row yet). Each is refused in turn: neither may be
  // left behind by the other. (A first edit of a server row also writes its shadow: the rename case below.)
  const REFUSED = [{ store: 'ops' }, { store: 'projects' }] as const;

  it.each(REFUSED)('refused at $store: StorageFullError, nothing half-written, and the write lands once when space is back', async ({ store }) => {
    const ann = await signUp(worker().baseUrl, 'Ann');
    const orgId = await orgOf(ann);
    const { engine } = device(ann);
    await engine.start();
    await engine.syncNow();
    const before = await dump(engine.db);
    const id = crypto.randomUUID();

    quota.fail({ database: engine.db.name, store });
    const refused = await engine.projects.create(orgId, { id, name: 'Full disk' }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(StorageFullError);
    expect(refused).toBeInstanceOf(SyncClientError);
    expect((refused as StorageFullError).code).toBe('STORAGE_FULL');
    expect(quota.hits.map((h) => h.store)).toEqual([store]);
    // Not one row of the op, its shadow, its counter or its optimistic row.
    expect(await dump(engine.db)).toEqual(before);
    expect((await engine.status()).lastError?.code).toBe('STORAGE_FULL');

    quota.spaceBack();
    await engine.projects.create(orgId, { id, name: 'Full disk' });
    await settle(engine);
    const status = await engine.status();
    expect(status.pendingCount).toBe(0);
    expect(status.lastError).toBeNull();
    expect((await serverProjects(ann, orgId)).map((p) => [p.id, p.version])).toEqual([[id, 1]]);
    expect(await engine.db.projects.get(id)).toMatchObject({ name: 'Full disk', version: 1 });
    const counters = await engine.counters();
    expect([counters.enqueued, counters.applied, counters.failed]).toEqual([1, 1, 0]);
    await engine.close();
  }, 90_000);

  it('a rename refused on a full disk leaves the row as it was; the next one lands once', async () => {
    const ann = await signUp(worker().baseUrl, 'Ann');
    const id = crypto.randomUUID();
    const orgId = await orgOf(ann);
    await api(worker().baseUrl, ann.token, 'POST', `/api/orgs/${orgId}/projects`, { id, name: 'Before' });
    const { engine } = device(ann);
    await engine.start();
    await engine.syncNow();
    const before = await dump(engine.db);

    quota.fail({ database: engine.db.name });
    await expect(engine.projects.update(orgId, id, { name: 'After' })).rejects.toBeInstanceOf(StorageFullError);
    await expect(engine.projects.remove(orgId, id)).rejects.toBeInstanceOf(StorageFullError);
    expect(await dump(engine.db)).toEqual(before);

    quota.spaceBack();
    await engine.projects.update(orgId, id, { name: 'After' });
    await settle(engine);
    expect((await serverProjects(ann, orgId)).map((p) => [p.name, p.version])).toEqual([['After', 2]]);
    expect(await engine.db.projects.get(id)).toMatchObject({ name: 'After', version: 2 });
    await engine.close();
  }, 90_000);

  it('the ack refused after the server applied an op: the op is replayed with its key once space is back, applied once', async () => {
    const ann = await signUp(worker().baseUrl, 'Ann');
    const orgId = await orgOf(ann);
    const { engine, net } = device(ann);
    const id = crypto.randomUUID();
    await engine.ready;
    await engine.projects.create(orgId, { id, name: 'Acked late' });
    // completeOp counts the op as applied: refused, its transaction (the op's removal, the server's row) rolls back.
    quota.fail({ database: engine.db.name, store: 'counters', when: (v) => (v as { name?: string }).name === 'applied' });
    await engine.start();
    await engine.syncNow();
    expect(quota.hits.length).toBeGreaterThan(0);
    expect((await serverProjects(ann, orgId)).map((p) => p.id)).toEqual([id]);
    expect(await engine.db.ops.count()).toBe(1);
    expect((await engine.status()).lastError?.code).toBe('STORAGE_FULL');

    quota.spaceBack();
    await settle(engine);
    expect((await engine.status()).pendingCount).toBe(0);
    // Sent again by every cycle until its answer could be recorded: the server applied the first only.
    const posts = net.log.filter((l) => l.method === 'POST' && l.path.endsWith('/projects'));
    expect(posts.length).toBeGreaterThanOrEqual(2);
    expect((await serverProjects(ann, orgId)).map((p) => [p.id, p.version])).toEqual([[id, 1]]);
    const counters = await engine.counters();
    expect([counters.applied, counters.deduplicated]).toEqual([1, 1]);
    expect(await engine.db.projects.get(id)).toMatchObject({ name: 'Acked late', version: 1 });
    await engine.close();
  }, 90_000);
});

describe('QuotaExceededError during a pull page', () => {
  // A page lands in one transaction: its rows, then its cursor. Refusing either must keep both out.
  const REFUSED = [
    { what: 'the rows', rule: (_orgId: string) => ({ store: 'projects' }) },
    { what: 'the cursor', rule: (orgId: string) => ({ store: 'syncState', when: (v: unknown) => (v as { collection?: string }).collection === `projects:${orgId}` }) },
  ] as const;

  it.each(REFUSED)('refused at $what: no rows without their cursor, STORAGE_FULL in the status, all rows once space is back', async ({ rule }) => {
    const ann = await signUp(worker().baseUrl, 'Ann');
    const orgId = await orgOf(ann);
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await api(worker().baseUrl, ann.token, 'POST', `/api/orgs/${orgId}/projects`, { name: `P${i}` })).body.id);
    const { engine, events } = device(ann);
    await engine.ready;
    quota.fail({ database: engine.db.name, ...rule(orgId) });
    await engine.start();
    await engine.syncNow();

    expect(quota.hits.length).toBeGreaterThan(0);
    expect(await engine.db.projects.count()).toBe(0);
    expect((await engine.db.syncState.get(`projects:${orgId}`))?.cursor ?? null).toBeNull();
    expect(await engine.db.orgs.get(orgId)).toMatchObject({ role: 'owner' });
    const status = await engine.status();
    expect(status.lastError?.code).toBe('STORAGE_FULL');
    expect(events).toContainEqual({ type: 'pull-error', collection: `projects:${orgId}`, code: 'STORAGE_FULL' });

    quota.spaceBack();
    await engine.syncNow();
    expect((await engine.db.projects.toArray()).map((p) => p.id).sort()).toEqual([...ids].sort());
    expect((await engine.db.syncState.get(`projects:${orgId}`))?.cursor).toEqual(expect.any(String));
    expect((await engine.status()).lastError).toBeNull();
    await engine.close();
  }, 90_000);

  it('refused on the second page: the cursor stays at the first, whose rows are all there, and the pull resumes from it', async () => {
    const ann = await signUp(worker().baseUrl, 'Ann');
    const orgId = await orgOf(ann);
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await api(worker().baseUrl, ann.token, 'POST', `/api/orgs/${orgId}/projects`, { name: `P${i}` })).body.id);
    const firstPage = (await api(worker().baseUrl, ann.token, 'GET', `/api/orgs/${orgId}/projects?limit=2`)).body as { items: { id: string }[]; nextCursor: string };
    const { engine, net } = device(ann);
    await engine.ready;
    const http = createHttpClient({ baseUrl: worker().baseUrl, getToken: () => ann.token, fetch: net.fetch });
    const deps = { db: engine.db, http, userId: ann.id, now: Date.now, limit: 2 };
    const collection = `projects:${orgId}`;
    quota.fail({ database: engine.db.name, store: 'syncState', when: (v) => (v as { collection?: string }).collection === collection, after: 1 });

    const refused = await pullCollection(deps, projectsCollection(orgId)).catch((error: unknown) => error);
    expect(isStorageFull(refused)).toBe(true);
    // Cursors carry their issue time: compare positions.
    const position = (cursor: string | null | undefined) => decodeCursor(cursor ?? undefined, collection, { purgedSeq: 0, now: Date.now() });
    expect(position((await engine.db.syncState.get(collection))?.cursor)).toEqual(position(firstPage.nextCursor));
    expect((await engine.db.projects.toArray()).map((p) => p.id).sort()).toEqual(firstPage.items.map((p) => p.id).sort());

    quota.spaceBack();
    expect(await pullCollection(deps, projectsCollection(orgId))).toEqual({ state: 'done', rows: 3 });
    expect((await engine.db.projects.toArray()).map((p) => p.id).sort()).toEqual([...ids].sort());
    expect((await engine.counters()).rowsPulled).toBe(5);
    await engine.close();
  }, 90_000);
});

describe('QuotaExceededError during a settings write and a settings merge', () => {
  it('a local settings write refused: StorageFullError, the register as it was, not dirty', async () => {
    const ann = await signUp(worker().baseUrl, 'Ann');
    const { engine } = device(ann);
    await engine.start();
    await engine.settings.set('user', 'theme', 'light');
    await engine.syncNow();
    const before = await dump(engine.db);

    quota.fail({ database: engine.db.name, store: 'settings' });
    await expect(engine.settings.set('user', 'theme', 'dark')).rejects.toBeInstanceOf(StorageFullError);
    expect(await engine.settings.get('user', 'theme')).toBe('light');
    expect(await dump(engine.db)).toEqual(before);
    expect((await engine.status()).lastError?.code).toBe('STORAGE_FULL');

    quota.spaceBack();
    const written = await engine.settings.set('user', 'theme', 'dark');
    await engine.syncNow();
    const onServer = (await api(worker().baseUrl, ann.token, 'GET', '/api/settings')).body.items as { key: string; value: unknown; hlc: string }[];
    expect(onServer.filter((s) => s.key === 'theme')).toEqual([expect.objectContaining({ value: 'dark', hlc: written.hlc })]);
    expect(await engine.db.settings.where('dirty').equals(1).count()).toBe(0);
    await engine.close();
  }, 90_000);

  it('the merge answer refused: registers stay dirty, the cursor stays, and the next push settles them once', async () => {
    const ann = await signUp(worker().baseUrl, 'Ann');
    const { engine } = device(ann);
    await engine.start();
    await engine.syncNow();
    const cursorBefore = (await engine.db.syncState.get('settings:user'))?.cursor ?? null;
    const written = [
      await engine.settings.set('user', 'theme', 'dark'),
      await engine.settings.set('user', 'custom.layout', { columns: 3 }),
      await engine.settings.set('user', 'custom.pinned', ['a', 'b']),
    ];
    // Marking a register clean is the write that says "the server has it": refused, it must stay dirty.
    quota.fail({ database: engine.db.name, store: 'settings', when: (v) => (v as { dirty?: number }).dirty === 0 });
    await engine.syncNow();

    expect(quota.hits.length).toBeGreaterThan(0);
    const serverItems = async () => (await api(worker().baseUrl, ann.token, 'GET', '/api/settings')).body.items as { key: string; value: unknown; hlc: string }[];
    // The server took the batch; the client could not record that.
    expect((await serverItems()).map((s) => s.key).sort()).toEqual(['custom.layout', 'custom.pinned', 'theme']);
    expect(await engine.db.settings.where('dirty').equals(1).count()).toBe(3);
    expect((await engine.db.syncState.get('settings:user'))?.cursor ?? null).toBe(cursorBefore);
    expect((await engine.counters()).settingsPushed).toBe(0);
    expect((await engine.status()).lastError?.code).toBe('STORAGE_FULL');

    quota.spaceBack();
    await engine.syncNow();
    expect(await engine.db.settings.where('dirty').equals(1).count()).toBe(0);
    const server = await serverItems();
    expect(server.map((s) => [s.key, s.hlc]).sort()).toEqual(written.map((w) => [w.key, w.hlc]).sort());
    for (const w of written) expect(await engine.settings.get('user', w.key)).toEqual(w.value);
    expect((await engine.counters()).settingsPushed).toBe(3);
    expect((await engine.status()).lastError).toBeNull();
    await engine.close();
  }, 90_000);
});
