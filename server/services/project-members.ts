import { sql } from 'drizzle-orm';
import type {
  AddProjectMemberRequest,
  Page,
  PageQuery,
  ProjectMemberItem,
  UpdateProjectMemberRequest,
} from '../../shared/index.js';
import type { AuthUser } from '../env.js';
import type { SqlStore } from '../store/sql-store.js';
import { HttpError, notFound } from '../http/http-error.js';
import { PROJECT_MEMBER_ITEM, PROJECT_MEMBER_ITEM_IN_ORG, projectMemberBody } from '../db/row-json.js';
import type { Mutation } from '../sync/commit.js';
import { orgScope } from '../live/notify.js';
import { HEADS_OF, moveHeads } from '../sync/org-heads.js';
import { runPage } from '../sync/run-page.js';
import { requireOrgRole, requireProjectAccess, requireProjectManager } from './access.js';
import { projectMembership } from './membership-rules.js';
import { resolveTarget } from './users.js';

const { role: memberRole, lastOwnerOr404 } = projectMembership;

export async function listProjectMembers(
  store: SqlStore,
  user: AuthUser,
  orgId: string,
  projectId: string,
  query: PageQuery,
  now: number,
): Promise<Page<ProjectMemberItem>> {
  await requireProjectAccess(store, orgId, projectId, user.id);
  return runPage<ProjectMemberItem>(
    store,
    `project-members:${projectId}`,
    query,
    sql`SELECT ${PROJECT_MEMBER_ITEM} AS item, pm.seq AS seq, pm.user_id AS k
        FROM project_members pm JOIN user u ON u.id = pm.user_id WHERE pm.project_id = ${projectId}`,
        now,
  );
}

/**
 * The project memberships of a whole org that the caller may see, as one collection: every project's members
 * for org admins and owners, otherwise the members of the projects the caller belongs to. A membership of a
 * deleted project is a tombstone, placed at the deletion (a project is never revived). One paged pull per org
 * instead of one per project.
 *
 * Who sees what is decided inside the page's transaction from the caller's rows as they are then, and a cursor
 * issued before the caller's org membership changed (or, for a plain member, before any of their own project
 * memberships in the org changed) is 410 CURSOR_EXPIRED: the projects they see changed wholesale, so the client
 * resyncs from scratch and gets exactly the visible rows, never missing a newly visible project's old rows nor
 * learning of a project they never saw. An admin's visibility does not depend on their project memberships, so
 * those do not void their cursors.
 */
export async function listOrgProjectMembers(store: SqlStore, user: AuthUser, orgId: string, query: PageQuery, now: number): Promise<Page<ProjectMemberItem>> {
  await requireOrgRole(store, orgId, user.id, 'member');
  const callerIsAdmin = sql`EXISTS (SELECT 1 FROM org_members cm WHERE cm.org_id = ${orgId} AND cm.user_id = ${user.id}
                                    AND cm.deleted_at IS NULL AND cm.role IN ('owner', 'admin'))`;
  const callerInProject = sql`EXISTS (SELECT 1 FROM project_members mine WHERE mine.project_id = pm.project_id
                                      AND mine.user_id = ${user.id} AND mine.deleted_at IS NULL)`;
  const ownChanges = sql`SELECT CASE WHEN cm.role IN ('owner', 'admin') AND cm.deleted_at IS NULL THEN cm.seq
      ELSE MAX(cm.seq, COALESCE((SELECT MAX(mine.seq) FROM project_members mine WHERE mine.org_id = ${orgId}
                                 AND mine.user_id = ${user.id}), 0)) END
    FROM org_members cm WHERE cm.org_id = ${orgId} AND cm.user_id = ${user.id}`;
  return runPage<ProjectMemberItem>(
    store,
    `org-project-members:${orgId}`,
    query,
    sql`SELECT ${PROJECT_MEMBER_ITEM_IN_ORG} AS item,
               CASE WHEN p.deleted_at IS NULL THEN pm.seq ELSE MAX(pm.seq, p.seq) END AS seq,
               pm.project_id || ' ' || pm.user_id AS k
        FROM project_members pm JOIN projects p ON p.id = pm.project_id JOIN user u ON u.id = pm.user_id
        WHERE pm.org_id = ${orgId} AND (${callerIsAdmin} OR ${callerInProject})`,
    now,
    { seq: ownChanges, message: 'your role or project memberships in this org changed: resync project members from scratch' },
  );
}

/**
 * Project owners and org admins add members; the target must already belong to the org. `target`: as for
 * addOrgMember, the user the directory resolved (not looked up in this store).
 */
export async function addProjectMember(
  store: SqlStore,
  user: AuthUser,
  orgId: string,
  projectId: string,
  input: AddProjectMemberRequest,
  now: number,
  target?: AuthUser | null,
): Promise<Mutation> {
  requireProjectManager(await requireProjectAccess(store, orgId, projectId, user.id));
  const targetId = await resolveTarget(store, input, target);
  const inOrg = await store.all(
    sql`SELECT 1 FROM org_members WHERE org_id = ${orgId} AND user_id = ${targetId} AND deleted_at IS NULL`,
  );
  if (inOrg.length === 0) throw new HttpError('MEMBER_NOT_FOUND', 'the user is not a member of this org', { reason: 'not_org_member' });
  if ((await memberRole(store, projectId, targetId)) !== null) throw new HttpError('ALREADY_MEMBER', 'already a member of this project');
  return {
    status: 201,
    effect: [
      projectMembership.add(projectId, targetId, input.role, now, { org_id: orgId }),
      moveHeads(orgId, HEADS_OF.projectMembership, { afterGuard: true }),
    ],
    live: { pokes: [orgScope(orgId)] },
    guarded: { onGuardFailed: async () => new HttpError('ALREADY_MEMBER', 'already a member of this project') },
    body: projectMemberBody(projectId, targetId),
  };
}

export async function updateProjectMember(
  store: SqlStore,
  user: AuthUser,
  orgId: string,
  projectId: string,
  targetId: string,
  input: UpdateProjectMemberRequest,
  now: number,
): Promise<Mutation> {
  requireProjectManager(await requireProjectAccess(store, orgId, projectId, user.id));
  if ((await memberRole(store, projectId, targetId)) === null) throw notFound('member');
  return {
    status: 200,
    effect: [
      projectMembership.setRole(projectId, targetId, input.role, now),
      moveHeads(orgId, HEADS_OF.projectMembership, { afterGuard: true }),
    ],
    live: { pokes: [orgScope(orgId)] },
    guarded: { onGuardFailed: lastOwnerOr404(store, projectId, targetId) },
    body: projectMemberBody(projectId, targetId),
  };
}

/** A member leaves, or a project owner / org admin removes them; the last owner stays. */
export async function removeProjectMember(
  store: SqlStore,
  user: AuthUser,
  orgId: string,
  projectId: string,
  targetId: string,
  now: number,
): Promise<Mutation> {
  const access = await requireProjectAccess(store, orgId, projectId, user.id);
  if (targetId !== user.id) requireProjectManager(access);
  if ((await memberRole(store, projectId, targetId)) === null) throw notFound('member');
  return {
    status: 200,
    effect: [
      projectMembership.remove(projectId, targetId, now),
      moveHeads(orgId, HEADS_OF.projectMembership, { afterGuard: true }),
    ],
    live: { pokes: [orgScope(orgId)] },
    guarded: { onGuardFailed: lastOwnerOr404(store, projectId, targetId) },
    body: projectMemberBody(projectId, targetId),
  };
}
