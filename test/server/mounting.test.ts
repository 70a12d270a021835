import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { createAuthCache } from '../../server/auth/create-auth.js';
import { bodyLimit, createSyncMiddleware, createSyncServer, idempotency, onError, type LogSink } from '../../server/index.js';
import { expectError } from './helpers.js';
import { callHost, unique, type HostBindings } from './host-app.js';

const HOST_ORIGIN = 'https://host.example';

/**
 * An app of its own (its Hono Worker, its Better Auth at /api/auth/*, its routes, its 404 and error handler)
 * that adopts the sync server twice: under /api, where its own routes sit before and after the mount, and
 * under /v2/sync without a hub.
 */
function hostApp() {
  const authFor = createAuthCache();
  const auth = (c: { env: HostBindings; req: { url: string } }) => authFor(c.env, c.req.url);
  const lines: Record<string, unknown>[] = [];
  const sink: LogSink = (fields) => void lines.push(fields);
  let noteCount = 0;

  const host = new Hono<{ Bindings: HostBindings }>();
  host.get('/api/hello', (c) => c.json({ hello: 'before the mount' }));
  host.on(['GET', 'POST'], '/api/auth/*', (c) => auth(c).handler(c.req.raw));
  host.route('/api', createSyncServer<HostBindings>({ auth, hub: (c) => c.env.HUB, cors: { origins: [HOST_ORIGIN] }, log: sink }));
  host.get('/api/after', (c) => c.json({ after: 'the mount' }));
  host.post('/api/echo', async (c) => c.json({ bytes: (await c.req.text()).length }));
  host.get('/api/broken', () => {
    throw new Error('the host app failed');
  });

  // The app's own write route, built from the exported pieces: the sync context and user, then idempotency.
  // Its errors answer the typed body because this group has the sync onError (the host's own handler does not).
  const pieces = createSyncMiddleware<HostBindings>({ auth, log: sink });
  const notes = new Hono<{ Bindings: HostBindings }>();
  notes.onError(onError);
  notes.post('/notes', pieces.context, pieces.requireUser, idempotency, (c) => c.json({ note: ++noteCount }, 201));
  host.route('/api', notes);

  host.route('/v2/sync', createSyncServer<HostBindings>({ auth, log: sink }));
  host.get('/v2/sync/version', (c) => c.json({ version: 2 }));

  // The app's own 404 for /api, behind a body limit of its own (as this repo's Worker has).
  host.all('/api/*', bodyLimit({ maxBytes: 1024, drainBytes: 8192 }), (c) => c.text('host: no such page', 404));
  host.notFound((c) => c.text('host: no such page', 404));
  host.onError((error, c) => c.text(`host error: ${error.message}`, 500));
  return { host, lines };
}

async function signUpThrough(host: Hono<any>): Promise<{ id: string; token: string }> {
  const email = `${unique('host')}@example.com`;
  const res = await callHost(host, '/api/auth/sign-up/email', { method: 'POST', body: { email, password: 'correct horse battery', name: 'Hosted' } });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  const token = res.headers.get('set-auth-token');
  expect(token).toBeTruthy();
  return { id: res.body.user.id, token: token as string };
}

