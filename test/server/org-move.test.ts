import { env, runInDurableObject } from 'cloudflare:test';
import { drizzle } from 'drizzle-orm/d1';
import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import * as schema from '../../server/db/schema.js';
import type { Db } from '../../server/env.js';
import { HttpError } from '../../server/http/http-error.js';
import { d1SqlStore } from '../../server/store/d1-sql-store.js';
import { commitMutation } from '../../server/sync/commit.js';
import { ORIGIN, addOrgMember, call, count, createOrg, createProject, expectError, fetchWithBindings, pullAll, signUp, type CallOptions } from './helpers.js';

/**
 * Orgs created before org-objects storage (in D1) under org-objects storage: served from D1 where they are,
 * and moved into their objects by the operator route (issue 19 item 4).
 */

const ADMIN = 'admin-token-for-tests-only';
const ORG_MODE = { SYNC_STORAGE: 'org-objects', SYNC_ADMIN_TOKEN: ADMIN } as const;
const inOrgs = (path: string, options: Omit<CallOptions, 'bindings'> = {}) => call(path, { ...options, bindings: ORG_MODE });
const move = (orgId: string, token: string | null = ADMIN, bindings: CallOptions['bindings'] = ORG_MODE) =>
  call(`/api/admin/orgs/${orgId}/move`, { method: 'POST', headers: token ? { authorization: `Bearer ${token}` } : {}, bindings });

const objectRows = <T = Record<string, unknown>>(orgId: string, query: string, ...params: unknown[]): Promise<T[]> =>
  runInDurableObject(env.HUB.get(env.HUB.idFromName(`org:${orgId}`)), (_hub, state) => state.storage.sql.exec(query, ...params).toArray() as T[]);
const storageOf = async (orgId: string) => (await env.DB.prepare('SELECT storage FROM orgs WHERE id = ?').bind(orgId).first<{ storage: string }>())?.storage;

/** An org as d1 storage leaves it: owner Ann, member Bob, a project with its member, an org setting. */
async function legacyOrg() {
  const [ann, bob] = await Promise.all([signUp('Ann'), signUp('Bob')]);
  const org = await createOrg(ann, 'Legacy');
  await addOrgMember(ann, org.id, bob, 'admin');
  const project = await createProject(ann, org.id, 'Old project');
  const setting = await call(`/api/orgs/${org.id}/settings/appraisal.blindReview`, { method: 'PUT', token: ann.token, body: { value: true } });
  expect(setting.status).toBe(200);
  return { ann, bob, orgId: org.id, project };
}

describe('an org in D1 under org-objects storage', () => {
  it('is served from D1 where it is, reads and writes, until it moves', async () => {
    const { ann, orgId, project } = await legacyOrg();
    expect(await storageOf(orgId)).toBe('d1');
    const page = await inOrgs(`/api/orgs/${orgId}/projects`, { token: ann.token });
    expect(page.status).toBe(200);
    expect(page.body.items.map((p: { id: string }) => p.id)).toEqual([project.id]);
    const renamed = await inOrgs(`/api/orgs/${orgId}/projects/${project.id}`, { method: 'PATCH', token: ann.token, body: { name: 'Renamed in D1' } });
    expect(renamed.status).toBe(200);
    expect(await count('projects', "id = ? AND name = 'Renamed in D1'", project.id)).toBe(1);
    // The object was never touched: an org in D1 leaves no storage in its object.
    expect(await runInDurableObject(env.HUB.get(env.HUB.idFromName(`org:${orgId}`)), (_hub, state) => state.storage.sql.exec("SELECT name FROM sqlite_master WHERE name = 'object_meta'").toArray())).toEqual([]);
  });

  it('while moving: reads come from D1, writes are answered retry (409 with a key, 429 without) and change nothing', async () => {
    const { ann, orgId, project } = await legacyOrg();
    await env.DB.prepare("UPDATE orgs SET storage = 'moving' WHERE id = ?").bind(orgId).run();
    expect((await inOrgs(`/api/orgs/${orgId}/projects`, { token: ann.token })).status).toBe(200);
    const keyed = await inOrgs(`/api/orgs/${orgId}/projects/${project.id}`, {
      method: 'PATCH',
      token: ann.token,
      body: { name: 'x' },
      headers: { 'idempotency-key': crypto.randomUUID() },
    });
    expectError(keyed, 'IDEMPOTENCY_IN_PROGRESS', 409);
    expect(keyed.headers.get('retry-after')).toBe('1');
    const unkeyed = await inOrgs(`/api/orgs/${orgId}/projects`, { method: 'POST', token: ann.token, body: { name: 'y' } });
    expectError(unkeyed, 'RATE_LIMITED', 429);
    expect(await count('projects', 'org_id = ?', orgId)).toBe(1);
    expect(await count('projects', "id = ? AND name = 'x'", project.id)).toBe(0);
  });

  it('a D1 write whose org began moving before it committed fails whole (429, nothing written)', async () => {
    const { ann, orgId } = await legacyOrg();
    await env.DB.prepare("UPDATE orgs SET storage = 'moving' WHERE id = ?").bind(orgId).run();
    const store = d1SqlStore(drizzle(env.DB, { schema }) as Db);
    const before = await count('projects', 'org_id = ?', orgId);
    const seq = (await env.DB.prepare("SELECT value FROM sync_meta WHERE name = 'seq'").first<{ value: number }>())?.value;
    const write = commitMutation(
      { store, fence: orgId },
      {
        status: 201,
        effect: [sql`INSERT INTO projects (id, org_id, name, description, created_by, created_at, updated_at, deleted_at, version, seq)
                     VALUES (${crypto.randomUUID()}, ${orgId}, 'raced', '', ${ann.id}, 0, 0, NULL, 1, 0)`],
        body: sql`'{}'`,
      },
    );
    await expect(write).rejects.toSatisfy((error) => error instanceof HttpError && error.code === 'RATE_LIMITED');
    expect(await count('projects', 'org_id = ?', orgId)).toBe(before);
    expect((await env.DB.prepare("SELECT value FROM sync_meta WHERE name = 'seq'").first<{ value: number }>())?.value).toBe(seq);
  });
});

