import type { SyncDatabase } from '../storage/sync-database.js';

/**
 * Lost access: everything cached under a scope goes, in one transaction, with the cursors that would have
 * resumed it. Pending ops stay: they fail on their own (404) and the user decides what to do with them.
 */
export const purgeTables = (db: SyncDatabase) => [db.orgs, db.orgMembers, db.projects, db.projectMembers, db.settings, db.pdfMeta, db.syncState, db.shadows];

export async function purgeProject(db: SyncDatabase, projectId: string): Promise<void> {
  await db.transaction('rw', purgeTables(db), async () => {
    await db.projects.delete(projectId);
    await db.projectMembers.where('projectId').equals(projectId).delete();
    await db.pdfMeta.where('projectId').equals(projectId).delete();
    await db.syncState.delete(`projectMembers:${projectId}`);
  });
}

export async function purgeOrg(db: SyncDatabase, orgId: string): Promise<void> {
  await db.transaction('rw', purgeTables(db), async () => {
    const projectIds = (await db.projects.where('orgId').equals(orgId).primaryKeys()) as string[];
    for (const projectId of projectIds) await purgeProject(db, projectId);
    await db.projectMembers.where('orgId').equals(orgId).delete();
    await db.orgMembers.where('orgId').equals(orgId).delete();
    await db.settings.where('[scope+scopeId]').equals(['org', orgId]).delete();
    await db.orgs.delete(orgId);
    await db.syncState.bulkDelete([`orgMembers:${orgId}`, `projects:${orgId}`, `settings:org:${orgId}`]);
  });
}
