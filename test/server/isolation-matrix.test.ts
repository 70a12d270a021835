import { SELF } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import { errorBodySchema } from '../../shared/index.js';
import { ORIGIN, addOrgMember, callApp, createOrg, createProject, expectError, pullAll, signUp, type TestUser } from './helpers.js';

/**
 * The isolation matrix (issue 11 item 2): every route of the Worker x every kind of caller, with the status each
 * cell must answer, as one table. Every response body is also searched for marker strings planted in data the
 * caller may not see (org A's names and settings, project P's name and description, the owner's user settings,
 * the other tenant's org B), so no body, error detail, tombstone or idempotent replay carries another tenant's data.
 *
 * Choices where DESIGN §4 leaves room: a caller outside an org gets 404 (ORG_NOT_FOUND) on everything under it,
 * never 403, so org ids do not leak; an org member without access to a project gets 404 PROJECT_NOT_FOUND for the
 * same reason; a member with access but too low a role gets 403 AUTH_FORBIDDEN (they already know the thing exists).
 */

const IDENTITIES = ['none', 'malformed', 'signedOut', 'unsigned', 'stranger', 'noProject', 'projectMember', 'admin', 'owner', 'removed'] as const;
type Identity = (typeof IDENTITIES)[number];

// Markers: recognisable strings in data only some callers may see.
const MARK = {
  org: 'zqORGAmark',
  orgSetting: 'zqORGSETmark',
  project: 'zqPROJPmark',
  projectDescription: 'zqPDESCmark',
  userSetting: 'zqUSERSETmark',
  otherTenant: 'zqTENANTBmark',
} as const;

/** Who may see each marker; every other identity must never receive it. */
const ENTITLED: Record<keyof typeof MARK, readonly Identity[]> = {
  org: ['noProject', 'projectMember', 'admin', 'owner'],
  orgSetting: ['noProject', 'projectMember', 'admin', 'owner'],
  project: ['projectMember', 'admin', 'owner'],
  projectDescription: ['projectMember', 'admin', 'owner'],
  userSetting: ['owner'],
  otherTenant: ['stranger'],
};

interface World {
  users: Record<'owner' | 'admin' | 'noProject' | 'projectMember' | 'removed' | 'stranger' | 'spare' | 'candidate' | 'projectSpare', TestUser>;
  tokens: Record<Identity, string | undefined>;
  orgA: string;
  projectP: string;
  orgB: string;
}

let world: World;

/** A response as the matrix sees it: the status and the raw body text (searched for markers). */
interface Answer {
  status: number;
  text: string;
  replayed: boolean;
}

async function send(method: string, path: string, token: string | undefined, body?: unknown, headers: Record<string, string> = {}): Promise<Answer> {
  const res = await callApp(path, { method, token, body, headers });
  return { status: res.status, text: typeof res.body === 'string' ? res.body : JSON.stringify(res.body), replayed: res.headers.get('Idempotent-Replayed') === 'true' };
}

/** The live socket upgrade, through SELF (a 101 needs the runtime); an accepted socket is closed at once. */
async function upgrade(scope: string, token: string | undefined): Promise<Answer> {
  const headers: Record<string, string> = { origin: ORIGIN, upgrade: 'websocket' };
  if (token) headers.authorization = `Bearer ${token}`;
  const res = await SELF.fetch(`${ORIGIN}/api/live?scope=${encodeURIComponent(scope)}`, { headers });
  if (res.webSocket) {
    res.webSocket.accept();
    res.webSocket.close(1000, 'matrix');
    return { status: res.status, text: '', replayed: false };
  }
  return { status: res.status, text: await res.text(), replayed: false };
}

function expectNoForeignMarkers(who: Identity, text: string, what: string) {
  for (const [mark, value] of Object.entries(MARK) as [keyof typeof MARK, string][]) {
    if (!ENTITLED[mark].includes(who)) expect(text.includes(value), `${who} received ${mark} (${value}) from ${what}: ${text.slice(0, 400)}`).toBe(false);
  }
}

interface Route {
  name: string;
  /** Expected status per identity, in IDENTITIES order. */
  expect: readonly number[];
  run: (token: string | undefined, who: Identity) => Promise<Answer>;
  /** Puts the world back after a cell that changed it (only successful cells change anything). */
  restore?: () => Promise<void>;
}