describe('moving an org into its object (POST /api/admin/orgs/:orgId/move)', () => {
  it('is for the admin token only, and only with org-objects storage', async () => {
    const { orgId } = await legacyOrg();
    expectError(await move(orgId, null), 'AUTH_REQUIRED', 401);
    expectError(await move(orgId, 'wrong'), 'AUTH_REQUIRED', 401);
    expectError(await move(orgId, ADMIN, { SYNC_STORAGE: 'org-objects' }), 'NOT_FOUND', 404);
    expectError(await move(orgId, ADMIN, { SYNC_ADMIN_TOKEN: ADMIN }), 'VALIDATION_FAILED', 400);
    expectError(await move(crypto.randomUUID()), 'ORG_NOT_FOUND', 404);
    expect(await storageOf(orgId)).toBe('d1');
  });

  it('copies every row, flips the directory, and the org goes on in its object: same data, old cursors 410, a retried key replayed', async () => {
    const { ann, bob, orgId, project } = await legacyOrg();
    // A keyed write answered before the move: the client lost the answer and retries after it.
    const key = { 'idempotency-key': crypto.randomUUID() };
    const keyedBody = { id: crypto.randomUUID(), name: 'Answered before the move' };
    const answered = await inOrgs(`/api/orgs/${orgId}/projects`, { method: 'POST', token: ann.token, body: keyedBody, headers: key });
    expect(answered.status).toBe(201);
    const projectsBefore = await pullAll(`/api/orgs/${orgId}/projects`, ann.token);
    const membersBefore = await pullAll(`/api/orgs/${orgId}/members`, ann.token);
    const orgsBefore = await inOrgs('/api/orgs', { token: bob.token });

    const moved = await move(orgId);
    expect(moved.status, JSON.stringify(moved.body)).toBe(200);
    expect(moved.body.result).toBe('moved');
    expect(moved.body.copied).toMatchObject({ orgs: 1, org_members: 2, projects: 2, settings: 1, idempotency_keys: 1 });
    expect(await storageOf(orgId)).toBe('object');

    // The same rows, now from the object; a cursor D1 issued is from another sequence: 410, then a resync.
    expectError(await inOrgs(`/api/orgs/${orgId}/projects?cursor=${encodeURIComponent(projectsBefore.cursor)}`, { token: ann.token }), 'CURSOR_EXPIRED', 410);
    const projectsAfter = await pullAll(`/api/orgs/${orgId}/projects`, ann.token);
    expect(projectsAfter.items).toEqual(projectsBefore.items);
    expect((await pullAll(`/api/orgs/${orgId}/members`, ann.token)).items).toEqual(membersBefore.items);
    const settings = await inOrgs(`/api/orgs/${orgId}/settings`, { token: bob.token });
    expect(settings.body.items).toEqual([expect.objectContaining({ key: 'appraisal.blindReview', value: true })]);
    // Every member's org list brings the org back with every head moved, so their clients pull each collection.
    const orgsAfter = await inOrgs(`/api/orgs?cursor=${encodeURIComponent(orgsBefore.body.nextCursor)}`, { token: bob.token });
    const listed = orgsAfter.body.items.find((o: { id: string }) => o.id === orgId);
    const old = orgsBefore.body.items.find((o: { id: string }) => o.id === orgId);
    for (const head of ['members', 'projects', 'settings', 'projectMembers']) expect(listed.heads[head]).toBeGreaterThan(old.heads[head]);

    // The retried key replays the answer it got before the move; nothing is created twice.
    const retried = await inOrgs(`/api/orgs/${orgId}/projects`, { method: 'POST', token: ann.token, body: keyedBody, headers: key });
    expect(retried.status).toBe(201);
    expect(retried.headers.get('idempotent-replayed')).toBe('true');
    expect(retried.body).toEqual(answered.body);

    // New writes land in the object, none in D1.
    const renamed = await inOrgs(`/api/orgs/${orgId}/projects/${project.id}`, { method: 'PATCH', token: bob.token, body: { name: 'In the object' } });
    expect(renamed.status, JSON.stringify(renamed.body)).toBe(200);
    expect(await objectRows(orgId, 'SELECT name FROM projects WHERE id = ?', project.id)).toEqual([{ name: 'In the object' }]);
    expect(await count('projects', "id = ? AND name = 'In the object'", project.id)).toBe(0);
    // The object's sequence goes on above D1's: every position it issues is past every one copied.
    const [{ seq: objectSeq } = { seq: 0 }] = await objectRows<{ seq: number }>(orgId, "SELECT value AS seq FROM sync_meta WHERE name = 'seq'");
    const maxCopied = Math.max(...projectsBefore.items.map((p: { version: number }) => p.version));
    expect(objectSeq).toBeGreaterThan(maxCopied);

    // Moving again finishes nothing new.
    expect((await move(orgId)).body).toEqual({ result: 'already', copied: {} });
  });

  it('a move that stopped after the fence (D1 says moving, the object holds nothing) finishes when run again', async () => {
    const { ann, orgId } = await legacyOrg();
    await env.DB.prepare("UPDATE orgs SET storage = 'moving' WHERE id = ?").bind(orgId).run();
    const moved = await move(orgId);
    expect(moved.body.result).toBe('moved');
    expect(await storageOf(orgId)).toBe('object');
    expect((await inOrgs(`/api/orgs/${orgId}/projects`, { token: ann.token })).body.items).toHaveLength(1);
  });
});

