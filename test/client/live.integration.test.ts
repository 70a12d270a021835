import { IDBKeyRange, indexedDB } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createSyncEngine, type SyncEngineOptions } from '../../client/index.js';
import { noLocks } from '../../client/tabs/locks.js';
import type { WebSocketConstructor } from '../../client/transport/live-socket.js';
import { workerForFile } from './worker-for-file.js';
import { api, signUp, STORAGE_MODES, type RunningWorker, type TestAccount } from './worker-harness.js';

/**
 * Live pokes against the real Worker under wrangler dev (issue 10): with its sockets up, a change made
 * elsewhere lands in the engine's IndexedDB without any poll or manual sync; with the hub unreachable,
 * polling still converges. Node 20 has no WebSocket: the `ws` package stands in, injected.
 * In each storage mode: in org-objects an org's pokes come from its own object, and a change inside the org
 * (heads only) reaches the org list in D1 after the delivery alarm (up to 250 ms), which re-pokes the object's
 * sockets; so every wait here is a bounded poll, never a sleep.
 */
let apps = 0;

function engineFor(worker: RunningWorker, account: TestAccount, extra: Partial<SyncEngineOptions>) {
  return createSyncEngine({
    baseUrl: worker.baseUrl,
    userId: account.id,
    getToken: () => account.token,
    indexedDB,
    IDBKeyRange,
    locks: noLocks,
    channel: null,
    events: null,
    appName: `live-${apps++}`,
    ...extra,
  });
}

const percentile = (values: number[], p: number) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor((p / 100) * values.length))]!;

describe.each(STORAGE_MODES)('live pokes (storage: %s)', (storage) => {
  const worker = workerForFile({ storage });

  it('a rename made elsewhere reaches IndexedDB through a poke, with no poll and no manual sync', async () => {
    const baseUrl = worker().baseUrl;
    const ann = await signUp(baseUrl, 'Ann');
    const orgId = (await api(baseUrl, ann.token, 'POST', '/api/orgs', { name: 'Live Lab' })).body.id as string;
    const projectId = (await api(baseUrl, ann.token, 'POST', `/api/orgs/${orgId}/projects`, { name: 'P0' })).body.id as string;
    const engine = engineFor(worker(), ann, { WebSocket: WebSocket as unknown as WebSocketConstructor, pullIntervalMs: 3_600_000 });
    await engine.start();
    await engine.syncNow();
    await expect.poll(async () => (await engine.status()).live, { timeout: 10_000 }).toBe(true);

    const latencies: number[] = [];
    for (let i = 1; i <= 10; i++) {
      const started = Date.now();
      await api(baseUrl, ann.token, 'PATCH', `/api/orgs/${orgId}/projects/${projectId}`, { name: `P${i}` });
      await expect.poll(async () => (await engine.db.projects.get(projectId))?.name, { timeout: 10_000, interval: 10 }).toBe(`P${i}`);
      latencies.push(Date.now() - started);
    }
    console.info(`poke to IndexedDB, ${storage} (ms, from the write's start): p50 ${percentile(latencies, 50)}, p95 ${percentile(latencies, 95)}`);

    // A new org the user joins is followed too: its writes arrive live as well.
    const other = (await api(baseUrl, ann.token, 'POST', '/api/orgs', { name: 'Second Lab' })).body.id as string;
    await expect.poll(async () => (await engine.db.orgs.get(other))?.name, { timeout: 10_000 }).toBe('Second Lab');
    const late = (await api(baseUrl, ann.token, 'POST', `/api/orgs/${other}/projects`, { name: 'Arrives live' })).body.id as string;
    await expect.poll(async () => (await engine.db.projects.get(late))?.name, { timeout: 10_000 }).toBe('Arrives live');
    await engine.close();
  }, 90_000);

  it('a project another member creates and renames reaches this member’s IndexedDB through pokes', async () => {
    const baseUrl = worker().baseUrl;
    const [ann, bob] = [await signUp(baseUrl, 'Ann'), await signUp(baseUrl, 'Bob')];
    const orgId = (await api(baseUrl, ann.token, 'POST', '/api/orgs', { name: 'Shared Lab' })).body.id as string;
    expect((await api(baseUrl, ann.token, 'POST', `/api/orgs/${orgId}/members`, { userId: bob.id, role: 'admin' })).status).toBe(201);
    const engine = engineFor(worker(), bob, { WebSocket: WebSocket as unknown as WebSocketConstructor, pullIntervalMs: 3_600_000 });
    await engine.start();
    await engine.syncNow();
    await expect.poll(async () => (await engine.status()).live, { timeout: 10_000 }).toBe(true);
    expect((await engine.db.orgs.get(orgId))?.name).toBe('Shared Lab');

    // Ann's writes are heads-only changes: in org-objects the org list in D1 learns them from the delivery
    // alarm, after which the object pokes again, so Bob's engine gets there within a bounded wait.
    const projectId = (await api(baseUrl, ann.token, 'POST', `/api/orgs/${orgId}/projects`, { name: 'By Ann' })).body.id as string;
    await expect.poll(async () => (await engine.db.projects.get(projectId))?.name, { timeout: 10_000, interval: 10 }).toBe('By Ann');
    await api(baseUrl, ann.token, 'PATCH', `/api/orgs/${orgId}/projects/${projectId}`, { name: 'Renamed by Ann' });
    await expect.poll(async () => (await engine.db.projects.get(projectId))?.name, { timeout: 10_000, interval: 10 }).toBe('Renamed by Ann');
    await engine.close();
  }, 60_000);

  it('with the hub unreachable, polling still converges and status says pokes are not flowing', async () => {
    const baseUrl = worker().baseUrl;
    const ann = await signUp(baseUrl, 'Ann');
    const orgId = (await api(baseUrl, ann.token, 'POST', '/api/orgs', { name: 'Polling Lab' })).body.id as string;
    // A socket that never connects, as when a proxy drops WebSocket upgrades.
    class Unreachable {
      onopen = null;
      onmessage = null;
      onerror: ((e: unknown) => void) | null = null;
      onclose: ((e: { code: number }) => void) | null = null;
      constructor() {
        setTimeout(() => this.onclose?.({ code: 1006 }), 5);
      }
      close() {}
    }
    const engine = engineFor(worker(), ann, { WebSocket: Unreachable as unknown as WebSocketConstructor, pullIntervalMs: 300 });
    await engine.start();
    await engine.syncNow();
    const projectId = (await api(baseUrl, ann.token, 'POST', `/api/orgs/${orgId}/projects`, { name: 'By polling' })).body.id as string;
    await expect.poll(async () => (await engine.db.projects.get(projectId))?.name, { timeout: 10_000 }).toBe('By polling');
    expect((await engine.status()).live).toBe(false);
    await engine.close();
  }, 60_000);
});
