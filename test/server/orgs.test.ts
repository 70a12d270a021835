import { describe, expect, it } from 'vitest';
import { orgMemberPageSchema, orgPageSchema } from '../../shared/index.js';
import { addOrgMember, call, createOrg, createProject, expectError, pullAll, signUp } from './helpers.js';

describe('orgs', () => {
  it('creates an org with a client-chosen id and makes the caller its owner', async () => {
    const ann = await signUp('Ann');
    const id = crypto.randomUUID();
    const res = await call('/api/orgs', { method: 'POST', token: ann.token, body: { id, name: 'Evidence Lab' } });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ id, name: 'Evidence Lab', role: 'owner', deletedAt: null, version: 1 });
    expectError(await call('/api/orgs', { method: 'POST', token: ann.token, body: { id, name: 'Again' } }), 'ALREADY_EXISTS', 409);
  });

  it('lists only the caller’s orgs, with their role, as a valid page', async () => {
    const ann = await signUp('Ann');
    const bob = await signUp('Bob');
    const mine = await createOrg(ann, 'Mine');
    await createOrg(bob, 'Theirs');
    const res = await call('/api/orgs', { token: ann.token });
    expect(res.status).toBe(200);
    const page = orgPageSchema.parse(res.body);
    expect(page.items.map((o) => o.id)).toEqual([mine.id]);
    expect(page.items[0]).toMatchObject({ role: 'owner' });
  });

  it('lets admins rename, refuses members (403) and hides the org from outsiders (404)', async () => {
    const [owner, admin, member, outsider] = await Promise.all([signUp('Own'), signUp('Adm'), signUp('Mem'), signUp('Out')]);
    const org = await createOrg(owner);
    await addOrgMember(owner, org.id, admin, 'admin');
    await addOrgMember(owner, org.id, member, 'member');
    const renamed = await call(`/api/orgs/${org.id}`, { method: 'PATCH', token: admin.token, body: { name: 'Renamed' } });
    expect(renamed.status).toBe(200);
    expect(renamed.body).toMatchObject({ name: 'Renamed', role: 'admin', version: 2 });
    const refused = expectError(await call(`/api/orgs/${org.id}`, { method: 'PATCH', token: member.token, body: { name: 'X' } }), 'AUTH_FORBIDDEN', 403);
    expect(refused.details).toMatchObject({ reason: expect.any(String) });
    expectError(await call(`/api/orgs/${org.id}`, { method: 'PATCH', token: outsider.token, body: { name: 'X' } }), 'ORG_NOT_FOUND', 404);
    expectError(await call(`/api/orgs/${crypto.randomUUID()}`, { method: 'PATCH', token: owner.token, body: { name: 'X' } }), 'ORG_NOT_FOUND', 404);
  });

  it('validates bodies and ids', async () => {
    const ann = await signUp('Ann');
    const bad = expectError(await call('/api/orgs', { method: 'POST', token: ann.token, body: { name: '' } }), 'VALIDATION_FAILED', 400);
    expect(bad.details?.issues).toBeInstanceOf(Array);
    expectError(await call('/api/orgs', { method: 'POST', token: ann.token, body: { name: 'x', extra: 1 } }), 'VALIDATION_FAILED', 400);
    expectError(await call('/api/orgs', { method: 'POST', token: ann.token, body: '{"name":' }), 'VALIDATION_FAILED', 400);
    expectError(await call('/api/orgs/not-a-uuid', { method: 'PATCH', token: ann.token, body: { name: 'x' } }), 'VALIDATION_FAILED', 400);
    expectError(await call('/api/orgs?limit=0', { token: ann.token }), 'VALIDATION_FAILED', 400);
  });
});