// Column order: none, malformed, signedOut, unsigned, stranger, noProject, projectMember, admin, owner, removed.
const NO_AUTH = [401, 401, 401, 401] as const;
const ANY_USER = (ok: number) => [...NO_AUTH, ok, ok, ok, ok, ok, ok];
const ORG_READ = [...NO_AUTH, 404, 200, 200, 200, 200, 404];
const ORG_ADMIN = (ok: number) => [...NO_AUTH, 404, 403, 403, ok, ok, 404];
const PROJECT_READ = [...NO_AUTH, 404, 404, 200, 200, 200, 404];
const PROJECT_MANAGE = (ok: number) => [...NO_AUTH, 404, 404, 403, ok, ok, 404];

const o = () => `/api/orgs/${world.orgA}`;
const p = () => `${o()}/projects/${world.projectP}`;
const asOwner = () => world.users.owner.token;

const ROUTES: Route[] = [
  { name: 'GET /api/health', expect: [200, 200, 200, 200, 200, 200, 200, 200, 200, 200], run: (t) => send('GET', '/api/health', t) },
  { name: 'GET /api/me', expect: ANY_USER(200), run: (t) => send('GET', '/api/me', t) },
  { name: 'GET /api/orgs', expect: ANY_USER(200), run: (t) => send('GET', '/api/orgs', t) },
  { name: 'POST /api/orgs', expect: ANY_USER(201), run: (t) => send('POST', '/api/orgs', t, { name: 'Own new org' }) },
  { name: 'PATCH /api/orgs/:orgId', expect: ORG_ADMIN(200), run: (t) => send('PATCH', o(), t, { name: `${MARK.org} renamed` }) },
  { name: 'GET /api/orgs/:orgId/members', expect: ORG_READ, run: (t) => send('GET', `${o()}/members`, t) },
  {
    name: 'POST /api/orgs/:orgId/members',
    expect: ORG_ADMIN(201),
    run: (t) => send('POST', `${o()}/members`, t, { userId: world.users.candidate.id, role: 'member' }),
    restore: async () => void (await send('DELETE', `${o()}/members/${world.users.candidate.id}`, asOwner())),
  },
  { name: 'PATCH /api/orgs/:orgId/members/:userId', expect: ORG_ADMIN(200), run: (t) => send('PATCH', `${o()}/members/${world.users.spare.id}`, t, { role: 'member' }) },
  {
    name: 'DELETE /api/orgs/:orgId/members/:userId',
    expect: ORG_ADMIN(200),
    run: (t) => send('DELETE', `${o()}/members/${world.users.spare.id}`, t),
    restore: async () => void (await send('POST', `${o()}/members`, asOwner(), { userId: world.users.spare.id, role: 'member' })),
  },
  { name: 'GET /api/orgs/:orgId/projects', expect: ORG_READ, run: (t) => send('GET', `${o()}/projects`, t) },
  { name: 'POST /api/orgs/:orgId/projects', expect: [...NO_AUTH, 404, 201, 201, 201, 201, 404], run: (t) => send('POST', `${o()}/projects`, t, { name: 'Plain' }) },
  { name: 'PATCH /api/orgs/:orgId/projects/:projectId', expect: PROJECT_READ, run: (t) => send('PATCH', p(), t, { name: `${MARK.project} renamed` }) },
  {
    // Each cell deletes its own project (owned by the org owner, with the project member in it).
    name: 'DELETE /api/orgs/:orgId/projects/:projectId',
    expect: PROJECT_MANAGE(200),
    run: async (t) => {
      const doomed = await createProject(world.users.owner, world.orgA, `${MARK.project} doomed`);
      await send('POST', `${o()}/projects/${doomed.id}/members`, asOwner(), { userId: world.users.projectMember.id, role: 'member' });
      return send('DELETE', `${o()}/projects/${doomed.id}`, t);
    },
  },
  { name: 'GET /api/orgs/:orgId/project-members', expect: ORG_READ, run: (t) => send('GET', `${o()}/project-members`, t) },
  { name: 'GET /api/orgs/:orgId/projects/:projectId/members', expect: PROJECT_READ, run: (t) => send('GET', `${p()}/members`, t) },
  {
    name: 'POST /api/orgs/:orgId/projects/:projectId/members',
    expect: PROJECT_MANAGE(201),
    run: (t) => send('POST', `${p()}/members`, t, { userId: world.users.spare.id, role: 'member' }),
    restore: async () => void (await send('DELETE', `${p()}/members/${world.users.spare.id}`, asOwner())),
  },
  {
    name: 'PATCH /api/orgs/:orgId/projects/:projectId/members/:userId',
    expect: PROJECT_MANAGE(200),
    run: (t) => send('PATCH', `${p()}/members/${world.users.projectMember.id}`, t, { role: 'member' }),
  },
  {
    name: 'DELETE /api/orgs/:orgId/projects/:projectId/members/:userId',
    expect: PROJECT_MANAGE(200),
    run: (t) => send('DELETE', `${p()}/members/${world.users.projectSpare.id}`, t),
    restore: async () => void (await send('POST', `${p()}/members`, asOwner(), { userId: world.users.projectSpare.id, role: 'member' })),
  },
  { name: 'GET /api/settings', expect: ANY_USER(200), run: (t) => send('GET', '/api/settings', t) },
  { name: 'PUT /api/settings/:key', expect: ANY_USER(200), run: (t) => send('PUT', '/api/settings/theme', t, { value: 'dark' }) },
  { name: 'PATCH /api/settings', expect: ANY_USER(200), run: (t) => send('PATCH', '/api/settings', t, { entries: [] }) },
  { name: 'GET /api/orgs/:orgId/settings', expect: ORG_READ, run: (t) => send('GET', `${o()}/settings`, t) },
  { name: 'PUT /api/orgs/:orgId/settings/:key', expect: ORG_ADMIN(200), run: (t) => send('PUT', `${o()}/settings/custom.secret`, t, { value: `${MARK.orgSetting} put` }) },
  { name: 'PATCH /api/orgs/:orgId/settings', expect: ORG_ADMIN(200), run: (t) => send('PATCH', `${o()}/settings`, t, { entries: [] }) },
  { name: 'GET /api/live?scope=org:<orgId> (upgrade)', expect: [...NO_AUTH, 404, 101, 101, 101, 101, 404], run: (t) => upgrade(`org:${world.orgA}`, t) },
  { name: 'GET /api/live?scope=user (upgrade)', expect: ANY_USER(101), run: (t) => upgrade('user', t) },
  { name: 'GET /api/orgs/:orgId/unknown', expect: [...NO_AUTH, 404, 404, 404, 404, 404, 404], run: (t) => send('GET', `${o()}/unknown`, t) },
];

