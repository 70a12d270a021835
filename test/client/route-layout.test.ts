import { describe, expect, it } from 'vitest';
import { ClientValidationError, createSyncEngine, type RouteLayout, type SyncEngineOptions } from '../../client/index.js';
import type { WebSocketConstructor } from '../../client/transport/live-socket.js';
import { resolveRouteLayout } from '../../client/transport/route-layout.js';
import { LayoutServer, ORG_A, ORG_B, PROJECT_B, TOKEN, USER, recordingSockets } from './layout-server.js';
import { nodeEngine } from './node-engine.js';

/** The app's layout: its server mounted at /v2/sync, projects as a workspace's studies, members as people. */
const LAYOUT: RouteLayout = {
  basePath: '/v2/sync',
  projects: '/workspaces/:orgId/studies',
  projectMembers: ({ orgId, projectId }) => `/workspaces/${orgId}/studies/${projectId}/people`,
  orgMembers: '/teams/:orgId/people',
};

let apps = 0;
function engineOn(server: LayoutServer, extra: Partial<SyncEngineOptions> = {}) {
  return createSyncEngine({
    ...nodeEngine,
    baseUrl: server.origin,
    userId: USER,
    getToken: () => TOKEN,
    fetch: server.fetch,
    appName: `route-layout-${apps++}`,
    routes: LAYOUT,
    ...extra,
  });
}

const pathsOf = (server: LayoutServer) => server.requests.map((r) => `${r.method} ${new URL(r.url).pathname}`);

