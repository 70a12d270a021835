import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { createHlc, orgItemSchema, type OrgHeads } from '../../shared/index.js';
import { addOrgMember, call, createOrg, createProject, expectError, pullAll, seqHead, signUp, type TestUser } from './helpers.js';

type HeadName = keyof OrgHeads;
const ALL: HeadName[] = ['members', 'projects', 'settings', 'projectMembers'];

async function headsOf(orgId: string): Promise<OrgHeads> {
  const row = await env.DB.prepare(
    'SELECT members_head AS members, projects_head AS projects, settings_head AS settings, project_members_head AS projectMembers FROM orgs WHERE id = ?',
  )
    .bind(orgId)
    .first<OrgHeads>();
  if (!row) throw new Error(`no org ${orgId}`);
  return { ...row };
}

async function ok(res: Promise<{ status: number; body: any }>) {
  const r = await res;
  expect(r.status, JSON.stringify(r.body)).toBeLessThan(300);
  return r.body;
}

const clock = createHlc({ nodeId: 'a1a1a1a1a1a1a1a1', now: () => Date.now() });

describe('change heads', () => {
  it('org create starts every head at the write’s seq, and the org arrives with them', async () => {
    const owner = await signUp('Own');
    const start = await pullAll('/api/orgs', owner.token);
    const org = await createOrg(owner);
    const seq = await seqHead();
    expect(await headsOf(org.id)).toEqual({ members: seq, projects: seq, settings: seq, projectMembers: seq });
    const delta = await pullAll('/api/orgs', owner.token, start.cursor);
    expect(delta.items).toEqual([expect.objectContaining({ id: org.id, heads: await headsOf(org.id) })]);
    expect(orgItemSchema.safeParse(delta.items[0]).success).toBe(true);
  });

  it('every kind of write moves the right heads of its org only, and brings the org back to every member', async () => {
    const [owner, admin, member, joiner] = await Promise.all([signUp('Own'), signUp('Adm'), signUp('Mem'), signUp('Join')]);
    const orgA = await createOrg(owner, 'A');
    const orgB = await createOrg(owner, 'B');
    await addOrgMember(owner, orgA.id, admin, 'admin');
    await addOrgMember(owner, orgA.id, member);
    await addOrgMember(owner, orgB.id, member);
    const shared = await createProject(owner, orgA.id, 'Shared');
    await ok(call(`/api/orgs/${orgA.id}/projects/${shared.id}/members`, { method: 'POST', token: owner.token, body: { userId: member.id, role: 'member' } }));
    const own = await createProject(owner, orgA.id, 'Owner only');
    const path = `/api/orgs/${orgA.id}`;
    let made: { id: string } | undefined;

    const writes: { name: string; moves: HeadName[]; run: () => Promise<unknown> }[] = [
      { name: 'org rename', moves: [], run: () => ok(call(path, { method: 'PATCH', token: owner.token, body: { name: 'A2' } })) },
      { name: 'org member add', moves: ['members', 'projects', 'projectMembers'], run: () => addOrgMember(admin, orgA.id, joiner) },
      {
        name: 'org role change',
        moves: ['members', 'projects', 'projectMembers'],
        run: () => ok(call(`${path}/members/${joiner.id}`, { method: 'PATCH', token: owner.token, body: { role: 'admin' } })),
      },
      {
        name: 'project member add',
        moves: ['projects', 'projectMembers'],
        run: () => ok(call(`${path}/projects/${own.id}/members`, { method: 'POST', token: owner.token, body: { userId: joiner.id, role: 'member' } })),
      },
      {
        name: 'project member role change',
        moves: ['projects', 'projectMembers'],
        run: () => ok(call(`${path}/projects/${own.id}/members/${joiner.id}`, { method: 'PATCH', token: owner.token, body: { role: 'owner' } })),
      },
      {
        name: 'project member removal',
        moves: ['projects', 'projectMembers'],
        run: () => ok(call(`${path}/projects/${own.id}/members/${joiner.id}`, { method: 'DELETE', token: owner.token })),
      },
      {
        name: 'project create',
        moves: ['projects', 'projectMembers'],
        run: async () => (made = await createProject(member, orgA.id, 'Made by a member')),
      },
      {
        name: 'project update',
        moves: ['projects'],
        run: () => ok(call(`${path}/projects/${shared.id}`, { method: 'PATCH', token: member.token, body: { name: 'Renamed' } })),
      },
      {
        name: 'project delete',
        moves: ['projects', 'projectMembers'],
        run: () => ok(call(`${path}/projects/${made!.id}`, { method: 'DELETE', token: owner.token })),
      },
      {
        name: 'org settings PUT',
        moves: ['settings'],
        run: () => ok(call(`${path}/settings/appraisal.defaultTool`, { method: 'PUT', token: admin.token, body: { value: 'casp' } })),
      },
      {
        name: 'org settings merge',
        moves: ['settings'],
        run: () =>
          ok(call(`${path}/settings`, { method: 'PATCH', token: owner.token, body: { entries: [{ key: 'appraisal.blindReview', value: true, hlc: clock.next() }] } })),
      },
      {
        name: 'org member removal',
        moves: ['members', 'projects', 'projectMembers'],
        run: () => ok(call(`${path}/members/${joiner.id}`, { method: 'DELETE', token: owner.token })),
      },
    ];

    const watchers = [owner, admin, member];
    for (const write of writes) {
      const cursors = await Promise.all(watchers.map(async (u) => (await pullAll('/api/orgs', u.token)).cursor));
      const beforeA = await headsOf(orgA.id);
      const beforeB = await headsOf(orgB.id);
      await write.run();
      const seq = await seqHead();
      const afterA = await headsOf(orgA.id);
      for (const head of ALL) {
        expect(afterA[head], `${write.name}: ${head}`).toBe(write.moves.includes(head) ? seq : beforeA[head]);
      }
      expect(await headsOf(orgB.id), `${write.name}: org B`).toEqual(beforeB);
      for (const [i, watcher] of watchers.entries()) {
        const delta = await pullAll('/api/orgs', watcher.token, cursors[i]);
        expect(delta.items, `${write.name}: ${watcher.name}'s orgs delta`).toEqual([expect.objectContaining({ id: orgA.id, heads: afterA, deletedAt: null })]);
      }
    }

    // The removed member got the tombstone once; later changes in the org do not bring it back to them.
    const gone = await pullAll('/api/orgs', joiner.token);
    expect(gone.items.find((o) => o.id === orgA.id)).toMatchObject({ deletedAt: expect.any(Number) });
    expect(gone.items.find((o) => o.id === orgA.id).heads).toBeUndefined();
    await createProject(owner, orgA.id, 'After they left');
    expect((await pullAll('/api/orgs', joiner.token, gone.cursor)).items).toEqual([]);
  });

  it('a write that fails its guard or changes nothing moves no head', async () => {
    const owner = await signUp('Own');
    const org = await createOrg(owner);
    const project = await createProject(owner, org.id);
    const before = await headsOf(org.id);
    const stale = await call(`/api/orgs/${org.id}/projects/${project.id}`, {
      method: 'PATCH',
      token: owner.token,
      body: { name: 'Stale' },
      headers: { 'if-match': `"${project.version + 5}"` },
    });
    expectError(stale, 'PRECONDITION_FAILED', 412);
    expectError(await call(`/api/orgs/${org.id}/members/${owner.id}`, { method: 'PATCH', token: owner.token, body: { role: 'member' } }), 'ORG_LAST_OWNER');
    // A merge whose only entry loses writes nothing.
    const older = clock.next();
    const newer = clock.next();
    await ok(call(`/api/orgs/${org.id}/settings`, { method: 'PATCH', token: owner.token, body: { entries: [{ key: 'appraisal.blindReview', value: true, hlc: newer }] } }));
    const afterWrite = await headsOf(org.id);
    expect(afterWrite.settings).toBeGreaterThan(before.settings);
    const replay = await ok(
      call(`/api/orgs/${org.id}/settings`, { method: 'PATCH', token: owner.token, body: { entries: [{ key: 'appraisal.blindReview', value: true, hlc: older }] } }),
    );
    expect(replay.results[0].status).toBe('stale');
    expect(await headsOf(org.id)).toEqual(afterWrite);
    expect({ ...afterWrite, settings: before.settings }).toEqual(before);
  });
});