const CELLS = ROUTES.flatMap((route) => IDENTITIES.map((who, i) => ({ route, who, status: route.expect[i] as number })));

async function signInAgain(user: TestUser): Promise<string> {
  const res = await callApp('/api/auth/sign-in/email', { method: 'POST', body: { email: user.email, password: 'correct horse battery' } });
  expect(res.status).toBe(200);
  return res.headers.get('set-auth-token') as string;
}

beforeAll(async () => {
  const names = ['owner', 'admin', 'noProject', 'projectMember', 'removed', 'stranger', 'spare', 'candidate', 'projectSpare'] as const;
  const signed = await Promise.all(names.map((n) => signUp(n)));
  const users = Object.fromEntries(names.map((n, i) => [n, signed[i]])) as World['users'];
  const { owner, stranger } = users;

  const orgA = (await createOrg(owner, `${MARK.org} Lab`)).id;
  await addOrgMember(owner, orgA, users.admin, 'admin');
  for (const u of [users.noProject, users.projectMember, users.removed, users.spare, users.projectSpare]) await addOrgMember(owner, orgA, u);
  const created = await callApp(`/api/orgs/${orgA}/projects`, {
    method: 'POST',
    token: owner.token,
    body: { name: `${MARK.project} Trial`, description: `${MARK.projectDescription} protocol` },
  });
  expect(created.status).toBe(201);
  const projectP = created.body.id as string;
  for (const u of [users.projectMember, users.removed, users.projectSpare]) {
    expect((await callApp(`/api/orgs/${orgA}/projects/${projectP}/members`, { method: 'POST', token: owner.token, body: { userId: u.id, role: 'member' } })).status).toBe(201);
  }
  expect((await callApp(`/api/orgs/${orgA}/settings/custom.secret`, { method: 'PUT', token: owner.token, body: { value: `${MARK.orgSetting} v1` } })).status).toBe(200);
  expect((await callApp('/api/settings/custom.private', { method: 'PUT', token: owner.token, body: { value: `${MARK.userSetting} v1` } })).status).toBe(200);
  expect((await callApp(`/api/orgs/${orgA}/members/${users.removed.id}`, { method: 'DELETE', token: owner.token })).status).toBe(200);

  const orgB = (await createOrg(stranger, `${MARK.otherTenant} Org`)).id;
  await createProject(stranger, orgB, `${MARK.otherTenant} project`);
  expect((await callApp(`/api/orgs/${orgB}/settings/custom.secret`, { method: 'PUT', token: stranger.token, body: { value: MARK.otherTenant } })).status).toBe(200);
  expect((await callApp('/api/settings/custom.private', { method: 'PUT', token: stranger.token, body: { value: MARK.otherTenant } })).status).toBe(200);

  // The owner's second session, signed out; and the owner's live session token without its signature.
  const signedOut = await signInAgain(owner);
  expect((await callApp('/api/auth/sign-out', { method: 'POST', token: signedOut, body: {} })).status).toBe(200);
  const unsigned = decodeURIComponent(owner.token).split('.')[0] as string;
  expect(unsigned.length).toBeGreaterThan(0);

  world = {
    users,
    orgA,
    projectP,
    orgB,
    tokens: {
      none: undefined,
      malformed: 'not-a-token',
      signedOut,
      unsigned,
      stranger: stranger.token,
      noProject: users.noProject.token,
      projectMember: users.projectMember.token,
      admin: users.admin.token,
      owner: owner.token,
      removed: users.removed.token,
    },
  };
}, 180_000);

