import { describe, expect, it } from 'vitest';
import { createSyncEngine, type SyncLogEvent } from '../../client/index.js';
import { api, signUp } from './worker-harness.js';
import { workerForFile } from './worker-for-file.js';
import { nodeEngine } from './node-engine.js';

/**
 * An org admin writes an org setting offline, and is made a plain member before it reaches the server. The
 * server will never take it (admin+ only), and the client pushes org settings only for admins, so before the
 * fix the register stayed dirty for good: shown as the org's setting on this device only, never sent, never
 * said. Now it is dropped (logged as setting-dropped, AUTH_FORBIDDEN) and the server's register takes its place.
 * Found by the chaos run ("unpushed org settings" after the drain, engines whose users were demoted).
 */
const worker = workerForFile();

describe('org settings written by an admin who is demoted before they are pushed', () => {
  it('are dropped, said, and replaced by the server register; nothing stays dirty', async () => {
    const { baseUrl } = worker();
    const owner = await signUp(baseUrl, 'Owner');
    const admin = await signUp(baseUrl, 'Admin');
    const org = await api(baseUrl, owner.token, 'POST', '/api/orgs', { name: 'Demotion' });
    expect(org.status).toBe(201);
    const orgId = org.body.id as string;
    expect((await api(baseUrl, owner.token, 'POST', `/api/orgs/${orgId}/members`, { userId: admin.id, role: 'admin' })).status).toBe(201);
    expect((await api(baseUrl, owner.token, 'PUT', `/api/orgs/${orgId}/settings/org.locale`, { value: 'en' })).status).toBe(200);

    let offline = false;
    const events: SyncLogEvent[] = [];
    const engine = createSyncEngine({
      baseUrl,
      userId: admin.id,
      getToken: () => admin.token,
      fetch: (input, init) => (offline ? Promise.reject(new TypeError('Failed to fetch')) : fetch(input, init)),
      ...nodeEngine,
      appName: `demoted-${Date.now()}`,
      pullIntervalMs: 3_600_000,
      logger: (event) => events.push(event),
    });
    try {
      await engine.start();
      await engine.syncNow();
      expect(await engine.db.orgs.get(orgId)).toMatchObject({ role: 'admin' });
      expect(await engine.db.settings.get(['org', orgId, 'org.locale'])).toMatchObject({ value: 'en', dirty: 0 });

      // Offline, still an admin here: the write is allowed and stored dirty.
      offline = true;
      await engine.settings.set({ orgId }, 'org.locale', 'fr');
      await engine.settings.set({ orgId }, 'custom.banner', 'only mine');
      expect(await engine.db.settings.where('dirty').equals(1).count()).toBe(2);
      // Meanwhile the owner makes them a plain member.
      expect((await api(baseUrl, owner.token, 'PATCH', `/api/orgs/${orgId}/members/${admin.id}`, { role: 'member' })).status).toBe(200);

      offline = false;
      await engine.syncNow();
      await engine.syncNow();
      expect(await engine.db.orgs.get(orgId)).toMatchObject({ role: 'member' });
      expect(await engine.db.settings.where('dirty').equals(1).count()).toBe(0);
      // The device shows what the server holds: the owner's register, and no register the server never had.
      const server = await api(baseUrl, admin.token, 'GET', `/api/orgs/${orgId}/settings`);
      expect(server.status).toBe(200);
      const shown = (await engine.db.settings.where('[scope+scopeId]').equals(['org', orgId]).toArray()).map((r) => ({ key: r.key, value: r.value, hlc: r.hlc }));
      expect(shown).toEqual((server.body.items as { key: string; value: unknown; hlc: string }[]).map((r) => ({ key: r.key, value: r.value, hlc: r.hlc })));
      expect(shown).toEqual([expect.objectContaining({ key: 'org.locale', value: 'en' })]);
      const dropped = events.filter((e) => e.type === 'setting-dropped').map((e) => ({ ...e })).sort((a, b) => ((a as { key: string }).key < (b as { key: string }).key ? -1 : 1));
      expect(dropped).toEqual([
        { type: 'setting-dropped', key: 'custom.banner', code: 'AUTH_FORBIDDEN' },
        { type: 'setting-dropped', key: 'org.locale', code: 'AUTH_FORBIDDEN' },
      ]);
    } finally {
      await engine.close();
    }
  }, 240_000);
});
