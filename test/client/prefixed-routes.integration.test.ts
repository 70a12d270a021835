import { IDBKeyRange, indexedDB } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import { createSyncEngine } from '../../client/index.js';
import { noLocks } from '../../client/tabs/locks.js';
import { betterAuthUsers, defineConformanceTests } from '../../testing/index.js';
import { FaultyFetch } from './faulty-fetch.js';
import { api, signUp } from './worker-harness.js';
import { workerForFile } from './worker-for-file.js';

/**
 * The sync server mounted where this repo's Worker does not put it (`/v2/sync`, test/server/prefixed-worker.ts,
 * its own Better Auth still at /api/auth): the conformance kit passes there, and an engine told the layout
 * (`routes: { basePath: '/v2/sync' }`) syncs against it, queuing offline and replaying on reconnect, with no
 * request of its own going to `/api`.
 */
const worker = workerForFile({ config: 'test/server/prefixed-worker.wrangler.toml' });
const BASE = '/v2/sync';

defineConformanceTests(
  () => ({ baseUrl: `${worker().baseUrl}${BASE}`, newUser: betterAuthUsers(`${worker().baseUrl}/api/auth`) }),
  { describe, it },
  { title: 'conformance under /v2/sync', timeout: 60_000 },
);

describe('an engine pointed at routes under /v2/sync', () => {
  it('queues a project offline, replays it on reconnect, pushes a setting, and sends nothing to /api', async () => {
    const base = worker().baseUrl;
    const ann = await signUp(base, 'Ann');
    const org = await api(base, ann.token, 'POST', `${BASE}/orgs`, { name: 'Lab' });
    expect(org.status).toBe(201);
    const net = new FaultyFetch();
    const paths: string[] = [];
    const engine = createSyncEngine({
      baseUrl: base,
      userId: ann.id,
      getToken: () => ann.token,
      fetch: (input, init) => {
        paths.push(new URL(input instanceof Request ? input.url : String(input)).pathname);
        return net.fetch(input, init);
      },
      routes: { basePath: BASE },
      indexedDB,
      IDBKeyRange,
      locks: noLocks,
      channel: null,
      events: null,
      WebSocket: null,
      appName: `prefixed-${Date.now()}`,
      backoff: { baseMs: 1, capMs: 5, maxAttempts: 8 },
      random: () => 0,
    });
    try {
      await engine.start();
      await engine.syncNow();
      expect(await engine.db.orgs.get(org.body.id)).toMatchObject({ name: 'Lab' });

      net.offline = true;
      const project = await engine.projects.create(org.body.id, { name: 'Offline study' });
      await engine.settings.set('user', 'custom.prefixed', { on: true });
      await engine.syncNow();
      expect((await engine.status()).pendingCount).toBe(1);

      net.offline = false;
      for (let i = 0; i < 20 && (await engine.status()).pendingCount > 0; i++) await engine.syncNow();
      expect((await engine.status()).pendingCount).toBe(0);

      const onServer = await api(base, ann.token, 'GET', `${BASE}/orgs/${org.body.id}/projects?limit=100`);
      expect(onServer.body.items.map((p: { id: string; name: string }) => [p.id, p.name])).toEqual([[project.id, 'Offline study']]);
      const settings = await api(base, ann.token, 'GET', `${BASE}/settings`);
      expect(JSON.stringify(settings.body)).toContain('custom.prefixed');

      expect(paths.length).toBeGreaterThan(3);
      expect(paths.filter((p) => !p.startsWith(`${BASE}/`))).toEqual([]);
    } finally {
      await engine.close();
    }
  }, 90_000);
});
