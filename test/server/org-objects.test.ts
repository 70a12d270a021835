import { abortAllDurableObjects, env, runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import type { Hub } from '../../server/live/hub.js';
import { deliverDirectory } from '../../server/store/org-object/directory-outbox.js';
import { isInitialized } from '../../server/store/org-object/migrate-org-object.js';
import { call, count, expectError, signUp, type CallOptions, type TestUser } from './helpers.js';

/**
 * `org-objects` storage (issue 19 step 6): each org's rows in its hub's Durable Object, reached over RPC from
 * the Worker, through the same routes and services as `d1`. The calls run the app with SYNC_STORAGE set (the
 * mode is per request), and the objects are read directly to show where the rows went.
 */

const hubs = (env as unknown as { HUB: DurableObjectNamespace<Hub> }).HUB;
const ORG_MODE = { SYNC_STORAGE: 'org-objects' } as const;

/** A call in org-objects mode. */
const inOrgs = (path: string, options: Omit<CallOptions, 'bindings'> = {}) => call(path, { ...options, bindings: ORG_MODE });

/** Rows of the org's object (a fresh stub per read). */
const objectRows = <T = Record<string, unknown>>(orgId: string, query: string, ...params: unknown[]): Promise<T[]> =>
  runInDurableObject(hubs.get(hubs.idFromName(`org:${orgId}`)), (_hub, state) => state.storage.sql.exec(query, ...params).toArray() as T[]);

const objectInitialized = (orgId: string) =>
  runInDurableObject(hubs.get(hubs.idFromName(`org:${orgId}`)), (_hub, state) => isInitialized(state.storage));

const fromBase64Url = (text: string) => atob(text.replace(/-/g, '+').replace(/_/g, '/'));
const toBase64Url = (text: string) => btoa(text).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');

/** The space of a cursor (its `p`; absent is d1). */
const spaceOf = (cursor: string) => (JSON.parse(fromBase64Url(cursor)) as { p?: string }).p ?? 'd1';

async function orgIn(owner: TestUser, name = 'Object lab'): Promise<string> {
  const res = await inOrgs('/api/orgs', { method: 'POST', token: owner.token, body: { name } });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.id as string;
}

describe('org-objects storage', () => {
  it("creates an org in its own object, not in D1: the object holds the org, its owner (with the owner's profile) and a cursor space", async () => {
    const ann = await signUp('Ann');
    const res = await inOrgs('/api/orgs', { method: 'POST', token: ann.token, body: { name: 'Object lab' } });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ name: 'Object lab', role: 'owner', version: 1, deletedAt: null });
    const orgId = res.body.id as string;
    // D1 holds the directory's copy of the org only (what the org list reads), marked as living in its object.
    expect(await count('orgs', "id = ? AND storage = 'object'", orgId)).toBe(1);
    expect(await objectRows(orgId, 'SELECT id, name FROM orgs')).toEqual([{ id: orgId, name: 'Object lab' }]);
    expect(await objectRows(orgId, 'SELECT user_id, role FROM org_members')).toEqual([{ user_id: ann.id, role: 'owner' }]);
    expect(await objectRows(orgId, 'SELECT id, name, email FROM user')).toEqual([{ id: ann.id, name: ann.name, email: ann.email }]);
    const [meta] = await objectRows<{ state: string; space_id: string; org_id: string }>(orgId, 'SELECT state, space_id, org_id FROM object_meta');
    expect(meta).toMatchObject({ state: 'active', org_id: orgId });
    expect(meta?.space_id.length).toBeGreaterThan(0);
  });

  it('runs project writes and pulls in the object; its cursors name the object space, and a d1 cursor there is 410', async () => {
    const ann = await signUp('Ann');
    const orgId = await orgIn(ann);
    const created = await inOrgs(`/api/orgs/${orgId}/projects`, { method: 'POST', token: ann.token, body: { name: 'Trial' } });
    expect(created.status).toBe(201);
    const renamed = await inOrgs(`/api/orgs/${orgId}/projects/${created.body.id}`, {
      method: 'PATCH',
      token: ann.token,
      body: { name: 'Trial 2' },
      headers: { 'if-match': String(created.body.version) },
    });
    expect(renamed.status, JSON.stringify(renamed.body)).toBe(200);
    expect(renamed.body).toMatchObject({ name: 'Trial 2', version: 2 });
    const stale = await inOrgs(`/api/orgs/${orgId}/projects/${created.body.id}`, {
      method: 'PATCH',
      token: ann.token,
      body: { name: 'late' },
      headers: { 'if-match': '1' },
    });
    expectError(stale, 'PRECONDITION_FAILED', 412);

    const page = await inOrgs(`/api/orgs/${orgId}/projects`, { token: ann.token });
    expect(page.status).toBe(200);
    expect(page.body.items.map((p: { name: string }) => p.name)).toEqual(['Trial 2']);
    const [meta] = await objectRows<{ space_id: string }>(orgId, 'SELECT space_id FROM object_meta');
    expect(spaceOf(page.body.nextCursor)).toBe(`o:${meta?.space_id}`);
    expect(await count('projects', 'org_id = ?', orgId)).toBe(0);

    // The same position in D1's sequence (the cursor without its space, as D1 issues them, e.g. from before a
    // move): a resync, never rows read against another sequence.
    const payload = JSON.parse(fromBase64Url(page.body.nextCursor)) as Record<string, unknown>;
    delete payload.p;
    const d1Cursor = toBase64Url(JSON.stringify(payload));
    expect(spaceOf(d1Cursor)).toBe('d1');
    const foreign = await inOrgs(`/api/orgs/${orgId}/projects?cursor=${encodeURIComponent(d1Cursor)}`, { token: ann.token });
    expectError(foreign, 'CURSOR_EXPIRED', 410);
  });

  it('answers a keyed write once: a retry replays the stored answer, another body with the key is 422, and a refusal is stored too', async () => {
    const ann = await signUp('Ann');
    const orgId = await orgIn(ann);
    const key = { 'idempotency-key': crypto.randomUUID() };
    const body = { id: crypto.randomUUID(), name: 'Once' };
    const first = await inOrgs(`/api/orgs/${orgId}/projects`, { method: 'POST', token: ann.token, body, headers: key });
    expect(first.status).toBe(201);
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    const again = await inOrgs(`/api/orgs/${orgId}/projects`, { method: 'POST', token: ann.token, body, headers: key });
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body).toEqual(first.body);
    expect(await objectRows(orgId, 'SELECT COUNT(*) AS n FROM projects')).toEqual([{ n: 1 }]);
    const other = await inOrgs(`/api/orgs/${orgId}/projects`, { method: 'POST', token: ann.token, body: { name: 'Other' }, headers: key });
    expectError(other, 'IDEMPOTENCY_KEY_REUSED', 422);
    // Nothing of the key reached D1: the object keeps the record.
    expect(await count('idempotency_keys', 'key = ?', key['idempotency-key'])).toBe(0);

    const missing = `/api/orgs/${orgId}/projects/${crypto.randomUUID()}`;
    const refusalKey = { 'idempotency-key': crypto.randomUUID() };
    const refused = await inOrgs(missing, { method: 'PATCH', token: ann.token, body: { name: 'x' }, headers: refusalKey });
    const refusal = expectError(refused, 'PROJECT_NOT_FOUND', 404);
    const replayedRefusal = await inOrgs(missing, { method: 'PATCH', token: ann.token, body: { name: 'x' }, headers: refusalKey });
    expect(replayedRefusal.status).toBe(404);
    expect(replayedRefusal.headers.get('idempotent-replayed')).toBe('true');
    expect(replayedRefusal.body).toEqual(refusal);
  });

  it('a keyed POST /orgs without an id reaches the same object on a retry and replays there', async () => {
    const ann = await signUp('Ann');
    const key = { 'idempotency-key': crypto.randomUUID() };
    const first = await inOrgs('/api/orgs', { method: 'POST', token: ann.token, body: { name: 'Keyed' }, headers: key });
    expect(first.status).toBe(201);
    const again = await inOrgs('/api/orgs', { method: 'POST', token: ann.token, body: { name: 'Keyed' }, headers: key });
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body).toEqual(first.body);
    // Another user with the same key gets an org of their own.
    const bob = await signUp('Bob');
    const bobs = await inOrgs('/api/orgs', { method: 'POST', token: bob.token, body: { name: 'Keyed' }, headers: key });
    expect(bobs.status).toBe(201);
    expect(bobs.body.id).not.toBe(first.body.id);
    // An id that is taken is 409, whoever asks.
    const taken = await inOrgs('/api/orgs', { method: 'POST', token: bob.token, body: { id: first.body.id, name: 'Mine' } });
    expectError(taken, 'ALREADY_EXISTS', 409);
  });

  it('keeps each org to its members: a stranger gets 404 everywhere, and an org id nobody created leaves no storage', async () => {
    const ann = await signUp('Ann');
    const eve = await signUp('Eve');
    const orgId = await orgIn(ann);
    for (const [path, method] of [
      [`/api/orgs/${orgId}/projects`, 'GET'],
      [`/api/orgs/${orgId}/members`, 'GET'],
      [`/api/orgs/${orgId}/settings`, 'GET'],
      [`/api/orgs/${orgId}/projects`, 'POST'],
      [`/api/orgs/${orgId}`, 'PATCH'],
    ] as const) {
      const res = await inOrgs(path, { method, token: eve.token, ...(method === 'GET' ? {} : { body: { name: 'mine' } }) });
      expectError(res, 'ORG_NOT_FOUND', 404);
    }
    // Who exists is not told to a stranger: the directory's lookup goes with the op, refused after the access check.
    const unknown = { email: `nobody-${crypto.randomUUID()}@example.com`, role: 'member' };
    expectError(await inOrgs(`/api/orgs/${orgId}/members`, { method: 'POST', token: eve.token, body: unknown }), 'ORG_NOT_FOUND', 404);
    expectError(await inOrgs(`/api/orgs/${orgId}/members`, { method: 'POST', token: ann.token, body: unknown }), 'USER_NOT_FOUND', 404);
    expect(await objectRows(orgId, 'SELECT id FROM user')).toEqual([{ id: ann.id }]);
    const nobody = crypto.randomUUID();
    expectError(await inOrgs(`/api/orgs/${nobody}/projects`, { token: eve.token }), 'ORG_NOT_FOUND', 404);
    expectError(await inOrgs(`/api/orgs/${nobody}/projects`, { method: 'POST', token: eve.token, body: { name: 'x' } }), 'ORG_NOT_FOUND', 404);
    expect(await objectInitialized(nobody)).toBe(false);
  });

  it('adds a member found in the directory (its profile copied into the object), who then reads and writes there', async () => {
    const ann = await signUp('Ann');
    const bob = await signUp('Bob');
    const orgId = await orgIn(ann);
    const added = await inOrgs(`/api/orgs/${orgId}/members`, { method: 'POST', token: ann.token, body: { email: bob.email, role: 'member' } });
    expect(added.status, JSON.stringify(added.body)).toBe(201);
    expect(added.body).toMatchObject({ userId: bob.id, role: 'member', name: bob.name, email: bob.email });
    expectError(await inOrgs(`/api/orgs/${orgId}/members`, { method: 'POST', token: ann.token, body: { email: 'nobody@example.com', role: 'member' } }), 'USER_NOT_FOUND', 404);
    const members = await inOrgs(`/api/orgs/${orgId}/members`, { token: bob.token });
    expect(members.body.items.map((m: { userId: string }) => m.userId).sort()).toEqual([ann.id, bob.id].sort());
    const setting = await inOrgs(`/api/orgs/${orgId}/settings/appraisal.blindReview`, { method: 'PUT', token: bob.token, body: { value: true } });
    expectError(setting, 'AUTH_FORBIDDEN', 403);
    const asAdmin = await inOrgs(`/api/orgs/${orgId}/settings/appraisal.blindReview`, { method: 'PUT', token: ann.token, body: { value: true } });
    expect(asAdmin.status, JSON.stringify(asAdmin.body)).toBe(200);
    const settings = await inOrgs(`/api/orgs/${orgId}/settings`, { token: bob.token });
    expect(settings.body.items).toEqual([expect.objectContaining({ key: 'appraisal.blindReview', value: true })]);
    // Removed, Bob is a stranger again.
    expect((await inOrgs(`/api/orgs/${orgId}/members/${bob.id}`, { method: 'DELETE', token: ann.token })).status).toBe(200);
    expectError(await inOrgs(`/api/orgs/${orgId}/projects`, { token: bob.token }), 'ORG_NOT_FOUND', 404);
  });
});