/** The org-wide project-members listing, pulled to the end. */
const listing = (orgId: string, user: TestUser, cursor?: string, limit?: number) =>
  pullAll(`/api/orgs/${orgId}/project-members`, user.token, cursor, limit);
const keysOf = (items: { projectId: string; userId: string }[]) => items.map((i) => `${i.projectId}/${i.userId}`).sort();
const byKey = <T extends { projectId: string; userId: string }>(items: T[]) =>
  [...items].sort((a, b) => (`${a.projectId}/${a.userId}` < `${b.projectId}/${b.userId}` ? -1 : 1));

async function setup() {
  const [owner, admin, member, other] = await Promise.all([signUp('Own'), signUp('Adm'), signUp('Mem'), signUp('Oth')]);
  const org = await createOrg(owner);
  await addOrgMember(owner, org.id, admin, 'admin');
  await addOrgMember(owner, org.id, member);
  await addOrgMember(owner, org.id, other);
  const p1 = await createProject(owner, org.id, 'P1');
  const p2 = await createProject(owner, org.id, 'P2');
  const p3 = await createProject(owner, org.id, 'P3');
  const addTo = (projectId: string, user: TestUser) =>
    ok(call(`/api/orgs/${org.id}/projects/${projectId}/members`, { method: 'POST', token: owner.token, body: { userId: user.id, role: 'member' } }));
  await addTo(p1.id, member);
  await addTo(p1.id, other);
  await addTo(p2.id, other);
  return { owner, admin, member, other, org, p1, p2, p3, addTo };
}