describe('an app that mounts the sync server', () => {
  it('keeps its own routes, before and after the mount, answering without auth and unchanged', async () => {
    const { host } = hostApp();
    expect(await callHost(host, '/api/hello')).toMatchObject({ status: 200, body: { hello: 'before the mount' } });
    expect(await callHost(host, '/api/after')).toMatchObject({ status: 200, body: { after: 'the mount' } });
    expect(await callHost(host, '/v2/sync/version')).toMatchObject({ status: 200, body: { version: 2 } });
    // No sync middleware on them: no body limit (2 MiB passes), no CORS headers, the host's own error handler.
    const big = await callHost(host, '/api/echo', { method: 'POST', body: 'x'.repeat(2 * 1024 * 1024), headers: { 'content-type': 'text/plain' } });
    expect(big).toMatchObject({ status: 200, body: { bytes: 2 * 1024 * 1024 } });
    const hello = await callHost(host, '/api/hello', { headers: { origin: HOST_ORIGIN } });
    expect(hello.headers.get('access-control-allow-origin')).toBeNull();
    expect(await callHost(host, '/api/broken')).toMatchObject({ status: 500, body: 'host error: the host app failed' });
    // No catch-all: an unknown path is the host's own 404, not the sync error body.
    expect(await callHost(host, '/api/nope')).toMatchObject({ status: 404, body: 'host: no such page' });
    expect(await callHost(host, '/v2/sync/nope')).toMatchObject({ status: 404, body: 'host: no such page' });
    // Its Better Auth under the same prefix: sign-up works, and its session is a sync user.
    const user = await signUpThrough(host);
    expect(await callHost(host, '/api/me', { token: user.token })).toMatchObject({ status: 200, body: { user: { id: user.id } } });
    // A path under the sync server's /orgs/ that no sync route answers: its middleware ran (and read the body
    // for the Idempotency-Key), then the app's 404 with its own body limit answers, never a 5xx.
    const unrouted = await callHost(host, `/api/orgs/${crypto.randomUUID()}/projects/${crypto.randomUUID()}/members/`, {
      method: 'PATCH',
      token: user.token,
      headers: { 'Idempotency-Key': unique('unrouted') },
      body: {},
    });
    expect(unrouted).toMatchObject({ status: 404, body: 'host: no such page' });
  });

  it('the sync routes under either prefix require auth and answer the typed error body', async () => {
    const { host } = hostApp();
    for (const prefix of ['/api', '/v2/sync']) {
      expectError(await callHost(host, `${prefix}/me`), 'AUTH_REQUIRED', 401);
      expectError(await callHost(host, `${prefix}/orgs`), 'AUTH_REQUIRED', 401);
      expectError(await callHost(host, `${prefix}/settings`, { method: 'PATCH', body: { entries: [] } }), 'AUTH_REQUIRED', 401);
      expect(await callHost(host, `${prefix}/health`)).toMatchObject({ status: 200, body: { ok: true } });
    }
    const user = await signUpThrough(host);
    expectError(await callHost(host, '/v2/sync/orgs', { method: 'POST', token: user.token, body: { name: 42 } }), 'VALIDATION_FAILED', 400);
    expectError(await callHost(host, '/api/orgs/not-a-uuid/projects', { token: user.token }), 'VALIDATION_FAILED', 400);
    // /live: a hub under /api (a plain request is 426), none under /v2/sync (404 whatever the request).
    expectError(await callHost(host, '/api/live?scope=user', { token: user.token }), 'UPGRADE_REQUIRED', 426);
    expectError(await callHost(host, '/v2/sync/live?scope=user', { token: user.token, headers: { upgrade: 'websocket' } }), 'NOT_FOUND', 404);
    expect((await callHost(host, '/v2/sync/me', { token: user.token })).body.user.id).toBe(user.id);
  });

  it('idempotency works under the other prefix, and a key names one request whatever the prefix', async () => {
    const { host } = hostApp();
    const user = await signUpThrough(host);
    const key = unique('v2-key');
    const first = await callHost(host, '/v2/sync/orgs', { method: 'POST', token: user.token, headers: { 'Idempotency-Key': key }, body: { name: 'V2' } });
    expect(first.status).toBe(201);
    const again = await callHost(host, '/v2/sync/orgs', { method: 'POST', token: user.token, headers: { 'Idempotency-Key': key }, body: { name: 'V2' } });
    expect(again.status).toBe(201);
    expect(again.headers.get('Idempotent-Replayed')).toBe('true');
    expect(again.body).toEqual(first.body);
    const other = await callHost(host, '/v2/sync/orgs', { method: 'POST', token: user.token, headers: { 'Idempotency-Key': key }, body: { name: 'Other' } });
    expectError(other, 'IDEMPOTENCY_KEY_REUSED', 422);
    // The fingerprint covers the path: the same key and body under /api is another request.
    expectError(await callHost(host, '/api/orgs', { method: 'POST', token: user.token, headers: { 'Idempotency-Key': key }, body: { name: 'V2' } }), 'IDEMPOTENCY_KEY_REUSED', 422);
    const orgs = await callHost(host, '/api/orgs', { token: user.token });
    expect(orgs.body.items.filter((o: { id: string }) => o.id === first.body.id)).toHaveLength(1);
  });

  it("the app's own route runs the exported pieces: context, user, idempotency", async () => {
    const { host } = hostApp();
    expectError(await callHost(host, '/api/notes', { method: 'POST', body: {} }), 'AUTH_REQUIRED', 401);
    const user = await signUpThrough(host);
    const key = unique('note-key');
    const first = await callHost(host, '/api/notes', { method: 'POST', token: user.token, headers: { 'Idempotency-Key': key }, body: { text: 'a' } });
    expect(first).toMatchObject({ status: 201, body: { note: 1 } });
    const replay = await callHost(host, '/api/notes', { method: 'POST', token: user.token, headers: { 'Idempotency-Key': key }, body: { text: 'a' } });
    expect(replay).toMatchObject({ status: 201, body: { note: 1 } });
    expect(replay.headers.get('Idempotent-Replayed')).toBe('true');
    expect(await callHost(host, '/api/notes', { method: 'POST', token: user.token, body: { text: 'b' } })).toMatchObject({ status: 201, body: { note: 2 } });
  });

  it('CORS for the sync routes only, from the configured origins', async () => {
    const { host } = hostApp();
    const preflight = (path: string, origin: string) =>
      callHost(host, path, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'idempotency-key' } });
    const allowed = await preflight('/api/orgs', HOST_ORIGIN);
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get('access-control-allow-origin')).toBe(HOST_ORIGIN);
    expect(allowed.headers.get('access-control-allow-headers')).toMatch(/Idempotency-Key/);
    expect((await preflight('/api/orgs', 'https://evil.example')).headers.get('access-control-allow-origin')).toBeNull();
    // An error still carries the CORS headers the browser needs to read it.
    const refused = await callHost(host, '/api/me', { headers: { origin: HOST_ORIGIN } });
    expectError(refused, 'AUTH_REQUIRED', 401);
    expect(refused.headers.get('access-control-allow-origin')).toBe(HOST_ORIGIN);
    expect(refused.headers.get('access-control-expose-headers')).toMatch(/Idempotent-Replayed/);
    // /v2/sync was mounted with no CORS, and the host's own routes have none.
    expect((await preflight('/v2/sync/orgs', HOST_ORIGIN)).headers.get('access-control-allow-origin')).toBeNull();
    expect((await preflight('/api/hello', HOST_ORIGIN)).headers.get('access-control-allow-origin')).toBeNull();
  });

  it('logs one line per sync request to its sink, none for the host routes', async () => {
    const { host, lines } = hostApp();
    await callHost(host, '/api/hello');
    await callHost(host, '/api/after');
    await callHost(host, '/v2/sync/version');
    await callHost(host, '/v2/sync/health');
    expect(lines.map((l) => [l.path, l.route, l.status])).toEqual([['/v2/sync/health', '/v2/sync/health', 200]]);
  });

  it('refuses options without exactly one way to find the user', () => {
    expect(() => createSyncServer({})).toThrow(/exactly one of `auth`.*and `getUser`/);
    const getUser = () => null;
    const auth = { api: { getSession: async () => null } };
    expect(() => createSyncServer({ auth, getUser })).toThrow(/exactly one of/);
    expect(() => createSyncServer({ getUser })).not.toThrow();
    expect(() => createSyncServer({ auth })).not.toThrow();
  });
});