describe('route layout', () => {
  it('sends every request and opens every socket where the layout says, nothing to /api/', async () => {
    const server = new LayoutServer();
    const sockets = recordingSockets();
    const engine = engineOn(server, { WebSocket: sockets.WebSocket as unknown as WebSocketConstructor });
    await engine.start();
    await engine.syncNow();
    // Ops of every kind, and settings of both scopes (org settings need the org's role, pulled above), queued
    // offline so that each is still in the outbox to be read here.
    server.offline = true;
    const project = await engine.projects.create(ORG_A, { name: 'Trial' });
    await engine.projects.update(ORG_A, project.id, { name: 'Trial 2' });
    await engine.orgMembers.add(ORG_A, { userId: 'user-2', role: 'member' });
    await engine.orgMembers.updateRole(ORG_A, 'user-2', 'admin');
    await engine.projectMembers.add(ORG_A, project.id, { userId: 'user-2', role: 'member' });
    await engine.projectMembers.remove(ORG_A, project.id, 'user-2');
    await engine.projects.remove(ORG_A, project.id);
    await engine.settings.set('user', 'theme', 'dark');
    await engine.settings.set({ orgId: ORG_A }, 'appraisal.blindReview', true);
    const ops = await engine.db.ops.orderBy('order').toArray();
    expect(ops.map((op) => op.path)).toEqual([
      // Stored canonical, whatever the layout.
      `/api/orgs/${ORG_A}/projects`,
      `/api/orgs/${ORG_A}/projects/${project.id}`,
      `/api/orgs/${ORG_A}/members`,
      `/api/orgs/${ORG_A}/members/user-2`,
      `/api/orgs/${ORG_A}/projects/${project.id}/members`,
      `/api/orgs/${ORG_A}/projects/${project.id}/members/user-2`,
      `/api/orgs/${ORG_A}/projects/${project.id}`,
    ]);
    server.offline = false;
    await engine.syncNow();
    await expect.poll(async () => (await engine.status()).live, { timeout: 10_000 }).toBe(true);

    expect(server.strays).toEqual([]);
    expect(server.requests.every((r) => r.url.startsWith('http://server.test/v2/sync/'))).toBe(true);
    expect(server.requests.filter((r) => r.url.includes('/api/'))).toEqual([]);
    expect(await engine.db.ops.count()).toBe(0);
    const sent = pathsOf(server);
    for (const expected of [
      'GET /v2/sync/me',
      'GET /v2/sync/orgs',
      'GET /v2/sync/settings',
      'PATCH /v2/sync/settings',
      `GET /v2/sync/teams/${ORG_A}/people`,
      `GET /v2/sync/workspaces/${ORG_A}/studies`,
      `GET /v2/sync/orgs/${ORG_A}/settings`,
      `PATCH /v2/sync/orgs/${ORG_A}/settings`,
      `GET /v2/sync/orgs/${ORG_A}/project-members`,
      `GET /v2/sync/workspaces/${ORG_B}/studies`,
      `GET /v2/sync/workspaces/${ORG_B}/studies/${PROJECT_B}/people`,
    ]) {
      expect(sent).toContain(expected);
    }
    // Pull pages keep their query under the layout.
    expect(server.requests.some((r) => r.url === `http://server.test/v2/sync/workspaces/${ORG_A}/studies?limit=200`)).toBe(true);
    // Every op went once, to its layout URL, with its id as the Idempotency-Key.
    const writes = server.requests.filter((r) => r.method !== 'GET' && r.idempotencyKey !== null);
    expect(writes.map((r) => [r.method, new URL(r.url).pathname, r.idempotencyKey])).toEqual([
      ['POST', `/v2/sync/workspaces/${ORG_A}/studies`, ops[0]!.id],
      ['PATCH', `/v2/sync/workspaces/${ORG_A}/studies/${project.id}`, ops[1]!.id],
      ['POST', `/v2/sync/teams/${ORG_A}/people`, ops[2]!.id],
      ['PATCH', `/v2/sync/teams/${ORG_A}/people/user-2`, ops[3]!.id],
      ['POST', `/v2/sync/workspaces/${ORG_A}/studies/${project.id}/people`, ops[4]!.id],
      ['DELETE', `/v2/sync/workspaces/${ORG_A}/studies/${project.id}/people/user-2`, ops[5]!.id],
      ['DELETE', `/v2/sync/workspaces/${ORG_A}/studies/${project.id}`, ops[6]!.id],
    ]);
    // The live route moved with the base; the token still travels as the subprotocol.
    expect(sockets.opened.map((s) => s.url).sort()).toEqual([
      `ws://server.test/v2/sync/live?scope=org%3A${ORG_A}`,
      `ws://server.test/v2/sync/live?scope=org%3A${ORG_B}`,
      'ws://server.test/v2/sync/live?scope=user',
    ]);
    expect(sockets.opened.every((s) => s.protocols.includes(`bearer.${TOKEN}`))).toBe(true);
    await engine.close();
  });

  it('an op queued under one layout replays to the next layout’s URL after the engine is reopened with it', async () => {
    const appName = `route-layout-reopen-${apps++}`;
    const before = new LayoutServer('http://server.test', '/v1');
    before.offline = true;
    const first = engineOn(before, { appName, routes: { basePath: '/v1', projects: '/workspaces/:orgId/projects' } });
    await first.start();
    await first.syncNow();
    const project = await first.projects.create(ORG_A, { name: 'Offline' });
    await first.syncNow();
    const [queued] = await first.db.ops.toArray();
    // Stored canonical: nothing of the first layout is in the op.
    expect(queued).toMatchObject({ path: `/api/orgs/${ORG_A}/projects`, status: 'pending' });
    await first.close();

    const after = new LayoutServer();
    const second = engineOn(after, { appName });
    await second.start();
    await second.syncNow();
    const posts = after.requests.filter((r) => r.method === 'POST');
    expect(posts.map((r) => [new URL(r.url).pathname, r.idempotencyKey])).toEqual([[`/v2/sync/workspaces/${ORG_A}/studies`, queued!.id]]);
    expect(after.strays).toEqual([]);
    expect(after.projects.has(project.id)).toBe(true);
    expect(await second.db.ops.count()).toBe(0);
    await second.close();
  });

  it('a baseUrl with a path of its own carries it into every request and socket URL', async () => {
    const server = new LayoutServer('http://server.test', '/app/api');
    const sockets = recordingSockets();
    const engine = engineOn(server, { baseUrl: 'http://server.test/app/', routes: { orgMembers: '/teams/:orgId/people', projects: '/workspaces/:orgId/studies', projectMembers: '/workspaces/:orgId/studies/:projectId/people' }, WebSocket: sockets.WebSocket as unknown as WebSocketConstructor });
    await engine.start();
    await engine.syncNow();
    await expect.poll(async () => (await engine.status()).live, { timeout: 10_000 }).toBe(true);
    expect(server.strays).toEqual([]);
    expect(pathsOf(server)).toContain('GET /app/api/me');
    expect(sockets.opened.map((s) => s.url)).toContain('ws://server.test/app/api/live?scope=user');
    await engine.close();
  });

  it('the default layout sends every canonical path as it is; another moves each one, query and item segment kept', () => {
    const canonical = [
      '/api/me',
      '/api/live?scope=org%3Ao',
      '/api/orgs?limit=200',
      '/api/orgs/o/members?cursor=c&limit=200',
      '/api/orgs/o/members/u',
      '/api/orgs/o/projects?limit=200',
      '/api/orgs/o/projects/p',
      '/api/orgs/o/project-members?limit=200',
      '/api/orgs/o/projects/p/members?limit=200',
      '/api/orgs/o/projects/p/members/u',
      '/api/settings?limit=1000',
      '/api/orgs/o/settings',
    ];
    const byDefault = resolveRouteLayout(undefined);
    expect(canonical.map((path) => byDefault.pathOf(path))).toEqual(canonical);
    const moved = resolveRouteLayout({ ...LAYOUT, me: '/whoami', live: () => '/socket', orgs: '/teams', orgProjectMembers: '/teams/:orgId/study-people', userSettings: '/me/prefs', orgSettings: '/teams/:orgId/prefs' });
    expect(canonical.map((path) => moved.pathOf(path))).toEqual([
      '/v2/sync/whoami',
      '/v2/sync/socket?scope=org%3Ao',
      '/v2/sync/teams?limit=200',
      '/v2/sync/teams/o/people?cursor=c&limit=200',
      '/v2/sync/teams/o/people/u',
      '/v2/sync/workspaces/o/studies?limit=200',
      '/v2/sync/workspaces/o/studies/p',
      '/v2/sync/teams/o/study-people?limit=200',
      '/v2/sync/workspaces/o/studies/p/people?limit=200',
      '/v2/sync/workspaces/o/studies/p/people/u',
      '/v2/sync/me/prefs?limit=1000',
      '/v2/sync/teams/o/prefs',
    ]);
    // `/` puts the routes at the root of baseUrl; a trailing slash on the base is dropped.
    expect(resolveRouteLayout({ basePath: '/' }).pathOf('/api/orgs/o/projects')).toBe('/orgs/o/projects');
    expect(resolveRouteLayout({ basePath: '/v2/sync/' }).pathOf('/api/me')).toBe('/v2/sync/me');
  });

  it('refuses a malformed layout with a typed error naming the route', () => {
    const bad: [unknown, RegExp][] = [
      ['/v2', /^routes: an object, got "\/v2"/],
      [null, /^routes: an object, got null/],
      [{ basePath: 'v2/sync' }, /^routes\.basePath: "v2\/sync" is not a plain path/],
      [{ basePath: '/v2//sync' }, /^routes\.basePath: "\/v2\/\/sync" is not a plain path/],
      [{ basePath: '/v2?x=1' }, /^routes\.basePath: .* is not a plain path/],
      [{ basePath: '/v2/../api' }, /^routes\.basePath: .* is not a plain path/],
      [{ project: '/studies' }, /^routes\.project: no such route/],
      [{ projects: '/workspaces/studies' }, /^routes\.projects: the path must name the route's orgId/],
      [{ projects: '/workspaces/:orgId/:teamId' }, /^routes\.projects: "\/workspaces\/:orgId\/:teamId" names an id this route does not have \(orgId\)/],
      [{ projects: 'workspaces/:orgId' }, /^routes\.projects: "workspaces\/.*" is not a plain path/],
      [{ projects: '/workspaces/:orgId/studies#x' }, /^routes\.projects: .* is not a plain path/],
      [{ projects: '/workspaces/:orgId/my studies' }, /^routes\.projects: .* is not a plain path/],
      [{ me: null }, /^routes\.me: a path template or a function, got null/],
      [{ me: () => 'me' }, /^routes\.me: "me" is not a plain path/],
      [{ live: () => 42 }, /^routes\.live: 42 is not a plain path/],
      [{ orgSettings: () => '/org/settings' }, /^routes\.orgSettings: the path must name the route's orgId/],
      [{ projectMembers: ({ orgId }: { orgId: string }) => `/w/${orgId}/people` }, /^routes\.projectMembers: the path must name the route's projectId/],
      [{ orgs: () => { throw new Error('nope'); } }, /^routes\.orgs: threw for \{\}: Error: nope/],
    ];
    const server = new LayoutServer();
    for (const [routes, message] of bad) {
      let thrown: unknown;
      try {
        engineOn(server, { routes: routes as RouteLayout });
      } catch (error) {
        thrown = error;
      }
      expect(thrown, JSON.stringify(routes)).toBeInstanceOf(ClientValidationError);
      expect((thrown as ClientValidationError).code).toBe('VALIDATION_FAILED');
      expect((thrown as Error).message).toMatch(message);
    }
    expect(server.requests).toEqual([]);
  });

  it('a route function that returns a non-path for a real id fails the cycle with the reason, and sends nothing there', async () => {
    const server = new LayoutServer();
    // Good for the probe ids createSyncEngine tries, not for ORG_B.
    const engine = engineOn(server, { routes: { ...LAYOUT, projects: ({ orgId }) => (orgId === ORG_B ? `/workspaces/${orgId}/studies?all` : `/workspaces/${orgId}/studies`) } });
    await engine.start();
    await engine.syncNow();
    const status = await engine.status();
    expect(status.lastError?.message).toMatch(/^routes\.projects: ".*studies\?all" for \{"orgId":"1b1b.*"\} is not a plain path/);
    expect(server.requests.some((r) => r.url.includes(`/workspaces/${ORG_B}/`))).toBe(false);
    expect(server.strays).toEqual([]);
    await engine.close();
  });
});