describe('live sockets of an org in D1 under org-objects storage', () => {
  /** A WebSocket upgrade through the app with org-objects storage; answers the response (101 with its socket). */
  const upgrade = (orgId: string, token: string) =>
    fetchWithBindings(
      new Request(`${ORIGIN}/api/live?scope=${encodeURIComponent(`org:${orgId}`)}`, {
        headers: { origin: ORIGIN, upgrade: 'websocket', 'sec-websocket-protocol': `bearer.${encodeURIComponent(token)}` },
      }),
      ORG_MODE,
    );

  it('connect to the org hub as in d1 storage (checked against D1), get pokes for its D1 writes, and connect to its object once moved', async () => {
    const { ann, bob, orgId, project } = await legacyOrg();
    const res = await upgrade(orgId, bob.token);
    expect(res.status).toBe(101);
    const ws = res.webSocket as WebSocket;
    const messages: unknown[] = [];
    ws.addEventListener('message', (e) => messages.push(JSON.parse(String(e.data))));
    ws.accept();
    const renamed = await inOrgs(`/api/orgs/${orgId}/projects/${project.id}`, { method: 'PATCH', token: ann.token, body: { name: 'Poked' } });
    expect(renamed.status).toBe(200);
    for (let i = 0; i < 100 && messages.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(messages[0]).toMatchObject({ type: 'poke', scope: `org:${orgId}` });
    // A stranger is refused as in d1 storage.
    const eve = await signUp('Eve');
    const refused = await upgrade(orgId, eve.token);
    expectError({ status: refused.status, body: await refused.json() }, 'ORG_NOT_FOUND', 404);
    ws.close(1000, 'done');

    expect((await move(orgId)).body.result).toBe('moved');
    const after = await upgrade(orgId, bob.token);
    expect(after.status).toBe(101);
    after.webSocket?.accept();
    after.webSocket?.close(1000, 'done');
    expectError({ status: (await upgrade(orgId, eve.token)).status, body: await (await upgrade(orgId, eve.token)).json() }, 'ORG_NOT_FOUND', 404);
  });
});
