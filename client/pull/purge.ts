import type { LocalOp } from '../storage/rows.js';
import type { SyncDatabase } from '../storage/sync-database.js';

/**
 * Lost access: everything cached under a scope goes, in one transaction, with the cursors that would have
 * resumed it and the shadows (server copies) of its rows that have ops queued.
 *
 * Pending ops stay: they fail on their own (404) and the user decides what to do with them. Their shadows do
 * not: the outbox rebuilds a visible row from its shadow whenever an op on it fails, is retried or discarded,
 * so a shadow left behind would bring the revoked row back (DESIGN section 5: after a purge nothing of the lost
 * scope is visible by any path). Without a shadow those transitions write nothing, an op that lands after the
 * purge (it was in flight when access went) writes nothing either (see completeOp), and the scope's ops are
 * marked so their effects are never re-applied, even over a row a later write starts from scratch.
 */
export const purgeTables = (db: SyncDatabase) => [db.orgs, db.orgMembers, db.projects, db.projectMembers, db.settings, db.pdfMeta, db.syncState, db.shadows, db.ops];

export type PurgeScope = { readonly kind: 'org' | 'project'; readonly id: string };

/**
 * Whether an op touches a row under the scope. An op names its scope twice: in its entity (`orgs:<id>`,
 * `orgMembers:<orgId>:<userId>`, `projects:<id>`, `projectMembers:<projectId>:<userId>`) and in its path
 * (the canonical `/api/orgs/<orgId>/projects/<projectId>/…`, whatever the app's route layout: it maps the path
 * only when it is sent); the path is what places a project (or its members) in an org, even when the project's
 * row is no longer visible (a queued delete) or was created offline.
 */
export function opInScope(op: Pick<LocalOp, 'entity' | 'path'>, scope: PurgeScope): boolean {
  const segments = op.path.split('?')[0]!.split('/');
  if (scope.kind === 'org') {
    return op.entity === `orgs:${scope.id}` || op.entity.startsWith(`orgMembers:${scope.id}:`) || (segments[2] === 'orgs' && segments[3] === scope.id);
  }
  return op.entity === `projects:${scope.id}` || op.entity.startsWith(`projectMembers:${scope.id}:`) || (segments[4] === 'projects' && segments[5] === scope.id);
}

/**
 * Detaches the scope's queued ops from the cache: each is marked `scopeLost` (its effect is never shown again,
 * so a later write on the same row cannot re-apply it) and their entities are returned, so their shadows can
 * go. The ops table is small: only unsynced writes live there.
 */
async function detachQueuedOps(db: SyncDatabase, scope: PurgeScope): Promise<Set<string>> {
  const entities = new Set<string>();
  const lost: LocalOp[] = [];
  await db.ops.each((op) => {
    if (!opInScope(op, scope)) return;
    entities.add(op.entity);
    if (op.scopeLost !== true) lost.push({ ...op, scopeLost: true });
  });
  if (lost.length > 0) await db.ops.bulkPut(lost);
  return entities;
}

export async function purgeProject(db: SyncDatabase, projectId: string): Promise<void> {
  await db.transaction('rw', purgeTables(db), async () => {
    await db.projects.delete(projectId);
    await db.projectMembers.where('projectId').equals(projectId).delete();
    await db.pdfMeta.where('projectId').equals(projectId).delete();
    await db.syncState.delete(`projectMembers:${projectId}`);
    await db.shadows.bulkDelete([...(await detachQueuedOps(db, { kind: 'project', id: projectId }))]);
  });
}

export async function purgeOrg(db: SyncDatabase, orgId: string): Promise<void> {
  await db.transaction('rw', purgeTables(db), async () => {
    const queued = await detachQueuedOps(db, { kind: 'org', id: orgId });
    // The org's projects: the visible ones, and those only its queued ops know (a queued delete hides the row).
    const projectIds = new Set((await db.projects.where('orgId').equals(orgId).primaryKeys()) as string[]);
    for (const entity of queued) if (entity.startsWith('projects:')) projectIds.add(entity.slice('projects:'.length));
    for (const projectId of projectIds) await purgeProject(db, projectId);
    await db.projectMembers.where('orgId').equals(orgId).delete();
    await db.orgMembers.where('orgId').equals(orgId).delete();
    await db.settings.where('[scope+scopeId]').equals(['org', orgId]).delete();
    await db.orgs.delete(orgId);
    await db.syncState.bulkDelete([`orgMembers:${orgId}`, `projects:${orgId}`, `settings:org:${orgId}`, `projectMembers:org:${orgId}`]);
    await db.shadows.bulkDelete([...queued]);
  });
}