describe('isolation matrix: every route x every caller', () => {
  it('the table names every identity once per route', () => {
    for (const route of ROUTES) expect(route.expect, route.name).toHaveLength(IDENTITIES.length);
  });

  it.each(CELLS.map((c) => [c.route.name, c.who, c.status, c] as const))('%s as %s -> %i', async (_name, who, status, cell) => {
    const answer = await cell.route.run(world.tokens[who], who);
    const what = `${cell.route.name} as ${who}`;
    expect(answer.status, `${what}: ${answer.text.slice(0, 300)}`).toBe(status);
    if (status >= 400) {
      const parsed = errorBodySchema.safeParse(JSON.parse(answer.text));
      expect(parsed.success, `${what}: not the error body: ${answer.text.slice(0, 300)}`).toBe(true);
      expect(parsed.data?.statusCode).toBe(status);
      if (status === 401) expect(parsed.data?.code).toBe('AUTH_REQUIRED');
      if (status === 403) expect(parsed.data?.code).toBe('AUTH_FORBIDDEN');
    }
    expectNoForeignMarkers(who, answer.text, what);
    if (status < 300 && cell.route.restore) await cell.route.restore();
  });
});

describe('isolation beyond single requests', () => {
  it('a plain member changes no role, neither another member’s nor their own to admin: 403 AUTH_FORBIDDEN, roles unchanged', async () => {
    const { noProject, projectMember } = world.users;
    for (const target of [projectMember, noProject]) {
      const res = await callApp(`/api/orgs/${world.orgA}/members/${target.id}`, { method: 'PATCH', token: noProject.token, body: { role: 'admin' } });
      expectError(res, 'AUTH_FORBIDDEN', 403);
    }
    const members = await pullAll(`/api/orgs/${world.orgA}/members`, asOwner());
    const role = (u: TestUser) => members.items.find((m) => m.userId === u.id)?.role;
    expect([role(noProject), role(projectMember)]).toEqual(['member', 'member']);
  });

  it('replaying another user’s Idempotency-Key never replays their response, for any caller', async () => {
    const key = `iso-${crypto.randomUUID()}`;
    const id = crypto.randomUUID();
    const body = { id, name: `${MARK.project} keyed`, description: MARK.projectDescription };
    const path = `/api/orgs/${world.orgA}/projects`;
    const first = await send('POST', path, asOwner(), body, { 'Idempotency-Key': key });
    expect(first.status).toBe(201);
    // The same method, path, body and key from every other caller: their own answer, never the owner's stored one.
    const expected: Partial<Record<Identity, number>> = { none: 401, malformed: 401, signedOut: 401, unsigned: 401, stranger: 404, noProject: 409, projectMember: 409, admin: 409, removed: 404 };
    for (const [who, status] of Object.entries(expected) as [Identity, number][]) {
      const res = await send('POST', path, world.tokens[who], body, { 'Idempotency-Key': key });
      expect(res.status, `${who}: ${res.text.slice(0, 200)}`).toBe(status);
      expect(res.replayed, who).toBe(false);
      expect(res.text).not.toBe(first.text);
      expectNoForeignMarkers(who, res.text, `${who}'s POST with the owner's key`);
    }
    const replay = await send('POST', path, asOwner(), body, { 'Idempotency-Key': key });
    expect(replay.replayed).toBe(true);
    expect(replay.text).toBe(first.text);
  });

  it('delta reads with cursors across tombstones show each caller only what they may see', async () => {
    const { owner, noProject, projectMember, removed, stranger } = world.users;
    const readers: [Identity, TestUser][] = [['noProject', noProject], ['projectMember', projectMember], ['stranger', stranger]];
    const collections = (orgId: string) => ['/api/orgs', `/api/orgs/${orgId}/projects`, `/api/orgs/${orgId}/project-members`, `/api/orgs/${orgId}/members`, `/api/orgs/${orgId}/settings`];
    const start = new Map<string, string>();
    for (const [who, user] of readers) {
      const orgId = who === 'stranger' ? world.orgB : world.orgA;
      for (const path of collections(orgId)) start.set(`${who} ${path}`, (await pullAll(path, user.token)).cursor);
    }
    // A project the plain member never saw is created, renamed and deleted; a membership of P is added and revoked.
    const hidden = await createProject(owner, world.orgA, `${MARK.project} hidden`);
    await send('PATCH', `/api/orgs/${world.orgA}/projects/${hidden.id}`, owner.token, { name: `${MARK.project} hidden 2`, description: MARK.projectDescription });
    await send('DELETE', `/api/orgs/${world.orgA}/projects/${hidden.id}`, owner.token);
    await send('DELETE', `${p()}/members/${world.users.projectSpare.id}`, owner.token);
    await send('POST', `${p()}/members`, owner.token, { userId: world.users.projectSpare.id, role: 'member' });
    for (const [who, user] of readers) {
      const orgId = who === 'stranger' ? world.orgB : world.orgA;
      for (const path of collections(orgId)) {
        const delta = await pullAll(path, user.token, start.get(`${who} ${path}`));
        const text = JSON.stringify(delta.items);
        expectNoForeignMarkers(who, text, `${path} delta`);
        // Nobody here was ever in the hidden project; only the project member was ever in P.
        expect(text, `${who} ${path}`).not.toContain(hidden.id);
        if (who !== 'projectMember') expect(text, `${who} ${path}`).not.toContain(world.projectP);
      }
    }
    // The removed member's orgs delta from scratch: org A only as a tombstone (no name, no role, no heads).
    const mine = await pullAll('/api/orgs', removed.token);
    const tomb = mine.items.find((i) => i.id === world.orgA);
    expect(tomb?.deletedAt).toEqual(expect.any(Number));
    expect(Object.keys(tomb ?? {}).sort()).toEqual(['deletedAt', 'id', 'updatedAt']);
    expectNoForeignMarkers('removed', JSON.stringify(mine.items), 'orgs from scratch');
  });

  it('a cursor of one org’s collection is refused on another org’s, and a forged one reveals nothing', async () => {
    const { stranger } = world.users;
    const aCursor = (await pullAll(`/api/orgs/${world.orgA}/projects`, asOwner())).cursor;
    const res = await callApp(`/api/orgs/${world.orgB}/projects?cursor=${encodeURIComponent(aCursor)}`, { token: stranger.token });
    expectError(res, 'CURSOR_INVALID', 400);
    // A cursor forged for org A's tag, from the start of time, used by the stranger on org A: still 404.
    const forged = btoa(JSON.stringify({ v: 1, t: `projects:${world.orgA}`, s: 0, k: '', i: Date.now(), e: 1e12 })).replace(/=+$/, '');
    const outside = await callApp(`/api/orgs/${world.orgA}/projects?cursor=${forged}`, { token: stranger.token });
    expectError(outside, 'ORG_NOT_FOUND', 404);
    expectNoForeignMarkers('stranger', JSON.stringify(outside.body), 'forged cursor');
  });
});
