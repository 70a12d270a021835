import { describe, expect, it } from 'vitest';
import { projectMemberPageSchema, projectPageSchema } from '../../shared/index.js';
import { addOrgMember, call, createOrg, createProject, expectError, signUp } from './helpers.js';

async function orgWithRoles() {
  const [owner, admin, member, other, outsider] = await Promise.all([
    signUp('Own'),
    signUp('Adm'),
    signUp('Mem'),
    signUp('Oth'),
    signUp('Out'),
  ]);
  const org = await createOrg(owner);
  await addOrgMember(owner, org.id, admin, 'admin');
  await addOrgMember(owner, org.id, member);
  await addOrgMember(owner, org.id, other);
  return { owner, admin, member, other, outsider, org };
}

describe('projects', () => {
  it('lets any member create (client-chosen id) and makes them project owner', async () => {
    const { member, outsider, org } = await orgWithRoles();
    const id = crypto.randomUUID();
    const res = await call(`/api/orgs/${org.id}/projects`, {
      method: 'POST',
      token: member.token,
      body: { id, name: 'RCT appraisal', description: 'CASP' },
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ id, orgId: org.id, name: 'RCT appraisal', description: 'CASP', createdBy: member.id, version: 1, deletedAt: null });
    const members = projectMemberPageSchema.parse((await call(`/api/orgs/${org.id}/projects/${id}/members`, { token: member.token })).body);
    expect(members.items).toEqual([expect.objectContaining({ userId: member.id, role: 'owner' })]);
    expectError(await call(`/api/orgs/${org.id}/projects`, { method: 'POST', token: outsider.token, body: { name: 'x' } }), 'ORG_NOT_FOUND', 404);
    expectError(await call(`/api/orgs/${org.id}/projects`, { method: 'POST', token: member.token, body: { id, name: 'dup' } }), 'ALREADY_EXISTS', 409);
    expectError(await call(`/api/orgs/${org.id}/projects`, { method: 'POST', token: member.token, body: { name: 'x'.repeat(256) } }), 'VALIDATION_FAILED', 400);
    expectError(
      await call(`/api/orgs/${org.id}/projects`, { method: 'POST', token: member.token, body: { name: 'x', description: 'd'.repeat(2001) } }),
      'VALIDATION_FAILED',
      400,
    );
  });

  it('shows admins every project and members only theirs', async () => {
    const { admin, member, other, org } = await orgWithRoles();
    const mine = await createProject(member, org.id, 'Mine');
    const theirs = await createProject(other, org.id, 'Theirs');
    const adminView = projectPageSchema.parse((await call(`/api/orgs/${org.id}/projects`, { token: admin.token })).body);
    expect(adminView.items.map((p) => p.id).sort()).toEqual([mine.id, theirs.id].sort());
    const memberView = projectPageSchema.parse((await call(`/api/orgs/${org.id}/projects`, { token: member.token })).body);
    expect(memberView.items.map((p) => p.id)).toEqual([mine.id]);
    expectError(await call(`/api/orgs/${org.id}/projects/${theirs.id}/members`, { token: member.token }), 'PROJECT_NOT_FOUND', 404);
  });

  it('updates for project members and org admins, with If-Match preconditions', async () => {
    const { admin, member, other, outsider, org } = await orgWithRoles();
    const project = await createProject(member, org.id);
    const v2 = await call(`/api/orgs/${org.id}/projects/${project.id}`, {
      method: 'PATCH',
      token: member.token,
      headers: { 'If-Match': '"1"' },
      body: { name: 'Renamed' },
    });
    expect(v2.status).toBe(200);
    expect(v2.body).toMatchObject({ name: 'Renamed', version: 2 });
    const stale = expectError(
      await call(`/api/orgs/${org.id}/projects/${project.id}`, { method: 'PATCH', token: member.token, headers: { 'If-Match': '"1"' }, body: { name: 'Lost' } }),
      'PRECONDITION_FAILED',
      412,
    );
    expect(stale.details?.current).toMatchObject({ id: project.id, name: 'Renamed', version: 2 });
    expectError(
      await call(`/api/orgs/${org.id}/projects/${project.id}`, { method: 'PATCH', token: member.token, headers: { 'If-Match': 'soon' }, body: { name: 'x' } }),
      'VALIDATION_FAILED',
      400,
    );
    const byAdmin = await call(`/api/orgs/${org.id}/projects/${project.id}`, { method: 'PATCH', token: admin.token, body: { description: 'by admin' } });
    expect(byAdmin.body).toMatchObject({ name: 'Renamed', description: 'by admin', version: 3 });
    expectError(await call(`/api/orgs/${org.id}/projects/${project.id}`, { method: 'PATCH', token: other.token, body: { name: 'x' } }), 'PROJECT_NOT_FOUND', 404);
    expectError(await call(`/api/orgs/${org.id}/projects/${project.id}`, { method: 'PATCH', token: outsider.token, body: { name: 'x' } }), 'ORG_NOT_FOUND', 404);
    expectError(await call(`/api/orgs/${org.id}/projects/${project.id}`, { method: 'PATCH', token: member.token, body: {} }), 'VALIDATION_FAILED', 400);
  });

  it('deletes for project owners and org admins only, leaving a tombstone', async () => {
    const { owner, admin, member, other, org } = await orgWithRoles();
    const project = await createProject(member, org.id);
    await call(`/api/orgs/${org.id}/projects/${project.id}/members`, { method: 'POST', token: member.token, body: { userId: other.id, role: 'member' } });
    expectError(await call(`/api/orgs/${org.id}/projects/${project.id}`, { method: 'DELETE', token: other.token }), 'AUTH_FORBIDDEN', 403);
    const gone = await call(`/api/orgs/${org.id}/projects/${project.id}`, { method: 'DELETE', token: admin.token });
    expect(gone.status).toBe(200);
    expect(gone.body).toMatchObject({ id: project.id, deletedAt: expect.any(Number) });
    expectError(await call(`/api/orgs/${org.id}/projects/${project.id}`, { method: 'DELETE', token: owner.token }), 'PROJECT_NOT_FOUND', 404);
    const list = projectPageSchema.parse((await call(`/api/orgs/${org.id}/projects`, { token: owner.token })).body);
    expect(list.items).toContainEqual(expect.objectContaining({ id: project.id, deletedAt: expect.any(Number) }));
  });
});