describe('org members', () => {
  it('adds members by email or id; only an owner grants owner; duplicates are 409', async () => {
    const [owner, admin, a, b, c] = await Promise.all([signUp('Own'), signUp('Adm'), signUp('A'), signUp('B'), signUp('C')]);
    const org = await createOrg(owner);
    await addOrgMember(owner, org.id, admin, 'admin');
    const byEmail = await call(`/api/orgs/${org.id}/members`, { method: 'POST', token: admin.token, body: { email: a.email, role: 'member' } });
    expect(byEmail.status).toBe(201);
    expect(byEmail.body).toMatchObject({ orgId: org.id, userId: a.id, role: 'member', email: a.email, name: 'A', deletedAt: null });
    expectError(
      await call(`/api/orgs/${org.id}/members`, { method: 'POST', token: admin.token, body: { userId: b.id, role: 'owner' } }),
      'AUTH_FORBIDDEN',
      403,
    );
    expect((await call(`/api/orgs/${org.id}/members`, { method: 'POST', token: owner.token, body: { userId: b.id, role: 'owner' } })).status).toBe(201);
    expectError(await call(`/api/orgs/${org.id}/members`, { method: 'POST', token: admin.token, body: { userId: a.id, role: 'admin' } }), 'ALREADY_MEMBER', 409);
    expectError(await call(`/api/orgs/${org.id}/members`, { method: 'POST', token: a.token, body: { userId: c.id, role: 'member' } }), 'AUTH_FORBIDDEN', 403);
    expectError(
      await call(`/api/orgs/${org.id}/members`, { method: 'POST', token: owner.token, body: { email: 'nobody@example.com', role: 'member' } }),
      'USER_NOT_FOUND',
      404,
    );
    const page = orgMemberPageSchema.parse((await call(`/api/orgs/${org.id}/members`, { token: a.token })).body);
    expect(page.items.map((m) => m.userId).sort()).toEqual([owner.id, admin.id, a.id, b.id].sort());
    expectError(await call(`/api/orgs/${org.id}/members`, { token: c.token }), 'ORG_NOT_FOUND', 404);
  });

  it('changes roles with the owner rules and the last-owner guard', async () => {
    const [owner, admin, member] = await Promise.all([signUp('Own'), signUp('Adm'), signUp('Mem')]);
    const org = await createOrg(owner);
    await addOrgMember(owner, org.id, admin, 'admin');
    await addOrgMember(owner, org.id, member);
    const promoted = await call(`/api/orgs/${org.id}/members/${member.id}`, { method: 'PATCH', token: admin.token, body: { role: 'admin' } });
    expect(promoted.status).toBe(200);
    expect(promoted.body).toMatchObject({ role: 'admin', version: 2 });
    expectError(await call(`/api/orgs/${org.id}/members/${owner.id}`, { method: 'PATCH', token: admin.token, body: { role: 'member' } }), 'AUTH_FORBIDDEN', 403);
    expectError(await call(`/api/orgs/${org.id}/members/${owner.id}`, { method: 'PATCH', token: owner.token, body: { role: 'admin' } }), 'ORG_LAST_OWNER', 409);
    expectError(await call(`/api/orgs/${org.id}/members/${crypto.randomUUID()}`, { method: 'PATCH', token: owner.token, body: { role: 'admin' } }), 'MEMBER_NOT_FOUND', 404);
    expect((await call(`/api/orgs/${org.id}/members/${admin.id}`, { method: 'PATCH', token: owner.token, body: { role: 'owner' } })).status).toBe(200);
    // Two owners now: the first may step down.
    expect((await call(`/api/orgs/${org.id}/members/${owner.id}`, { method: 'PATCH', token: owner.token, body: { role: 'member' } })).status).toBe(200);
  });

  it('a plain member changes no role, neither another’s nor their own (403, roles unchanged)', async () => {
    const [owner, member, other] = await Promise.all([signUp('Own'), signUp('Mem'), signUp('Oth')]);
    const org = await createOrg(owner);
    await addOrgMember(owner, org.id, member);
    await addOrgMember(owner, org.id, other);
    for (const target of [other, member]) {
      const res = await call(`/api/orgs/${org.id}/members/${target.id}`, { method: 'PATCH', token: member.token, body: { role: 'admin' } });
      expectError(res, 'AUTH_FORBIDDEN', 403);
    }
    const roles = (await call(`/api/orgs/${org.id}/members`, { token: owner.token })).body.items.map((m: { userId: string; role: string }) => [m.userId, m.role]);
    expect(Object.fromEntries(roles)).toEqual({ [owner.id]: 'owner', [member.id]: 'member', [other.id]: 'member' });
  });

  it('removes members (self or admin), guards the last owner, and revokes their project memberships', async () => {
    const [owner, admin, member, other] = await Promise.all([signUp('Own'), signUp('Adm'), signUp('Mem'), signUp('Oth')]);
    const org = await createOrg(owner);
    await addOrgMember(owner, org.id, admin, 'admin');
    await addOrgMember(owner, org.id, member);
    await addOrgMember(owner, org.id, other);
    const project = await createProject(member, org.id);
    expectError(await call(`/api/orgs/${org.id}/members/${other.id}`, { method: 'DELETE', token: member.token }), 'AUTH_FORBIDDEN', 403);
    expectError(await call(`/api/orgs/${org.id}/members/${owner.id}`, { method: 'DELETE', token: admin.token }), 'AUTH_FORBIDDEN', 403);
    expectError(await call(`/api/orgs/${org.id}/members/${owner.id}`, { method: 'DELETE', token: owner.token }), 'ORG_LAST_OWNER', 409);
    const left = await call(`/api/orgs/${org.id}/members/${other.id}`, { method: 'DELETE', token: other.token });
    expect(left.status).toBe(200);
    expect(left.body).toMatchObject({ orgId: org.id, userId: other.id, deletedAt: expect.any(Number) });
    const { cursor } = await pullAll(`/api/orgs/${org.id}/projects/${project.id}/members`, owner.token);
    const removed = await call(`/api/orgs/${org.id}/members/${member.id}`, { method: 'DELETE', token: admin.token });
    expect(removed.status).toBe(200);
    // The removed member sees nothing of the org any more...
    expectError(await call(`/api/orgs/${org.id}/projects`, { token: member.token }), 'ORG_NOT_FOUND', 404);
    // ...and their project membership came back to others as a tombstone.
    const after = await pullAll(`/api/orgs/${org.id}/projects/${project.id}/members`, owner.token, cursor);
    expect(after.items).toContainEqual(expect.objectContaining({ userId: member.id, deletedAt: expect.any(Number) }));
    expectError(await call(`/api/orgs/${org.id}/members/${member.id}`, { method: 'DELETE', token: admin.token }), 'MEMBER_NOT_FOUND', 404);
  });
});