/** The directory's copy of an org in D1 (its row and members), as GET /orgs will read it. */
async function directoryOf(orgId: string) {
  const org = await env.DB.prepare('SELECT name, storage, object_seq AS objectSeq, seq FROM orgs WHERE id = ?').bind(orgId).first<{ name: string; storage: string; objectSeq: number; seq: number }>();
  const members = (
    await env.DB.prepare('SELECT user_id AS userId, role, deleted_at AS deletedAt, seq, object_seq AS objectSeq FROM org_members WHERE org_id = ? ORDER BY user_id').bind(orgId).all<{ userId: string; role: string; deletedAt: number | null; seq: number; objectSeq: number }>()
  ).results;
  return { org, members };
}

const outboxOf = (orgId: string) => objectRows<{ seq: number; entries: string; attempts: number; last_error: string | null }>(orgId, 'SELECT seq, entries, attempts, last_error FROM outbox ORDER BY seq');
const stubOf = (orgId: string) => hubs.get(hubs.idFromName(`org:${orgId}`));

describe('org-objects storage: the directory in D1', () => {
  it('a created org and an added member are in the directory when the request is answered; the outbox is empty', async () => {
    const ann = await signUp('Ann');
    const bob = await signUp('Bob');
    const orgId = await orgIn(ann, 'Listed');
    const created = await directoryOf(orgId);
    expect(created.org).toMatchObject({ name: 'Listed', storage: 'object' });
    expect(created.org?.objectSeq).toBeGreaterThan(0);
    expect(created.members).toEqual([expect.objectContaining({ userId: ann.id, role: 'owner', deletedAt: null })]);
    expect(await outboxOf(orgId)).toEqual([]);
    await inOrgs(`/api/orgs/${orgId}/members`, { method: 'POST', token: ann.token, body: { userId: bob.id, role: 'admin' } });
    expect((await directoryOf(orgId)).members.map((m) => [m.userId, m.role]).sort()).toEqual([[ann.id, 'owner'], [bob.id, 'admin']].sort());
    expect(await outboxOf(orgId)).toEqual([]);
  });

  it('a rename and a role change are delivered before they are answered; a delivery repeated changes nothing', async () => {
    const ann = await signUp('Ann');
    const bob = await signUp('Bob');
    const orgId = await orgIn(ann, 'Before');
    await inOrgs(`/api/orgs/${orgId}/members`, { method: 'POST', token: ann.token, body: { userId: bob.id, role: 'member' } });
    expect((await inOrgs(`/api/orgs/${orgId}`, { method: 'PATCH', token: ann.token, body: { name: 'After' } })).status).toBe(200);
    expect((await inOrgs(`/api/orgs/${orgId}/members/${bob.id}`, { method: 'PATCH', token: ann.token, body: { role: 'admin' } })).status).toBe(200);
    expect(await outboxOf(orgId)).toEqual([]);
    const delivered = await directoryOf(orgId);
    expect(delivered.org?.name).toBe('After');
    expect(delivered.members.find((m) => m.userId === bob.id)?.role).toBe('admin');
    expect(await outboxOf(orgId)).toEqual([]);

    // A delivery repeated (the object died before deleting its outbox rows): D1 rows and positions stay.
    await runInDurableObject(stubOf(orgId), async (_hub, state) => {
      state.storage.sql.exec("INSERT INTO outbox (seq, entries, created_at) VALUES (1, '[\"again\"]', 0)");
      expect(await deliverDirectory(state.storage, env.DB, orgId)).toBe(1);
    });
    expect(await directoryOf(orgId)).toEqual(delivered);
    expect(await outboxOf(orgId)).toEqual([]);

    expect((await inOrgs(`/api/orgs/${orgId}/members/${bob.id}`, { method: 'DELETE', token: ann.token })).status).toBe(200);
    expect((await directoryOf(orgId)).members.find((m) => m.userId === bob.id)?.deletedAt).toBeGreaterThan(0);
  });

  it('a D1 failure keeps the rows queued (attempts counted) and never fails the write; the next delivery lands them', async () => {
    const ann = await signUp('Ann');
    const orgId = await orgIn(ann, 'Kept');
    // A change inside the org, queued for the alarm; the object's name changed behind the directory's back, as
    // a rename whose own delivery failed would leave it.
    expect((await inOrgs(`/api/orgs/${orgId}/projects`, { method: 'POST', token: ann.token, body: { name: 'P' } })).status).toBe(201);
    await runInDurableObject(stubOf(orgId), (_hub, state) => {
      state.storage.sql.exec("UPDATE orgs SET name = 'Renamed', version = version + 1");
    });
    const broken = { batch: () => Promise.reject(new Error('D1 is down')), prepare: env.DB.prepare.bind(env.DB) } as unknown as D1Database;
    await runInDurableObject(stubOf(orgId), async (_hub, state) => {
      await expect(deliverDirectory(state.storage, broken, orgId)).rejects.toThrow('D1 is down');
    });
    expect(await outboxOf(orgId)).toEqual([expect.objectContaining({ attempts: 1, last_error: 'D1 is down' })]);
    expect((await directoryOf(orgId)).org?.name).toBe('Kept');
    await runDurableObjectAlarm(stubOf(orgId));
    expect((await directoryOf(orgId)).org?.name).toBe('Renamed');
    expect(await outboxOf(orgId)).toEqual([]);
  });

  it('an older delivery never overwrites a newer one', async () => {
    const ann = await signUp('Ann');
    const orgId = await orgIn(ann, 'Newest');
    const before = await directoryOf(orgId);
    // D1 has seen a delivery from further on than the object's seq now (as if this snapshot were the older one).
    await env.DB.prepare('UPDATE orgs SET object_seq = object_seq + 1000 WHERE id = ?').bind(orgId).run();
    await env.DB.prepare('UPDATE org_members SET object_seq = object_seq + 1000 WHERE org_id = ?').bind(orgId).run();
    await runInDurableObject(stubOf(orgId), async (_hub, state) => {
      state.storage.sql.exec("UPDATE orgs SET name = 'Stale'");
      state.storage.sql.exec("INSERT INTO outbox (seq, entries, created_at) VALUES (999, '[]', 0)");
      await deliverDirectory(state.storage, env.DB, orgId);
    });
    const after = await directoryOf(orgId);
    expect(after.org?.name).toBe('Newest');
    expect(after.org?.seq).toBe(before.org?.seq);
  });

  it('moves the org\'s heads in the directory when its collections change, so GET /orgs brings the org back with the heads that moved', async () => {
    const ann = await signUp('Ann');
    const orgId = await orgIn(ann, 'Headed');
    const first = await inOrgs('/api/orgs', { token: ann.token });
    expect(first.status).toBe(200);
    const listed = first.body.items.find((o: { id: string }) => o.id === orgId);
    expect(listed).toMatchObject({ id: orgId, name: 'Headed', role: 'owner' });
    const heads = listed.heads as Record<string, number>;

    // Nothing changed: the org is not sent again.
    const idle = await inOrgs(`/api/orgs?cursor=${encodeURIComponent(first.body.nextCursor)}`, { token: ann.token });
    expect(idle.body.items).toEqual([]);

    // A project write queues a delivery; the alarm delivers it, moving the projects head only.
    expect((await inOrgs(`/api/orgs/${orgId}/projects`, { method: 'POST', token: ann.token, body: { name: 'P' } })).status).toBe(201);
    expect((await outboxOf(orgId)).map((row) => JSON.parse(row.entries))).toEqual([['heads']]);
    expect(await runDurableObjectAlarm(stubOf(orgId))).toBe(true);
    const moved = await inOrgs(`/api/orgs?cursor=${encodeURIComponent(first.body.nextCursor)}`, { token: ann.token });
    expect(moved.body.items).toHaveLength(1);
    const again = moved.body.items[0];
    expect(again.id).toBe(orgId);
    // A project's creation moves its collection and the project members (its creator is its owner), not the
    // org's members or settings.
    expect(again.heads.projects).toBeGreaterThan(heads.projects!);
    expect(again.heads.projectMembers).toBeGreaterThan(heads.projectMembers!);
    expect([again.heads.members, again.heads.settings]).toEqual([heads.members, heads.settings]);

    // Delivering with no new write moves nothing.
    await runInDurableObject(stubOf(orgId), (_hub, state) => {
      state.storage.sql.exec("INSERT INTO outbox (seq, entries, created_at) VALUES (1, '[]', 0)");
    });
    await runDurableObjectAlarm(stubOf(orgId));
    const still = await inOrgs(`/api/orgs?cursor=${encodeURIComponent(moved.body.nextCursor)}`, { token: ann.token });
    expect(still.body.items).toEqual([]);
  });
});