describe('project members', () => {
  it('adds org members only, by project owners or org admins', async () => {
    const { admin, member, other, outsider, org } = await orgWithRoles();
    const project = await createProject(member, org.id);
    expectError(
      await call(`/api/orgs/${org.id}/projects/${project.id}/members`, { method: 'POST', token: member.token, body: { userId: outsider.id, role: 'member' } }),
      'MEMBER_NOT_FOUND',
      404,
    );
    const added = await call(`/api/orgs/${org.id}/projects/${project.id}/members`, {
      method: 'POST',
      token: member.token,
      body: { email: other.email, role: 'member' },
    });
    expect(added.status).toBe(201);
    expect(added.body).toMatchObject({ projectId: project.id, orgId: org.id, userId: other.id, role: 'member', email: other.email });
    expectError(
      await call(`/api/orgs/${org.id}/projects/${project.id}/members`, { method: 'POST', token: other.token, body: { userId: admin.id, role: 'member' } }),
      'AUTH_FORBIDDEN',
      403,
    );
    expect(
      (await call(`/api/orgs/${org.id}/projects/${project.id}/members`, { method: 'POST', token: admin.token, body: { userId: admin.id, role: 'owner' } })).status,
    ).toBe(201);
    expectError(
      await call(`/api/orgs/${org.id}/projects/${project.id}/members`, { method: 'POST', token: admin.token, body: { userId: other.id, role: 'owner' } }),
      'ALREADY_MEMBER',
      409,
    );
  });

  it('changes roles and removes members with the last-owner guard', async () => {
    const { member, other, org } = await orgWithRoles();
    const project = await createProject(member, org.id);
    const base = `/api/orgs/${org.id}/projects/${project.id}/members`;
    await call(base, { method: 'POST', token: member.token, body: { userId: other.id, role: 'member' } });
    expectError(await call(`${base}/${member.id}`, { method: 'PATCH', token: member.token, body: { role: 'member' } }), 'PROJECT_LAST_OWNER', 409);
    expectError(await call(`${base}/${member.id}`, { method: 'DELETE', token: member.token }), 'PROJECT_LAST_OWNER', 409);
    expectError(await call(`${base}/${member.id}`, { method: 'PATCH', token: other.token, body: { role: 'member' } }), 'AUTH_FORBIDDEN', 403);
    expect((await call(`${base}/${other.id}`, { method: 'PATCH', token: member.token, body: { role: 'owner' } })).body).toMatchObject({ role: 'owner' });
    expect((await call(`${base}/${member.id}`, { method: 'DELETE', token: member.token })).body).toMatchObject({ deletedAt: expect.any(Number) });
    // The leaver lost access; the remaining owner cannot leave.
    expectError(await call(base, { token: member.token }), 'PROJECT_NOT_FOUND', 404);
    expectError(await call(`${base}/${other.id}`, { method: 'DELETE', token: other.token }), 'PROJECT_LAST_OWNER', 409);
    expectError(await call(`${base}/${member.id}`, { method: 'DELETE', token: other.token }), 'MEMBER_NOT_FOUND', 404);
  });
});
