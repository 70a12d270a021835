import { sql } from 'drizzle-orm';
import type { OrgRole, ProjectRole } from '../../shared/index.js';
import type { Db } from '../env.js';
import { HttpError, notFound } from '../http/http-error.js';

/**
 * The rules org and project memberships share: look up a member's live role, and the last-owner guard, as a
 * SQL condition so it is checked inside the write's own batch (two concurrent demotions cannot both pass).
 */
function membershipRules<Role extends string>(table: string, scopeColumn: string, lastOwner: 'ORG_LAST_OWNER' | 'PROJECT_LAST_OWNER', what: string) {
  const t = sql.raw(table);
  const scope = sql.raw(scopeColumn);
  const role = async (db: Db, scopeId: string, userId: string): Promise<Role | null> => {
    const rows = await db.all<{ role: Role }>(
      sql`SELECT role FROM ${t} WHERE ${scope} = ${scopeId} AND user_id = ${userId} AND deleted_at IS NULL`,
    );
    return rows[0]?.role ?? null;
  };
  return {
    role,
    /** SQL condition: removing or demoting `userId` still leaves an owner. */
    keepsAnOwner: (scopeId: string, userId: string) => sql`(
      (SELECT role FROM ${t} WHERE ${scope} = ${scopeId} AND user_id = ${userId}) != 'owner'
      OR (SELECT COUNT(*) FROM ${t} WHERE ${scope} = ${scopeId} AND role = 'owner' AND deleted_at IS NULL) > 1)`,
    /** After a guarded write changed nothing: the member vanished (404) or was the last owner (409). */
    lastOwnerOr404: (db: Db, scopeId: string, userId: string) => async () =>
      (await role(db, scopeId, userId)) === null
        ? notFound('member')
        : new HttpError(lastOwner, `${what} must keep at least one owner`),
  };
}

export const orgMembership = membershipRules<OrgRole>('org_members', 'org_id', 'ORG_LAST_OWNER', 'an org');
export const projectMembership = membershipRules<ProjectRole>('project_members', 'project_id', 'PROJECT_LAST_OWNER', 'a project');
