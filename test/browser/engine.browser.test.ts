import { describe, expect, inject, it } from 'vitest';
import { createSyncEngine, type SyncEngine } from '../../client/index.js';

/**
 * The engine in real Chromium: real IndexedDB, real Web Locks and BroadcastChannel, against the real Worker.
 */
const baseUrl = inject('workerUrl');

/** Signs up from the page itself: a real cross-origin sign-up through CORS and Better Auth's origin check. */
async function signUp(name: string): Promise<{ id: string; token: string }> {
  const res = await fetch(`${baseUrl}/api/auth/sign-up/email`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: `${name}-${crypto.randomUUID()}@example.com`, password: 'correct horse battery', name }),
  });
  expect(res.status).toBe(200);
  const token = res.headers.get('set-auth-token');
  expect(token, 'set-auth-token must be exposed by CORS').toBeTruthy();
  return { id: ((await res.json()) as { user: { id: string } }).user.id, token: token as string };
}

async function api(token: string, method: string, path: string, body?: unknown) {
  const res = await fetch(`${baseUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  return { status: res.status, body: await res.json() };
}

function engineFor(account: { id: string; token: string }, appName: string, net = { offline: false }): SyncEngine {
  return createSyncEngine({
    baseUrl,
    userId: account.id,
    getToken: () => account.token,
    appName,
    fetch: async (input, init) => {
      if (net.offline) throw new TypeError('Failed to fetch');
      return fetch(input, init);
    },
  });
}

describe('engine in Chromium', () => {
  it('keeps offline edits across a reload and syncs them on reconnect', async () => {
    const me = await signUp('browser');
    const org = (await api(me.token, 'POST', '/api/orgs', { name: 'Browser lab' })).body;
    const net = { offline: false };
    const appName = `browser-${Date.now()}`;
    const first = engineFor(me, appName, net);
    await first.start();
    await first.syncNow();
    expect(await first.db.orgs.get(org.id)).toMatchObject({ role: 'owner' });

    net.offline = true;
    const project = await first.projects.create(org.id, { name: 'Written offline' });
    await first.settings.set('user', 'theme', 'dark');
    expect((await first.status()).pendingCount).toBe(1);
    await first.close(); // the tab reloads

    const second = engineFor(me, appName, net);
    await second.start();
    expect(await second.db.projects.get(project.id)).toMatchObject({ name: 'Written offline' });
    expect(await second.settings.get('user', 'theme')).toBe('dark');
    net.offline = false;
    for (let i = 0; i < 5 && (await second.status()).pendingCount > 0; i++) await second.syncNow();
    await second.syncNow();
    const projects = (await api(me.token, 'GET', `/api/orgs/${org.id}/projects`)).body.items;
    expect(projects.map((p: { id: string }) => p.id)).toContain(project.id);
    const settings = (await api(me.token, 'GET', '/api/settings')).body.items;
    expect(settings).toContainEqual(expect.objectContaining({ key: 'theme', value: 'dark' }));
    await second.close();
  });

  it('elects one syncing tab per user with Web Locks, and hands over when it closes', async () => {
    const me = await signUp('tabs');
    const appName = `tabs-${Date.now()}`;
    const a = engineFor(me, appName);
    const b = engineFor(me, appName);
    await a.start();
    await b.start();
    expect((await a.status()).leader).toBe(true);
    expect((await b.status()).leader).toBe(false);
    await a.close();
    await expect.poll(async () => (await b.status()).leader).toBe(true);
    await b.close();
  });

  it('two devices converge through the server', async () => {
    const other = await signUp('devices');
    const org = (await api(other.token, 'POST', '/api/orgs', { name: 'Shared' })).body;
    const laptop = engineFor(other, `laptop-${Date.now()}`);
    const phone = engineFor(other, `phone-${Date.now()}`);
    await laptop.start();
    await phone.start();
    await laptop.syncNow();
    await phone.syncNow();
    const project = await laptop.projects.create(org.id, { name: 'From the laptop' });
    await phone.settings.set('user', 'locale', 'fr');
    await laptop.settings.set('user', 'locale', 'de-CH');
    for (const e of [laptop, phone, laptop, phone]) await e.syncNow();
    expect(await phone.db.projects.get(project.id)).toMatchObject({ name: 'From the laptop' });
    expect(await phone.settings.get('user', 'locale')).toBe(await laptop.settings.get('user', 'locale'));
    expect(await laptop.settings.get('user', 'locale')).toBe('de-CH');
    await laptop.close();
    await phone.close();
  });
});
