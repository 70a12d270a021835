import { env } from 'cloudflare:test';
import { drizzle } from 'drizzle-orm/d1';
import { describe, expect, it } from 'vitest';
import { LIMITS } from '../../shared/index.js';
import * as schema from '../../server/db/schema.js';
import type { Db } from '../../server/env.js';
import { purgeExpired } from '../../server/scheduled/purge.js';
import { encodeCursor } from '../../server/sync/cursor.js';
import { addOrgMember, call, createOrg, createProject, expectError, pullAll, signUp } from './helpers.js';

const db = () => drizzle(env.DB, { schema }) as Db;

describe('pull cursors', () => {
  it('returns rows that share updatedAt and seq across a page boundary exactly once', async () => {
    const owner = await signUp('Own');
    const org = await createOrg(owner);
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) ids.push((await createProject(owner, org.id, `P${i}`)).id);
    // As if one batch had written them all: same millisecond, same change sequence.
    await env.DB.prepare(`UPDATE projects SET updated_at = 1000, seq = (SELECT MAX(seq) FROM projects) WHERE org_id = ?`)
      .bind(org.id)
      .run();
    const { items } = await pullAll(`/api/orgs/${org.id}/projects`, owner.token, undefined, 2);
    expect(items.map((p) => p.id).sort()).toEqual([...ids].sort());
    expect(new Set(items.map((p) => p.id)).size).toBe(items.length);
  });

  it('does not lose a row committed mid-pagination, even one stamped earlier than rows already seen', async () => {
    const owner = await signUp('Own');
    const org = await createOrg(owner);
    for (let i = 0; i < 4; i++) await createProject(owner, org.id, `P${i}`);
    const first = await call(`/api/orgs/${org.id}/projects?limit=2`, { token: owner.token });
    expect(first.body.hasMore).toBe(true);
    // A write that was stamped long ago but commits now (a slow Worker): its seq is still the newest.
    const late = await createProject(owner, org.id, 'Late');
    await env.DB.prepare('UPDATE projects SET updated_at = 1 WHERE id = ?').bind(late.id).run();
    const rest = await pullAll(`/api/orgs/${org.id}/projects`, owner.token, first.body.nextCursor, 2);
    const seen = [...first.body.items, ...rest.items].map((p: { id: string }) => p.id);
    expect(seen).toContain(late.id);
    expect(new Set(seen).size).toBe(5);
    // And a later pull from the final cursor is empty: nothing is returned twice.
    const again = await call(`/api/orgs/${org.id}/projects?cursor=${encodeURIComponent(rest.cursor)}`, { token: owner.token });
    expect(again.body.items).toEqual([]);
    expect(again.body.nextCursor).toEqual(expect.any(String));
  });

  it('returns deletes and revocations as tombstones', async () => {
    const [owner, member] = await Promise.all([signUp('Own'), signUp('Mem')]);
    const org = await createOrg(owner);
    await addOrgMember(owner, org.id, member);
    const kept = await createProject(owner, org.id, 'Kept');
    const deleted = await createProject(owner, org.id, 'Deleted');
    await call(`/api/orgs/${org.id}/projects/${kept.id}/members`, { method: 'POST', token: owner.token, body: { userId: member.id, role: 'member' } });
    const ownerStart = await pullAll(`/api/orgs/${org.id}/projects`, owner.token);
    const memberStart = await pullAll(`/api/orgs/${org.id}/projects`, member.token);
    const orgsStart = await pullAll('/api/orgs', member.token);
    expect(memberStart.items.map((p) => p.id)).toEqual([kept.id]);

    await call(`/api/orgs/${org.id}/projects/${deleted.id}`, { method: 'DELETE', token: owner.token });
    const ownerNext = await pullAll(`/api/orgs/${org.id}/projects`, owner.token, ownerStart.cursor);
    expect(ownerNext.items).toEqual([expect.objectContaining({ id: deleted.id, deletedAt: expect.any(Number) })]);

    await call(`/api/orgs/${org.id}/projects/${kept.id}/members/${member.id}`, { method: 'DELETE', token: owner.token });
    const memberNext = await pullAll(`/api/orgs/${org.id}/projects`, member.token, memberStart.cursor);
    expect(memberNext.items).toEqual([expect.objectContaining({ id: kept.id, deletedAt: expect.any(Number) })]);
    expect(memberNext.items[0].name).toBeUndefined();

    await call(`/api/orgs/${org.id}/members/${member.id}`, { method: 'DELETE', token: owner.token });
    const orgsNext = await pullAll('/api/orgs', member.token, orgsStart.cursor);
    expect(orgsNext.items).toEqual([expect.objectContaining({ id: org.id, deletedAt: expect.any(Number) })]);
    expect(orgsNext.items[0].name).toBeUndefined();
  });

  it('answers 410 CURSOR_EXPIRED past the tombstone horizon, and the client can resync from scratch', async () => {
    const owner = await signUp('Own');
    const org = await createOrg(owner);
    const project = await createProject(owner, org.id);
    const start = await pullAll(`/api/orgs/${org.id}/projects`, owner.token);
    await call(`/api/orgs/${org.id}/projects/${project.id}`, { method: 'DELETE', token: owner.token });
    const longAgo = Date.now() - LIMITS.tombstoneRetentionMs - 60_000;
    await env.DB.prepare('UPDATE projects SET deleted_at = ? WHERE id = ?').bind(longAgo, project.id).run();
    const purged = await purgeExpired(db(), Date.now());
    expect(purged.tombstones).toBeGreaterThanOrEqual(1);
    expectError(await call(`/api/orgs/${org.id}/projects?cursor=${encodeURIComponent(start.cursor)}`, { token: owner.token }), 'CURSOR_EXPIRED', 410);
    const fresh = await pullAll(`/api/orgs/${org.id}/projects`, owner.token);
    expect(fresh.items.find((p) => p.id === project.id)).toBeUndefined();

    const ancient = encodeCursor(`projects:${org.id}`, { seq: 1_000_000_000, key: '' }, longAgo);
    expectError(await call(`/api/orgs/${org.id}/projects?cursor=${encodeURIComponent(ancient)}`, { token: owner.token }), 'CURSOR_EXPIRED', 410);
  });

  it('expires a projects cursor when the caller’s role changed, so the resync shows exactly what they may see', async () => {
    const [owner, member] = await Promise.all([signUp('Own'), signUp('Mem')]);
    const org = await createOrg(owner);
    await addOrgMember(owner, org.id, member, 'admin');
    const hidden = await createProject(owner, org.id, 'Owner only');
    const asAdmin = await pullAll(`/api/orgs/${org.id}/projects`, member.token);
    expect(asAdmin.items.map((p) => p.id)).toContain(hidden.id);
    await call(`/api/orgs/${org.id}/members/${member.id}`, { method: 'PATCH', token: owner.token, body: { role: 'member' } });
    expectError(await call(`/api/orgs/${org.id}/projects?cursor=${encodeURIComponent(asAdmin.cursor)}`, { token: member.token }), 'CURSOR_EXPIRED', 410);
    const asMember = await pullAll(`/api/orgs/${org.id}/projects`, member.token);
    expect(asMember.items).toEqual([]);
  });

  it('pages an admin who joined after the projects were made without a 410 mid-collection (the epoch, not the position, dates a cursor)', async () => {
    const [owner, admin] = await Promise.all([signUp('Own'), signUp('Adm')]);
    const org = await createOrg(owner);
    for (let i = 0; i < 3; i++) await createProject(owner, org.id, `Before ${i}`);
    await addOrgMember(owner, org.id, admin, 'admin');
    const paged = await pullAll(`/api/orgs/${org.id}/projects`, admin.token, undefined, 1);
    expect(paged.items).toHaveLength(3);
  });

  it('refuses junk and another collection’s cursor with 400 CURSOR_INVALID', async () => {
    const owner = await signUp('Own');
    const org = await createOrg(owner);
    const orgs = await pullAll('/api/orgs', owner.token);
    expectError(await call(`/api/orgs/${org.id}/projects?cursor=${encodeURIComponent(orgs.cursor)}`, { token: owner.token }), 'CURSOR_INVALID', 400);
    expectError(await call('/api/orgs?cursor=%00%01', { token: owner.token }), 'CURSOR_INVALID', 400);
    expectError(await call('/api/settings?cursor=eyJ2IjoyfQ', { token: owner.token }), 'CURSOR_INVALID', 400);
  });

  it('answers a cursor from another sequence space with 410 on every collection and the settings merge, and one whose `p` names no space with 400', async () => {
    const owner = await signUp('Own');
    const org = await createOrg(owner);
    const project = await createProject(owner, org.id);
    const withSpace = (cursor: string, p: unknown) => {
      const payload = JSON.parse(atob(cursor.replace(/-/g, '+').replace(/_/g, '/'))) as Record<string, unknown>;
      return btoa(JSON.stringify({ ...payload, p })).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
    };
    const collections = [
      '/api/orgs',
      `/api/orgs/${org.id}/members`,
      `/api/orgs/${org.id}/projects`,
      `/api/orgs/${org.id}/projects/${project.id}/members`,
      `/api/orgs/${org.id}/project-members`,
      '/api/settings',
      `/api/orgs/${org.id}/settings`,
    ];
    for (const path of collections) {
      const { cursor } = await pullAll(path, owner.token);
      const pull = (c: string) => call(`${path}?cursor=${encodeURIComponent(c)}`, { token: owner.token });
      expect((await pull(cursor)).status, path).toBe(200);
      expect((await pull(withSpace(cursor, 'd1'))).status, path).toBe(200);
      expectError(await pull(withSpace(cursor, 'o:2c1d7e8f-0a4b-4c3d-9e5f-6a7b8c9d0e1f')), 'CURSOR_EXPIRED', 410);
      expectError(await pull(withSpace(cursor, 42)), 'CURSOR_INVALID', 400);
    }
    const { cursor } = await pullAll('/api/settings', owner.token);
    const merge = (c: string) => call('/api/settings', { method: 'PATCH', token: owner.token, body: { entries: [], cursor: c } });
    expect((await merge(cursor)).status).toBe(200);
    expectError(await merge(withSpace(cursor, 'o:2c1d7e8f-0a4b-4c3d-9e5f-6a7b8c9d0e1f')), 'CURSOR_EXPIRED', 410);
  });
});
