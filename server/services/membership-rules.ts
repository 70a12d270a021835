import { sql } from 'drizzle-orm';
import { currentSeq } from '../sync/seq.js';
import type { OrgRole, ProjectRole } from '../../shared/index.js';
import type { SqlStore } from '../store/sql-store.js';
import { HttpError, notFound } from '../http/http-error.js';

/**
 * What org and project memberships share: the live-role lookup, the last-owner guard as a SQL condition (checked
 * inside the write's own batch, so two concurrent demotions cannot both pass), and the three write statements.
 */
function membershipRules<Role extends string>(table: string, scopeColumn: string, lastOwner: 'ORG_LAST_OWNER' | 'PROJECT_LAST_OWNER', what: string) {
  const t = sql.raw(table);
  const scope = sql.raw(scopeColumn);
  const role = async (store: SqlStore, scopeId: string, userId: string): Promise<Role | null> => {
    const rows = await store.all<{ role: Role }>(
      sql`SELECT role FROM ${t} WHERE ${scope} = ${scopeId} AND user_id = ${userId} AND deleted_at IS NULL`,
    );
    return rows[0]?.role ?? null;
  };
  const keepsAnOwner = (scopeId: string, userId: string) => sql`(
      (SELECT role FROM ${t} WHERE ${scope} = ${scopeId} AND user_id = ${userId}) != 'owner'
      OR (SELECT COUNT(*) FROM ${t} WHERE ${scope} = ${scopeId} AND role = 'owner' AND deleted_at IS NULL) > 1)`;
  return {
    role,
    keepsAnOwner,
    /**
     * Adds a member, or revives a removed one in place; changes nothing for a live member (guard on it).
     * `extra` holds further columns of the row (a project member's org_id).
     */
    add: (scopeId: string, userId: string, newRole: Role, now: number, extra: Record<string, string> = {}) => {
      const columns = Object.keys(extra).map((c) => sql.raw(`, ${c}`));
      const values = Object.values(extra).map((v) => sql`, ${v}`);
      return sql`INSERT INTO ${t} (${scope}, user_id${sql.join(columns)}, role, created_at, updated_at, deleted_at, version, seq)
        VALUES (${scopeId}, ${userId}${sql.join(values)}, ${newRole}, ${now}, ${now}, NULL, 1, ${currentSeq})
        ON CONFLICT (${scope}, user_id) DO UPDATE SET role = excluded.role, deleted_at = NULL,
          updated_at = excluded.updated_at, version = ${t}.version + 1, seq = excluded.seq
        WHERE ${t}.deleted_at IS NOT NULL`;
    },
    /** Changes a live member's role, unless that would leave no owner (guard on it). */
    setRole: (scopeId: string, userId: string, newRole: Role, now: number) =>
      sql`UPDATE ${t} SET role = ${newRole}, updated_at = ${now}, version = version + 1, seq = ${currentSeq}
        WHERE ${scope} = ${scopeId} AND user_id = ${userId} AND deleted_at IS NULL
          AND (${newRole} = 'owner' OR ${keepsAnOwner(scopeId, userId)})`,
    /** Tombstones a live member, unless they are the last owner (guard on it). */
    remove: (scopeId: string, userId: string, now: number) =>
      sql`UPDATE ${t} SET deleted_at = ${now}, updated_at = ${now}, version = version + 1, seq = ${currentSeq}
        WHERE ${scope} = ${scopeId} AND user_id = ${userId} AND deleted_at IS NULL AND ${keepsAnOwner(scopeId, userId)}`,
    /** After a guarded write changed nothing: the member vanished (404) or was the last owner (409). */
    lastOwnerOr404: (store: SqlStore, scopeId: string, userId: string) => async () =>
      (await role(store, scopeId, userId)) === null
        ? notFound('member')
        : new HttpError(lastOwner, `${what} must keep at least one owner`),
  };
}

export const orgMembership = membershipRules<OrgRole>('org_members', 'org_id', 'ORG_LAST_OWNER', 'an org');
export const projectMembership = membershipRules<ProjectRole>('project_members', 'project_id', 'PROJECT_LAST_OWNER', 'a project');
