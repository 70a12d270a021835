import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { createSyncServer, type AuthUser } from '../../server/index.js';
import { createHlc } from '../../shared/index.js';
import { count, expectError } from './helpers.js';
import { callHost, unique, type HostBindings } from './host-app.js';

/**
 * A trivial header auth, standing for any auth that is not Better Auth: `Authorization: Bearer <user id>`, the
 * name from `x-user-name`. The user table of the app is this function; the sync server mirrors the callers.
 */
const headerAuth = (c: { req: { header(name: string): string | undefined } }): AuthUser | null => {
  const id = /^Bearer (.+)$/.exec(c.req.header('authorization') ?? '')?.[1];
  return id ? { id, email: `${id}@Users.Example`, name: c.req.header('x-user-name') ?? `User ${id}` } : null;
};

function hostApp() {
  const host = new Hono<{ Bindings: HostBindings }>();
  host.route('/api', createSyncServer<HostBindings>({ getUser: headerAuth, hub: (c) => c.env.HUB, requestLog: false }));
  return host;
}

const clock = createHlc({ nodeId: 'c3c3c3c3c3c3c3c3', now: () => Date.now() });

describe('getUser: the sync server on an auth of the app’s own', () => {
  it('creates an org and lists it, end to end', async () => {
    const host = hostApp();
    const ann = unique('ann');
    expectError(await callHost(host, '/api/me'), 'AUTH_REQUIRED', 401);
    expect(await callHost(host, '/api/me', { token: ann })).toMatchObject({
      status: 200,
      body: { user: { id: ann, email: `${ann}@users.example`, name: `User ${ann}` } },
    });
    const created = await callHost(host, '/api/orgs', { method: 'POST', token: ann, body: { name: 'Header Lab' } });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const orgs = await callHost(host, '/api/orgs', { token: ann });
    expect(orgs.status).toBe(200);
    expect(orgs.body.items).toEqual([expect.objectContaining({ id: created.body.id, name: 'Header Lab', role: 'owner' })]);
    const project = await callHost(host, `/api/orgs/${created.body.id}/projects`, { method: 'POST', token: ann, body: { name: 'Trial' } });
    expect(project.status).toBe(201);
    const projects = await callHost(host, `/api/orgs/${created.body.id}/projects`, { token: ann });
    expect(projects.body.items.map((p: { name: string }) => p.name)).toEqual(['Trial']);
  });

  it('mirrors callers into the user directory: members are found by email once they made a request, names follow', async () => {
    const host = hostApp();
    const ann = unique('ann');
    const bob = unique('bob');
    const org = (await callHost(host, '/api/orgs', { method: 'POST', token: ann, body: { name: 'Shared' } })).body;
    expectError(await callHost(host, `/api/orgs/${org.id}/members`, { method: 'POST', token: ann, body: { email: `${bob}@users.example`, role: 'member' } }), 'USER_NOT_FOUND', 404);
    await callHost(host, '/api/me', { token: bob });
    const added = await callHost(host, `/api/orgs/${org.id}/members`, { method: 'POST', token: ann, body: { email: `${bob}@users.example`, role: 'member' } });
    expect(added.status, JSON.stringify(added.body)).toBe(201);
    await callHost(host, '/api/me', { token: bob, headers: { 'x-user-name': 'Bob Renamed' } });
    const members = await callHost(host, `/api/orgs/${org.id}/members`, { token: ann });
    expect(members.body.items).toEqual(expect.arrayContaining([expect.objectContaining({ userId: bob, name: 'Bob Renamed', email: `${bob}@users.example` })]));
    // One directory row per user, however many requests and renames.
    expect(await count('user', 'id = ?', bob)).toBe(1);
  });

  it('the live socket resolves its user the same way, from the bearer subprotocol', async () => {
    const host = hostApp();
    const ann = unique('ann');
    const refused = await callHost(host, '/api/live?scope=user', { headers: { upgrade: 'websocket', 'sec-websocket-protocol': 'bearer.' } });
    expectError(refused, 'AUTH_REQUIRED', 401);
    const res = await callHost(host, '/api/live?scope=user', { headers: { upgrade: 'websocket', 'sec-websocket-protocol': `bearer.${ann}` } });
    expect(res.status).toBe(101);
    expect(res.headers.get('sec-websocket-protocol')).toBe(`bearer.${ann}`);
    const ws = res.webSocket as WebSocket;
    const messages: unknown[] = [];
    ws.addEventListener('message', (e) => void messages.push(JSON.parse(String(e.data))));
    ws.accept();
    const put = await callHost(host, '/api/settings', { method: 'PATCH', token: ann, body: { entries: [{ key: 'theme', value: 'dark', hlc: clock.next() }] } });
    expect(put.status).toBe(200);
    const deadline = Date.now() + 5_000;
    while (messages.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(messages).toEqual([expect.objectContaining({ type: 'poke', scope: `user:${ann}` })]);
    ws.close(1000, 'done');
  });
});