describe('org-objects storage: the object purges its own tables', () => {
  it('keeps its alarm set for the next purge, and the purge removes expired keys and old tombstones, raising purged_seq', async () => {
    const ann = await signUp('Ann');
    const orgId = await orgIn(ann, 'Purged');
    const project = await inOrgs(`/api/orgs/${orgId}/projects`, { method: 'POST', token: ann.token, body: { name: 'Gone' } });
    const page = await inOrgs(`/api/orgs/${orgId}/projects`, { token: ann.token });
    expect((await inOrgs(`/api/orgs/${orgId}/projects/${project.body.id}`, { method: 'DELETE', token: ann.token })).status).toBe(200);
    await runDurableObjectAlarm(stubOf(orgId)); // the delete's delivery
    // An initialized object always has its next alarm: the purge's, a retention window out.
    const alarm = await runInDurableObject(stubOf(orgId), (_hub, state) => state.storage.getAlarm());
    expect(alarm).toBeGreaterThan(Date.now() + 60_000);

    // Age the tombstone past retention and a key past its expiry, and make the purge due.
    await runInDurableObject(stubOf(orgId), async (_hub, state) => {
      state.storage.sql.exec('UPDATE projects SET deleted_at = 1 WHERE id = ?', project.body.id);
      state.storage.sql.exec(
        "INSERT INTO idempotency_keys (user_id, key, fingerprint, claim, state, status, body, created_at, locked_until, expires_at) VALUES (?, 'old', 'f', '', 'done', 200, '{}', 0, 0, 1)",
        ann.id,
      );
      await state.storage.put('nextPurgeAt', 0);
    });
    expect(await runDurableObjectAlarm(stubOf(orgId))).toBe(true);
    expect(await objectRows(orgId, 'SELECT id FROM projects')).toEqual([]);
    expect(await objectRows(orgId, "SELECT key FROM idempotency_keys WHERE key = 'old'")).toEqual([]);
    // A cursor from before the purged tombstone would miss its delete: it is 410, a resync.
    const stale = await inOrgs(`/api/orgs/${orgId}/projects?cursor=${encodeURIComponent(page.body.nextCursor)}`, { token: ann.token });
    expectError(stale, 'CURSOR_EXPIRED', 410);
    // And the next purge is a day out.
    const next = await runInDurableObject(stubOf(orgId), (_hub, state) => state.storage.get<number>('nextPurgeAt'));
    expect(next).toBeGreaterThan(Date.now() + 23 * 60 * 60 * 1000);
  });
});

