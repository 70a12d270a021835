import { applyD1Migrations, env } from 'cloudflare:test';
import { Hono } from 'hono';
import { beforeAll, describe, expect, it } from 'vitest';
import { createSyncServer, type AuthUser, type LogSink } from '../../server/index.js';
import { expectError } from './helpers.js';
import { callHost, unique, type HostBindings } from './host-app.js';

/** A header auth per instance: each reads its own header, so a caller of one is nobody to the other. */
const headerUser =
  (header: string) =>
  (c: { req: { header(name: string): string | undefined } }): AuthUser | null => {
    const id = c.req.header(header);
    return id ? { id, email: `${id}@example.com`, name: `User ${id}` } : null;
  };

/** The node id part of an hlc stamp (its last 16 hex digits): the server clock that issued it. */
const nodeOf = (hlc: string) => hlc.slice(-16);

/**
 * Two sync servers in one isolate and one app, with different options: users, database, origins, log sinks,
 * hub. Whatever one of them keeps (its server clock's node, its user directory's memory) must not be the other's.
 */
function twoInstances() {
  const lines = { a: [] as Record<string, unknown>[], b: [] as Record<string, unknown>[] };
  const sink = (into: Record<string, unknown>[]): LogSink => (fields) => void into.push(fields);
  const host = new Hono<{ Bindings: HostBindings }>();
  host.route(
    '/a',
    createSyncServer<HostBindings>({ getUser: headerUser('x-a-user'), hub: (c) => c.env.HUB, cors: { origins: ['https://a.example'] }, log: sink(lines.a) }),
  );
  host.route(
    '/b',
    createSyncServer<HostBindings>({ getUser: headerUser('x-b-user'), database: (c) => c.env.SECOND_DB, cors: { origins: ['https://b.example'] }, log: sink(lines.b) }),
  );
  return { host, lines };
}

beforeAll(async () => {
  await applyD1Migrations(env.SECOND_DB, env.TEST_MIGRATIONS);
});

describe('two sync servers in one isolate', () => {
  it('each answers its own callers, on its own database', async () => {
    const { host } = twoInstances();
    const id = unique('both');
    expectError(await callHost(host, '/b/me', { headers: { 'x-a-user': id } }), 'AUTH_REQUIRED', 401);
    expectError(await callHost(host, '/a/me', { headers: { 'x-b-user': id } }), 'AUTH_REQUIRED', 401);
    // One user id, both instances: each mirrors the user into its own database (a directory memory shared
    // between them would skip the second write, and the org's owner row would break its foreign key).
    const inA = await callHost(host, '/a/orgs', { method: 'POST', headers: { 'x-a-user': id }, body: { name: 'In A' } });
    expect(inA.status, JSON.stringify(inA.body)).toBe(201);
    const inB = await callHost(host, '/b/orgs', { method: 'POST', headers: { 'x-b-user': id }, body: { name: 'In B' } });
    expect(inB.status, JSON.stringify(inB.body)).toBe(201);
    const listA = await callHost(host, '/a/orgs', { headers: { 'x-a-user': id } });
    const listB = await callHost(host, '/b/orgs', { headers: { 'x-b-user': id } });
    expect(listA.body.items.map((o: { name: string }) => o.name)).toEqual(['In A']);
    expect(listB.body.items.map((o: { name: string }) => o.name)).toEqual(['In B']);
    expect(await env.SECOND_DB.prepare('SELECT name FROM orgs WHERE id = ?').bind(inB.body.id).first('name')).toBe('In B');
    expect(await env.DB.prepare('SELECT name FROM orgs WHERE id = ?').bind(inB.body.id).first('name')).toBeNull();
  });

  it('each stamps with its own server clock node, the same one across its requests', async () => {
    const { host } = twoInstances();
    const id = unique('clock');
    const put = async (mount: 'a' | 'b', value: string) => {
      const res = await callHost(host, `/${mount}/settings/theme`, { method: 'PUT', headers: { [`x-${mount}-user`]: id }, body: { value } });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      return nodeOf(res.body.hlc as string);
    };
    const a1 = await put('a', 'dark');
    const a2 = await put('a', 'light');
    const b1 = await put('b', 'dark');
    const b2 = await put('b', 'light');
    expect(a2).toBe(a1);
    expect(b2).toBe(b1);
    expect(b1).not.toBe(a1);
    // A second app, a third instance: another node again.
    const other = twoInstances().host;
    const c1 = nodeOf((await callHost(other, '/a/settings/theme', { method: 'PUT', headers: { 'x-a-user': id }, body: { value: 'system' } })).body.hlc);
    expect([a1, b1]).not.toContain(c1);
  });

  it('each logs to its own sink and allows its own origins; the hub is only the first one’s', async () => {
    const { host, lines } = twoInstances();
    await callHost(host, '/a/health');
    await callHost(host, '/b/health');
    await callHost(host, '/b/health');
    expect(lines.a.map((l) => l.path)).toEqual(['/a/health']);
    expect(lines.b.map((l) => l.path)).toEqual(['/b/health', '/b/health']);
    // What a request logs besides its line goes to the same sink: an entry a merge did not apply.
    const entry = { key: 'no.such.key', value: 1, hlc: '2026-01-01T00:00:00.000Z-0000-0000000000000001' };
    const merge = await callHost(host, '/b/settings', { method: 'PATCH', headers: { 'x-b-user': unique('log') }, body: { entries: [entry] } });
    expect(merge.body.results).toEqual([expect.objectContaining({ status: 'rejected', code: 'SETTING_KEY_UNKNOWN' })]);
    expect(lines.b.filter((l) => l.msg === 'settings entry not applied')).toEqual([expect.objectContaining({ key: 'no.such.key', status: 'rejected' })]);
    expect(lines.a.filter((l) => l.msg !== undefined)).toEqual([]);
    const allowed = async (mount: string, origin: string) =>
      (await callHost(host, `/${mount}/orgs`, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST' } })).headers.get('access-control-allow-origin');
    expect(await allowed('a', 'https://a.example')).toBe('https://a.example');
    expect(await allowed('a', 'https://b.example')).toBeNull();
    expect(await allowed('b', 'https://b.example')).toBe('https://b.example');
    expect(await allowed('b', 'https://a.example')).toBeNull();
    const id = unique('live');
    const live = (mount: 'a' | 'b') => callHost(host, `/${mount}/live?scope=user`, { headers: { upgrade: 'websocket', [`x-${mount}-user`]: id } });
    const socket = await live('a');
    expect(socket.status).toBe(101);
    socket.webSocket?.accept();
    socket.webSocket?.close(1000, 'done');
    expectError(await live('b'), 'NOT_FOUND', 404);
  });
});
