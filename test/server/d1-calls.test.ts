import { createExecutionContext, env, waitOnExecutionContext } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import { drizzle } from 'drizzle-orm/d1';
import { app } from '../../server/app.js';
import * as schema from '../../server/db/schema.js';
import { purgeExpired } from '../../server/scheduled/purge.js';
import { formatHlc } from '../../shared/index.js';
import { ORIGIN, addOrgMember, createOrg, createProject, signUp, type TestUser } from './helpers.js';

/**
 * What one request costs in D1, pinned per route: round trips (a statement run alone or one batch: each waits
 * for D1) and statements. Counted the way the bench's probe Worker counts (bench/suites/server-probe-worker.mts):
 * a Proxy over the D1 binding the app gets, Better Auth's session lookup included. A refactor of the storage
 * layer must leave these as they are; a change that means to alter them changes the figures here and says why.
 */
interface D1Cost {
  trips: number;
  statements: number;
}

const counted: D1Cost = { trips: 0, statements: 0 };

function countingStatement(statement: D1PreparedStatement, inner: WeakMap<object, D1PreparedStatement>): D1PreparedStatement {
  const wrapped = new Proxy(statement, {
    get(target, prop) {
      if (prop === 'bind') return (...values: unknown[]) => countingStatement(target.bind(...values), inner);
      if (prop === 'run' || prop === 'all' || prop === 'first' || prop === 'raw') {
        return (...args: unknown[]) => {
          counted.trips++;
          counted.statements++;
          return (target[prop] as (...a: unknown[]) => Promise<unknown>).apply(target, args);
        };
      }
      const value = Reflect.get(target, prop, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  inner.set(wrapped, statement);
  return wrapped;
}

function countingD1(db: D1Database): D1Database {
  const inner = new WeakMap<object, D1PreparedStatement>();
  return new Proxy(db, {
    get(target, prop) {
      if (prop === 'prepare') return (query: string) => countingStatement(target.prepare(query), inner);
      if (prop === 'batch') {
        return (statements: D1PreparedStatement[]) => {
          counted.trips++;
          counted.statements += statements.length;
          return target.batch(statements.map((s) => inner.get(s) ?? s));
        };
      }
      if (prop === 'exec') throw new Error('exec is not expected on the request path');
      const value = Reflect.get(target, prop, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

// One env object per storage mode for the whole file: the app caches its Better Auth per env object (createAuthCache).
const countingEnv = { ...env, DB: countingD1(env.DB) };
const countingOrgEnv = { ...countingEnv, SYNC_STORAGE: 'org-objects' };

/** Sends one request through the app on the counting binding; answers its status and what it cost in D1. */
async function cost(
  user: TestUser,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
  on: typeof countingEnv = countingEnv,
): Promise<{ status: number; body: any } & D1Cost> {
  const init: RequestInit = { method, headers: { origin: ORIGIN, authorization: `Bearer ${user.token}`, ...headers } };
  if (body !== undefined) {
    init.body = JSON.stringify(body);
    (init.headers as Record<string, string>)['content-type'] = 'application/json';
  }
  const ctx = createExecutionContext();
  Object.assign(counted, { trips: 0, statements: 0 });
  const res = await app.fetch(new Request(`${ORIGIN}/api${path}`, init), on, ctx);
  await waitOnExecutionContext(ctx);
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null, ...counted };
}

describe('D1 calls per request', () => {
  let owner: TestUser;
  let member: TestUser;
  let joiner: TestUser;
  let orgId: string;
  let projectId: string;

  beforeAll(async () => {
    [owner, member, joiner] = await Promise.all([signUp('Own'), signUp('Mem'), signUp('Join')]);
    orgId = (await createOrg(owner)).id;
    await addOrgMember(owner, orgId, member);
    projectId = (await createProject(owner, orgId)).id;
  });

  it('reads', async () => {
    const orgs = await cost(owner, 'GET', '/orgs');
    const projects = await cost(owner, 'GET', `/orgs/${orgId}/projects`);
    const projectsDelta = await cost(owner, 'GET', `/orgs/${orgId}/projects?cursor=${projects.body.nextCursor}`);
    const orgProjectMembers = await cost(owner, 'GET', `/orgs/${orgId}/project-members`);
    const figures = {
      me: await cost(owner, 'GET', '/me'),
      orgs,
      orgMembers: await cost(owner, 'GET', `/orgs/${orgId}/members`),
      projects,
      projectsDelta,
      projectMembers: await cost(owner, 'GET', `/orgs/${orgId}/projects/${projectId}/members`),
      orgProjectMembers,
      orgProjectMembersDelta: await cost(owner, 'GET', `/orgs/${orgId}/project-members?cursor=${orgProjectMembers.body.nextCursor}`),
      userSettings: await cost(owner, 'GET', '/settings'),
      orgSettings: await cost(owner, 'GET', `/orgs/${orgId}/settings`),
    };
    expect(summary(figures)).toEqual({
      me: '200 1/1',
      orgs: '200 3/4',
      orgMembers: '200 4/5',
      projects: '200 4/5',
      // A projects cursor re-reads the meta for its membership epoch (CursorExpiry).
      projectsDelta: '200 5/6',
      projectMembers: '200 5/6',
      orgProjectMembers: '200 4/5',
      orgProjectMembersDelta: '200 4/6',
      userSettings: '200 3/4',
      orgSettings: '200 4/5',
    });
  });

  it('writes, with and without an Idempotency-Key, and their replays', async () => {
    const key = (name: string) => ({ 'Idempotency-Key': `${name}-${crypto.randomUUID()}` });
    const projectKey = key('project');
    const newProject = { id: crypto.randomUUID(), name: 'Counted' };
    const mergeKey = key('merge');
    const merge = { entries: [{ key: 'custom.a', value: 1, hlc: formatHlc({ ms: Date.now(), counter: 0, node: 'aaaaaaaaaaaaaaaa' }) }] };
    const figures = {
      createOrg: await cost(owner, 'POST', '/orgs', { name: 'Plain' }),
      createOrgKeyed: await cost(owner, 'POST', '/orgs', { name: 'Keyed' }, key('org')),
      renameOrg: await cost(owner, 'PATCH', `/orgs/${orgId}`, { name: 'Renamed' }),
      addOrgMember: await cost(owner, 'POST', `/orgs/${orgId}/members`, { userId: joiner.id, role: 'member' }),
      updateOrgMember: await cost(owner, 'PATCH', `/orgs/${orgId}/members/${joiner.id}`, { role: 'admin' }),
      createProjectKeyed: await cost(owner, 'POST', `/orgs/${orgId}/projects`, newProject, projectKey),
      createProjectReplay: await cost(owner, 'POST', `/orgs/${orgId}/projects`, newProject, projectKey),
      createProjectTaken: await cost(owner, 'POST', `/orgs/${orgId}/projects`, newProject, key('taken')),
      renameProjectKeyed: await cost(owner, 'PATCH', `/orgs/${orgId}/projects/${newProject.id}`, { name: 'Again' }, key('rename')),
      renameProjectStale: await cost(owner, 'PATCH', `/orgs/${orgId}/projects/${newProject.id}`, { name: 'Stale' }, { 'If-Match': '"1"' }),
      addProjectMember: await cost(owner, 'POST', `/orgs/${orgId}/projects/${newProject.id}/members`, { userId: member.id, role: 'member' }),
      updateProjectMember: await cost(owner, 'PATCH', `/orgs/${orgId}/projects/${newProject.id}/members/${member.id}`, { role: 'owner' }),
      removeProjectMember: await cost(owner, 'DELETE', `/orgs/${orgId}/projects/${newProject.id}/members/${member.id}`),
      deleteProject: await cost(owner, 'DELETE', `/orgs/${orgId}/projects/${newProject.id}`),
      putUserSetting: await cost(owner, 'PUT', '/settings/custom.put', { value: 'x' }),
      mergeUserSettingsKeyed: await cost(owner, 'PATCH', '/settings', merge, mergeKey),
      mergeUserSettingsReplay: await cost(owner, 'PATCH', '/settings', merge, mergeKey),
      putOrgSetting: await cost(owner, 'PUT', `/orgs/${orgId}/settings/custom.put`, { value: 'x' }),
      mergeOrgSettings: await cost(owner, 'PATCH', `/orgs/${orgId}/settings`, merge),
      removeOrgMember: await cost(owner, 'DELETE', `/orgs/${orgId}/members/${joiner.id}`),
    };
    expect(summary(figures)).toEqual({
      createOrg: '201 3/7',
      createOrgKeyed: '201 4/11',
      renameOrg: '200 3/5',
      addOrgMember: '201 5/8',
      updateOrgMember: '200 4/7',
      createProjectKeyed: '201 5/12',
      createProjectReplay: '201 2/3',
      // A keyed 4xx is stored after the handler: one more round trip.
      createProjectTaken: '409 5/6',
      renameProjectKeyed: '200 5/11',
      renameProjectStale: '412 4/4',
      addProjectMember: '201 7/10',
      updateProjectMember: '200 5/8',
      removeProjectMember: '200 5/8',
      deleteProject: '200 4/7',
      putUserSetting: '200 4/7',
      mergeUserSettingsKeyed: '200 5/14',
      mergeUserSettingsReplay: '200 2/3',
      putOrgSetting: '200 5/9',
      mergeOrgSettings: '200 5/12',
      removeOrgMember: '200 4/8',
    });
  });

  it('the cron purge', async () => {
    Object.assign(counted, { trips: 0, statements: 0 });
    await purgeExpired(drizzle(countingEnv.DB, { schema }), Date.now());
    expect({ ...counted }).toEqual({ trips: 1, statements: 5 });
  });
});

describe('D1 calls per request, org-objects storage (the Worker\'s own: an object\'s directory deliveries are its own, on its own binding)', () => {
  let owner: TestUser;
  let member: TestUser;
  let orgId: string;
  const inOrgs = (user: TestUser, method: string, path: string, body?: unknown, headers: Record<string, string> = {}) =>
    cost(user, method, path, body, headers, countingOrgEnv);

  beforeAll(async () => {
    [owner, member] = await Promise.all([signUp('Own'), signUp('Mem')]);
    orgId = (await inOrgs(owner, 'POST', '/orgs', { name: 'Objects' })).body.id;
  });

  it('an org write or read costs the session lookup alone; a replay the same; the directory is read for the org list and new members', async () => {
    const key = { 'Idempotency-Key': crypto.randomUUID() };
    const newProject = { id: crypto.randomUUID(), name: 'Counted' };
    const merge = { entries: [{ key: 'appraisal.blindReview', value: true, hlc: formatHlc({ ms: Date.now(), counter: 0, node: 'aaaaaaaaaaaaaaaa' }) }] };
    const figures = {
      createOrg: await inOrgs(owner, 'POST', '/orgs', { name: 'Plain' }),
      createProjectKeyed: await inOrgs(owner, 'POST', `/orgs/${orgId}/projects`, newProject, key),
      createProjectReplay: await inOrgs(owner, 'POST', `/orgs/${orgId}/projects`, newProject, key),
      renameProject: await inOrgs(owner, 'PATCH', `/orgs/${orgId}/projects/${newProject.id}`, { name: 'Again' }),
      mergeOrgSettings: await inOrgs(owner, 'PATCH', `/orgs/${orgId}/settings`, merge),
      projects: await inOrgs(owner, 'GET', `/orgs/${orgId}/projects`),
      orgs: await inOrgs(owner, 'GET', '/orgs'),
      addOrgMember: await inOrgs(owner, 'POST', `/orgs/${orgId}/members`, { userId: member.id, role: 'member' }),
      stranger: await inOrgs(member, 'GET', `/orgs/${crypto.randomUUID()}/projects`),
    };
    expect(summary(figures)).toEqual({
      // The session, and the check that no D1-resident org has the id (the object then writes the directory).
      createOrg: '201 2/2',
      createProjectKeyed: '201 1/1',
      createProjectReplay: '201 1/1',
      renameProject: '200 1/1',
      mergeOrgSettings: '200 1/1',
      projects: '200 1/1',
      // The same query as d1 storage, on the directory.
      orgs: '200 3/4',
      // The session, and the new member found in the directory.
      addOrgMember: '201 2/2',
      // An org id this instance has not seen in an object: the directory is asked where it is (org-route.ts).
      // An org created or seen in its object is remembered, so its requests above cost the session alone.
      stranger: '404 2/2',
    });
  });
});

/** `status trips/statements` per request: one line each, so a changed figure reads at a glance. */
function summary(figures: Record<string, { status: number } & D1Cost>): Record<string, string> {
  return Object.fromEntries(Object.entries(figures).map(([name, f]) => [name, `${f.status} ${f.trips}/${f.statements}`]));
}
