import { env } from 'cloudflare:test';
import { drizzle } from 'drizzle-orm/d1';
import type { Context } from 'hono';
import { describe, expect, it } from 'vitest';
import * as schema from '../../server/db/schema.js';
import type { AppEnv, Db } from '../../server/env.js';
import { HttpError } from '../../server/http/http-error.js';
import { createOrg as createOrgMutation } from '../../server/services/orgs.js';
import { commit } from '../../server/sync/commit.js';
import { call, count, createOrg, createProject, expectError, seqHead, signUp } from './helpers.js';

describe('idempotency', () => {
  it('replays the stored response with Idempotent-Replayed and writes nothing', async () => {
    const ann = await signUp('Ann');
    const org = await createOrg(ann);
    const key = crypto.randomUUID();
    const request = { method: 'POST', token: ann.token, headers: { 'Idempotency-Key': key }, body: { name: 'Once' } };
    const first = await call(`/api/orgs/${org.id}/projects`, request);
    expect(first.status).toBe(201);
    expect(first.headers.get('Idempotent-Replayed')).toBeNull();
    const projects = await count('projects');
    const members = await count('project_members');
    const seq = await seqHead();
    const replay = await call(`/api/orgs/${org.id}/projects`, request);
    expect(replay.status).toBe(201);
    expect(replay.headers.get('Idempotent-Replayed')).toBe('true');
    expect(replay.body).toEqual(first.body);
    expect(await count('projects')).toBe(projects);
    expect(await count('project_members')).toBe(members);
    expect(await seqHead()).toBe(seq);
  });

  it('keeps records per (user, key): another user reusing a key never changes or reveals the first’s', async () => {
    const [ann, bob] = await Promise.all([signUp('Ann'), signUp('Bob')]);
    const key = `shared-${crypto.randomUUID()}`;
    const annRequest = { method: 'POST', token: ann.token, headers: { 'Idempotency-Key': key }, body: { name: 'Ann’s org' } };
    const annFirst = await call('/api/orgs', annRequest);
    expect(annFirst.status).toBe(201);
    const stored = await env.DB.prepare('SELECT fingerprint, status, body FROM idempotency_keys WHERE user_id = ? AND key = ?').bind(ann.id, key).first();
    const bobFirst = await call('/api/orgs', { method: 'POST', token: bob.token, headers: { 'Idempotency-Key': key }, body: { name: 'Bob’s org' } });
    expect(bobFirst.status).toBe(201);
    expect(bobFirst.headers.get('Idempotent-Replayed')).toBeNull();
    expect(bobFirst.body.name).toBe('Bob’s org');
    const annAgain = await call('/api/orgs', annRequest);
    expect(annAgain.headers.get('Idempotent-Replayed')).toBe('true');
    expect(annAgain.body).toEqual(annFirst.body);
    expect(await env.DB.prepare('SELECT fingerprint, status, body FROM idempotency_keys WHERE user_id = ? AND key = ?').bind(ann.id, key).first()).toEqual(stored);
  });

  it('replays updates and deletes without applying them again', async () => {
    const ann = await signUp('Ann');
    const org = await createOrg(ann);
    const project = await createProject(ann, org.id);
    const rename = { method: 'PATCH', token: ann.token, headers: { 'Idempotency-Key': 'rename-1' }, body: { name: 'Renamed' } };
    const path = `/api/orgs/${org.id}/projects/${project.id}`;
    expect((await call(path, rename)).body.version).toBe(2);
    expect((await call(path, rename)).body.version).toBe(2);
    const del = { method: 'DELETE', token: ann.token, headers: { 'Idempotency-Key': 'delete-1' } };
    const gone = await call(path, del);
    expect(gone.status).toBe(200);
    const again = await call(path, del);
    expect(again.status).toBe(200);
    expect(again.headers.get('Idempotent-Replayed')).toBe('true');
    expect(again.body).toEqual(gone.body);
  });

  it('answers 422 when a key is reused with another body or path', async () => {
    const ann = await signUp('Ann');
    const org = await createOrg(ann);
    const headers = { 'Idempotency-Key': 'k-1' };
    expect((await call(`/api/orgs/${org.id}/projects`, { method: 'POST', token: ann.token, headers, body: { name: 'A' } })).status).toBe(201);
    expectError(
      await call(`/api/orgs/${org.id}/projects`, { method: 'POST', token: ann.token, headers, body: { name: 'B' } }),
      'IDEMPOTENCY_KEY_REUSED',
      422,
    );
    expectError(await call('/api/orgs', { method: 'POST', token: ann.token, headers, body: { name: 'A' } }), 'IDEMPOTENCY_KEY_REUSED', 422);
    expect(await count('projects', 'org_id = ?', org.id)).toBe(1);
  });

  it('applies concurrent duplicates exactly once', async () => {
    const ann = await signUp('Ann');
    const org = await createOrg(ann);
    const request = { method: 'POST', token: ann.token, headers: { 'Idempotency-Key': 'race' }, body: { name: 'Raced' } };
    const results = await Promise.all(Array.from({ length: 6 }, () => call(`/api/orgs/${org.id}/projects`, request)));
    const created = results.filter((r) => r.status === 201);
    for (const r of results.filter((r) => r.status !== 201)) expectError(r, 'IDEMPOTENCY_IN_PROGRESS', 409);
    expect(created.length).toBeGreaterThanOrEqual(1);
    expect(new Set(created.map((r) => r.body.id)).size).toBe(1);
    expect(await count('projects', 'org_id = ?', org.id)).toBe(1);
  });

  it('scopes keys per user: one user’s key never returns another’s response', async () => {
    const [ann, bob] = await Promise.all([signUp('Ann'), signUp('Bob')]);
    const annOrg = await call('/api/orgs', { method: 'POST', token: ann.token, headers: { 'Idempotency-Key': 'shared' }, body: { name: 'Same' } });
    const bobOrg = await call('/api/orgs', { method: 'POST', token: bob.token, headers: { 'Idempotency-Key': 'shared' }, body: { name: 'Same' } });
    expect(bobOrg.status).toBe(201);
    expect(bobOrg.headers.get('Idempotent-Replayed')).toBeNull();
    expect(bobOrg.body.id).not.toBe(annOrg.body.id);
    expect(await count('orgs', 'name = ?', 'Same')).toBe(2);
  });

  it('looks a replay up by (user, key): Ann and Bob both used key k, and each replay answers its own user’s record', async () => {
    const [ann, bob] = await Promise.all([signUp('Ann'), signUp('Bob')]);
    const key = `k-${crypto.randomUUID()}`;
    // The same body, so both records carry the same fingerprint: a lookup by key alone would then replay the
    // other user's record as a silent success, not a 422.
    const request = (token: string) => ({ method: 'POST', token, headers: { 'Idempotency-Key': key }, body: { name: 'Same' } });
    const annFirst = await call('/api/orgs', request(ann.token));
    const bobFirst = await call('/api/orgs', request(bob.token));
    expect([annFirst.status, bobFirst.status]).toEqual([201, 201]);
    expect(bobFirst.body.id).not.toBe(annFirst.body.id);
    const bobAgain = await call('/api/orgs', request(bob.token));
    expect(bobAgain.headers.get('Idempotent-Replayed')).toBe('true');
    expect(bobAgain.body).toEqual(bobFirst.body);
    const annAgain = await call('/api/orgs', request(ann.token));
    expect(annAgain.headers.get('Idempotent-Replayed')).toBe('true');
    expect(annAgain.body).toEqual(annFirst.body);
    expect(await count('orgs', 'name = ?', 'Same')).toBeGreaterThanOrEqual(2);
  });

  it('stores 4xx outcomes (the same request fails the same way) and refuses malformed keys', async () => {
    const [ann, bob] = await Promise.all([signUp('Ann'), signUp('Bob')]);
    const org = await createOrg(ann);
    const request = { method: 'PATCH', token: bob.token, headers: { 'Idempotency-Key': 'nope' }, body: { name: 'x' } };
    const first = expectError(await call(`/api/orgs/${org.id}`, request), 'ORG_NOT_FOUND', 404);
    const replay = await call(`/api/orgs/${org.id}`, request);
    expect(replay.headers.get('Idempotent-Replayed')).toBe('true');
    expect(replay.body).toEqual(first);
    expectError(
      await call('/api/orgs', { method: 'POST', token: ann.token, headers: { 'Idempotency-Key': 'has space' }, body: { name: 'x' } }),
      'VALIDATION_FAILED',
      400,
    );
  });

  it('lets an expired record be reused for a new request', async () => {
    const ann = await signUp('Ann');
    const request = { method: 'POST', token: ann.token, headers: { 'Idempotency-Key': 'old' }, body: { name: 'First' } };
    const first = await call('/api/orgs', request);
    const { env } = await import('cloudflare:test');
    await env.DB.prepare('UPDATE idempotency_keys SET expires_at = 0 WHERE key = ?').bind('old').run();
    const second = await call('/api/orgs', { ...request, body: { name: 'Second' } });
    expect(second.status).toBe(201);
    expect(second.body.id).not.toBe(first.body.id);
  });

  it('does not commit a request whose claim was taken over by a retry after its lock ran out', async () => {
    const ann = await signUp('Ann');
    const db = drizzle(env.DB, { schema }) as Db;
    const user = { id: ann.id, email: ann.email, name: ann.name };
    const now = Date.now();
    await env.DB.prepare(
      `INSERT INTO idempotency_keys (user_id, key, fingerprint, claim, state, created_at, locked_until, expires_at)
       VALUES (?, 'slow', 'f', 'the-retry', 'in_progress', ?, ?, ?)`,
    )
      .bind(ann.id, now, now + 60_000, now + 86_400_000)
      .run();
    const context = (claim: string) =>
      ({ var: { db, idempotencyClaim: { userId: ann.id, key: 'slow', claim, stored: false } } }) as unknown as Context<AppEnv>;
    const orgsBefore = await count('orgs');
    const late = commit(context('the-slow-original'), await createOrgMutation(db, user, { name: 'Late' }, now));
    await expect(late).rejects.toBeInstanceOf(HttpError);
    await expect(late).rejects.toMatchObject({ code: 'IDEMPOTENCY_IN_PROGRESS' });
    expect(await count('orgs')).toBe(orgsBefore);
    const current = await commit(context('the-retry'), await createOrgMutation(db, user, { name: 'Current' }, now));
    expect(current.status).toBe(201);
    expect(await count('orgs')).toBe(orgsBefore + 1);
    expect(await count('idempotency_keys', "key = 'slow' AND state = 'done'")).toBe(1);
  });
});
