import { sql } from 'drizzle-orm';
import type { OrgRole, ProjectRole } from '../../shared/index.js';
import type { Db } from '../env.js';
import { asSqlStore } from '../store/d1-sql-store.js';
import type { SqlStore } from '../store/sql-store.js';
import { forbidden, notFound } from '../http/http-error.js';

const RANK: Record<OrgRole, number> = { member: 1, admin: 2, owner: 3 };

export interface OrgAccess {
  role: OrgRole;
  /** seq of the caller's membership row: when it moves past a cursor, what the caller may see changed. */
  membershipSeq: number;
}

/**
 * The caller's role in an org. Not a member (or the org is deleted) is 404 ORG_NOT_FOUND, never 403, so org
 * ids do not leak; a member without the needed role is 403 AUTH_FORBIDDEN. A drizzle `Db` is read as the D1
 * store (asSqlStore).
 */
export async function requireOrgRole(source: SqlStore | Db, orgId: string, userId: string, atLeast: OrgRole): Promise<OrgAccess> {
  const rows = await asSqlStore(source).all<{ role: OrgRole; seq: number }>(sql`
    SELECT m.role, m.seq FROM org_members m JOIN orgs o ON o.id = m.org_id
    WHERE m.org_id = ${orgId} AND m.user_id = ${userId} AND m.deleted_at IS NULL AND o.deleted_at IS NULL`);
  const row = rows[0];
  if (!row) throw notFound('org');
  if (RANK[row.role] < RANK[atLeast]) throw forbidden(`requires org ${atLeast}`);
  return { role: row.role, membershipSeq: row.seq };
}

export const isOrgAdmin = (role: OrgRole) => RANK[role] >= RANK.admin;

export interface ProjectAccess {
  orgRole: OrgRole;
  projectRole: ProjectRole | null;
  version: number;
}

/**
 * The caller's access to a project of an org: org admins and owners see every project, other members only
 * the projects they belong to. No access is 404 PROJECT_NOT_FOUND.
 */
export async function requireProjectAccess(store: SqlStore, orgId: string, projectId: string, userId: string): Promise<ProjectAccess> {
  const { role: orgRole } = await requireOrgRole(store, orgId, userId, 'member');
  const rows = await store.all<{ version: number; role: ProjectRole | null }>(sql`
    SELECT p.version, pm.role FROM projects p
    LEFT JOIN project_members pm ON pm.project_id = p.id AND pm.user_id = ${userId} AND pm.deleted_at IS NULL
    WHERE p.id = ${projectId} AND p.org_id = ${orgId} AND p.deleted_at IS NULL`);
  const row = rows[0];
  if (!row || (!isOrgAdmin(orgRole) && row.role === null)) throw notFound('project');
  return { orgRole, projectRole: row.role, version: row.version };
}

/** Project owner or org admin+: who may manage a project's members or delete it. */
export function requireProjectManager(access: ProjectAccess): void {
  if (access.projectRole !== 'owner' && !isOrgAdmin(access.orgRole)) throw forbidden('requires project owner or org admin');
}
