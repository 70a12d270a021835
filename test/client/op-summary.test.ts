import { IDBKeyRange, indexedDB } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import { orgMemberWrites, projectMemberWrites } from '../../client/entities/members.js';
import { projectWrites } from '../../client/entities/projects.js';
import { SyncDatabase } from '../../client/storage/sync-database.js';

const ORG = '11111111-1111-4111-8111-111111111111';

describe('op summaries', () => {
  it('say in plain words what each queued write does, naming things as the user saw them', async () => {
    const db = new SyncDatabase(`summary-${Math.random()}`, { indexedDB, IDBKeyRange });
    let ids = 0;
    const ctx = { db, userId: 'u', now: () => 1, newId: () => `00000000-0000-4000-8000-${(++ids).toString(16).padStart(12, '0')}`, kick: () => {} };
    await db.orgMembers.put({ orgId: ORG, userId: 'bob', role: 'member', email: 'bob@example.com', name: 'Bob', createdAt: 1, updatedAt: 1, deletedAt: null, version: 1 });
    const project = await projectWrites(ctx).create(ORG, { name: 'A' });
    await projectWrites(ctx).update(ORG, project.id, { name: 'B' });
    await projectWrites(ctx).update(ORG, project.id, { description: 'notes' });
    await orgMemberWrites(ctx).add(ORG, { email: 'carol@example.com', role: 'admin' });
    await orgMemberWrites(ctx).updateRole(ORG, 'bob', 'admin');
    await projectMemberWrites(ctx).add(ORG, project.id, { userId: 'bob', name: 'Bob', role: 'member' });
    await orgMemberWrites(ctx).remove(ORG, 'bob');
    await projectWrites(ctx).remove(ORG, project.id);
    expect((await db.ops.orderBy('order').toArray()).map((op) => op.summary)).toEqual([
      "Create project 'A'",
      "Rename project 'A' to 'B'",
      "Edit project 'B'",
      'Add carol@example.com to the org as admin',
      'Make Bob an org admin',
      "Add Bob to project 'B' as member",
      'Remove Bob from the org',
      "Delete project 'B'",
    ]);
    db.close();
  });
});