describe('org-objects storage: objects that restart', () => {
  it('an answer lost with its object (every object reset after the commit) is replayed from the record the commit stored', async () => {
    const ann = await signUp('Ann');
    const orgId = await orgIn(ann, 'Restarted');
    const key = { 'idempotency-key': crypto.randomUUID() };
    const body = { id: crypto.randomUUID(), name: 'Kept' };
    const first = await inOrgs(`/api/orgs/${orgId}/projects`, { method: 'POST', token: ann.token, body, headers: key });
    expect(first.status).toBe(201);
    // Every Durable Object instance is reset (its memory gone, its storage kept), as an eviction or a crash
    // right after the commit would leave it: the client, having no answer, retries with its key.
    await abortAllDurableObjects();
    const retry = await inOrgs(`/api/orgs/${orgId}/projects`, { method: 'POST', token: ann.token, body, headers: key });
    expect(retry.status).toBe(201);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(retry.body).toEqual(first.body);
    expect(await objectRows(orgId, 'SELECT COUNT(*) AS n FROM projects WHERE id = ?', body.id)).toEqual([{ n: 1 }]);
    // The restarted object still has its alarm (the constructor re-arms it), and still answers its org's routes.
    expect(await runInDurableObject(stubOf(orgId), (_hub, state) => state.storage.getAlarm())).not.toBeNull();
    const page = await inOrgs(`/api/orgs/${orgId}/projects`, { token: ann.token });
    expect(page.body.items.map((p: { id: string }) => p.id)).toEqual([body.id]);
  });
});
