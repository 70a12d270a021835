import { rmSync } from 'node:fs';
import { IDBKeyRange, indexedDB } from 'fake-indexeddb';
import { afterAll, describe, expect, it } from 'vitest';
import { createSyncEngine, type SyncEngine } from '../../client/index.js';
import { noLocks } from '../../client/tabs/locks.js';
import { FaultyFetch } from './faulty-fetch.js';
import { api, signUp, startWorker, type RunningWorker } from './worker-harness.js';

/**
 * An org moved from D1 into its own object while a client has writes queued for it (issue 19 item 4): the real
 * engine (Dexie on fake-indexeddb) against the real Worker under `wrangler dev`, restarted from d1 storage into
 * org-objects on the same state, then the operator's move. The client must lose nothing and apply nothing twice.
 */
const ADMIN = 'integration-admin-token';
let worker: RunningWorker | undefined;
let persistDir: string | undefined;

afterAll(async () => {
  await worker?.kill();
  if (persistDir) rmSync(persistDir, { recursive: true, force: true });
});

function device(baseUrl: () => string, userId: string, token: string): { engine: SyncEngine; net: FaultyFetch } {
  const net = new FaultyFetch();
  const engine = createSyncEngine({
    baseUrl: baseUrl(),
    userId,
    getToken: () => token,
    fetch: net.fetch,
    indexedDB,
    IDBKeyRange,
    locks: noLocks,
    channel: null,
    events: null,
    appName: `move-${crypto.randomUUID()}`,
    backoff: { baseMs: 1, capMs: 20, maxAttempts: 10 },
    random: () => 0.5,
  });
  return { engine, net };
}

async function settle(engine: SyncEngine, rounds = 40): Promise<void> {
  for (let i = 0; i < rounds; i++) {
    await engine.syncNow();
    if ((await engine.status()).pendingCount === 0) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`the outbox did not drain: ${JSON.stringify(await engine.status())}`);
}

describe('an org moved into its object under a syncing client', () => {
  it('queued writes replay after the move exactly once, and the client ends with what the server has', async () => {
    // d1 storage: the org and a project, synced to the client.
    worker = await startWorker();
    persistDir = worker.persistDir;
    const { port } = worker;
    const base = () => `http://127.0.0.1:${port}`;
    const ann = await signUp(base(), 'Ann');
    const org = await api(base(), ann.token, 'POST', '/api/orgs', { name: 'Moving lab' });
    expect(org.status).toBe(201);
    const orgId = org.body.id as string;
    const { engine, net } = device(base, ann.id, ann.token);
    await engine.start();
    const first = await engine.projects.create(orgId, { name: 'Before' });
    await settle(engine);

    // The deployment switches to org-objects on the same state: the org is still D1's, served from there.
    await worker.kill();
    worker = await startWorker({ persistDir, port, storage: 'org-objects', vars: { SYNC_ADMIN_TOKEN: ADMIN } });
    const stillD1 = await api(base(), ann.token, 'GET', `/api/orgs/${orgId}/projects`);
    expect(stillD1.body.items.map((p: { id: string }) => p.id)).toEqual([first.id]);

    // Offline, the client queues a rename, two creates and a delete.
    net.offline = true;
    await engine.projects.update(orgId, first.id, { name: 'Renamed offline' });
    const second = await engine.projects.create(orgId, { name: 'Created offline' });
    const doomed = await engine.projects.create(orgId, { name: 'Deleted offline' });
    await engine.projects.remove(orgId, doomed.id);
    expect((await engine.status()).pendingCount).toBe(4);

    // The operator moves the org.
    const moved = await fetch(`${base()}/api/admin/orgs/${orgId}/move`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN}` } });
    expect(moved.status).toBe(200);
    expect(await moved.json()).toMatchObject({ result: 'moved', copied: { projects: 1 } });

    // Back online: the queue replays into the object, the client resyncs its collections from there.
    net.offline = false;
    await settle(engine);
    await engine.syncNow();
    const status = await engine.status();
    expect(status).toMatchObject({ pendingCount: 0, failedCount: 0 });

    const server = await api(base(), ann.token, 'GET', `/api/orgs/${orgId}/projects?limit=1000`);
    const alive = (server.body.items as { id: string; name?: string; deletedAt: number | null; version: number }[]).filter((p) => p.deletedAt === null);
    expect(alive.map((p) => [p.id, p.name]).sort()).toEqual([[first.id, 'Renamed offline'], [second.id, 'Created offline']].sort());
    // Each write applied once: the rename made version 2 of the first project, the create version 1 of the second.
    expect(alive.find((p) => p.id === first.id)?.version).toBe(2);
    expect(alive.find((p) => p.id === second.id)?.version).toBe(1);
    // The client has exactly the server's projects.
    const local = (await engine.db.projects.where('orgId').equals(orgId).toArray()).map((p) => [p.id, p.name, p.version]).sort();
    expect(local).toEqual(alive.map((p) => [p.id, p.name, p.version]).sort());
    await engine.close();
  }, 180_000);
});