describe('GET /api/orgs/:orgId/project-members', () => {
  it('admins see every project’s members, a plain member only their projects’, in the per-project item shape, paged', async () => {
    const { owner, admin, member, org, p1, p2, p3 } = await setup();
    const perProject = async (projectId: string) => (await pullAll(`/api/orgs/${org.id}/projects/${projectId}/members`, owner.token)).items;
    const all = [...(await perProject(p1.id)), ...(await perProject(p2.id)), ...(await perProject(p3.id))];
    expect(all).toHaveLength(6);
    for (const viewer of [owner, admin]) {
      const full = await listing(org.id, viewer);
      expect(keysOf(full.items)).toEqual(keysOf(all));
      expect(byKey(full.items)).toEqual(byKey(all));
      const paged = await listing(org.id, viewer, undefined, 1);
      expect(paged.items).toHaveLength(6);
      expect(keysOf(paged.items)).toEqual(keysOf(all));
    }
    const mine = await listing(org.id, member, undefined, 1);
    expect(keysOf(mine.items)).toEqual(keysOf(await perProject(p1.id)));
    // Nothing changed: the final cursor gives an empty page.
    expect((await listing(org.id, member, mine.cursor)).items).toEqual([]);
    expectError(await call(`/api/orgs/${org.id}/project-members`, { token: (await signUp('Out')).token }), 'ORG_NOT_FOUND', 404);
    const orgsCursor = (await pullAll('/api/orgs', member.token)).cursor;
    expectError(await call(`/api/orgs/${org.id}/project-members?cursor=${encodeURIComponent(orgsCursor)}`, { token: member.token }), 'CURSOR_INVALID', 400);
  });

  it('returns changes and tombstones: a removed membership, a deleted project’s memberships', async () => {
    const { owner, member, other, org, p1, p2, p3 } = await setup();
    const ownerStart = await listing(org.id, owner);
    const memberStart = await listing(org.id, member);
    await ok(call(`/api/orgs/${org.id}/projects/${p1.id}/members/${other.id}`, { method: 'DELETE', token: owner.token }));
    await ok(call(`/api/orgs/${org.id}/projects/${p2.id}`, { method: 'DELETE', token: owner.token }));
    await ok(call(`/api/orgs/${org.id}/projects/${p3.id}`, { method: 'PATCH', token: owner.token, body: { name: 'Renamed' } }));
    const ownerNext = await listing(org.id, owner, ownerStart.cursor, 1);
    expect(keysOf(ownerNext.items)).toEqual(keysOf([
      { projectId: p1.id, userId: other.id },
      { projectId: p2.id, userId: owner.id },
      { projectId: p2.id, userId: other.id },
    ]));
    for (const item of ownerNext.items) expect(item).toMatchObject({ orgId: org.id, deletedAt: expect.any(Number) });
    // The plain member sees the removal in their project, nothing of P2 (never theirs).
    const memberNext = await listing(org.id, member, memberStart.cursor);
    expect(memberNext.items).toEqual([expect.objectContaining({ projectId: p1.id, userId: other.id, deletedAt: expect.any(Number) })]);
  });

  it('410 once the caller’s role changed; the resync returns exactly what they may now see', async () => {
    const { owner, member, org, p1 } = await setup();
    const asMember = await listing(org.id, member);
    await ok(call(`/api/orgs/${org.id}/members/${member.id}`, { method: 'PATCH', token: owner.token, body: { role: 'admin' } }));
    expectError(await call(`/api/orgs/${org.id}/project-members?cursor=${encodeURIComponent(asMember.cursor)}`, { token: member.token }), 'CURSOR_EXPIRED', 410);
    const asAdmin = await listing(org.id, member);
    expect(asAdmin.items).toHaveLength(6);
    await ok(call(`/api/orgs/${org.id}/members/${member.id}`, { method: 'PATCH', token: owner.token, body: { role: 'member' } }));
    expectError(await call(`/api/orgs/${org.id}/project-members?cursor=${encodeURIComponent(asAdmin.cursor)}`, { token: member.token }), 'CURSOR_EXPIRED', 410);
    const again = await listing(org.id, member);
    expect(keysOf(again.items)).toEqual(keysOf((await pullAll(`/api/orgs/${org.id}/projects/${p1.id}/members`, owner.token)).items));
  });

  it('410 once a plain member’s own project memberships changed; the resync neither misses nor leaks', async () => {
    const { owner, member, other, org, p1, p2, addTo } = await setup();
    const start = await listing(org.id, member);
    // Added to P2: P2's older rows sit behind the cursor, so the cursor is void.
    await addTo(p2.id, member);
    expectError(await call(`/api/orgs/${org.id}/project-members?cursor=${encodeURIComponent(start.cursor)}`, { token: member.token }), 'CURSOR_EXPIRED', 410);
    const both = await listing(org.id, member);
    expect(keysOf(both.items)).toEqual(keysOf([
      { projectId: p1.id, userId: owner.id },
      { projectId: p1.id, userId: member.id },
      { projectId: p1.id, userId: other.id },
      { projectId: p2.id, userId: owner.id },
      { projectId: p2.id, userId: other.id },
      { projectId: p2.id, userId: member.id },
    ]));
    // Leaves P1: void again, and the resync holds P2 only, no tombstones of P1.
    await ok(call(`/api/orgs/${org.id}/projects/${p1.id}/members/${member.id}`, { method: 'DELETE', token: member.token }));
    expectError(await call(`/api/orgs/${org.id}/project-members?cursor=${encodeURIComponent(both.cursor)}`, { token: member.token }), 'CURSOR_EXPIRED', 410);
    const onlyP2 = await listing(org.id, member);
    expect(onlyP2.items.every((i) => i.projectId === p2.id && i.deletedAt === null)).toBe(true);
    expect(onlyP2.items).toHaveLength(3);
    // Another member's change in a project they belong to is an ordinary delta, not a 410.
    await ok(call(`/api/orgs/${org.id}/projects/${p2.id}/members/${other.id}`, { method: 'DELETE', token: owner.token }));
    const delta = await listing(org.id, member, onlyP2.cursor);
    expect(delta.items).toEqual([expect.objectContaining({ projectId: p2.id, userId: other.id, deletedAt: expect.any(Number) })]);
  });

  it('an admin’s own project memberships do not void their cursor (they see every project anyway)', async () => {
    const { admin, org } = await setup();
    const start = await listing(org.id, admin);
    const made = await createProject(admin, org.id, 'By the admin');
    const delta = await listing(org.id, admin, start.cursor);
    expect(delta.items).toEqual([expect.objectContaining({ projectId: made.id, userId: admin.id, role: 'owner', deletedAt: null })]);
  });
});
