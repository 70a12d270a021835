import { sql } from 'drizzle-orm';
import type {
  AddProjectMemberRequest,
  Page,
  PageQuery,
  ProjectMemberItem,
  UpdateProjectMemberRequest,
} from '../../shared/index.js';
import type { AuthUser, Db } from '../env.js';
import { HttpError, notFound } from '../http/http-error.js';
import { PROJECT_MEMBER_ITEM, projectMemberBody } from '../db/row-json.js';
import type { Mutation } from '../sync/commit.js';
import { runPage } from '../sync/run-page.js';
import { requireProjectAccess, requireProjectManager } from './access.js';
import { projectMembership } from './membership-rules.js';
import { resolveUser } from './users.js';

const { role: memberRole, lastOwnerOr404 } = projectMembership;

export async function listProjectMembers(
  db: Db,
  user: AuthUser,
  orgId: string,
  projectId: string,
  query: PageQuery,
  now: number,
): Promise<Page<ProjectMemberItem>> {
  await requireProjectAccess(db, orgId, projectId, user.id);
  return runPage<ProjectMemberItem>(
    db,
    `project-members:${projectId}`,
    query,
    sql`SELECT ${PROJECT_MEMBER_ITEM} AS item, pm.seq AS seq, pm.user_id AS k
        FROM project_members pm JOIN user u ON u.id = pm.user_id WHERE pm.project_id = ${projectId}`,
        now,
  );
}

/** Project owners and org admins add members; the target must already belong to the org. */
export async function addProjectMember(
  db: Db,
  user: AuthUser,
  orgId: string,
  projectId: string,
  input: AddProjectMemberRequest,
  now: number,
): Promise<Mutation> {
  requireProjectManager(await requireProjectAccess(db, orgId, projectId, user.id));
  const targetId = await resolveUser(db, input);
  const inOrg = await db.all(
    sql`SELECT 1 FROM org_members WHERE org_id = ${orgId} AND user_id = ${targetId} AND deleted_at IS NULL`,
  );
  if (inOrg.length === 0) throw new HttpError('MEMBER_NOT_FOUND', 'the user is not a member of this org', { reason: 'not_org_member' });
  if ((await memberRole(db, projectId, targetId)) !== null) throw new HttpError('ALREADY_MEMBER', 'already a member of this project');
  return {
    status: 201,
    effect: [
      projectMembership.add(projectId, targetId, input.role, now, { org_id: orgId }),
    ],
    guarded: { onGuardFailed: async () => new HttpError('ALREADY_MEMBER', 'already a member of this project') },
    body: projectMemberBody(projectId, targetId),
  };
}

export async function updateProjectMember(
  db: Db,
  user: AuthUser,
  orgId: string,
  projectId: string,
  targetId: string,
  input: UpdateProjectMemberRequest,
  now: number,
): Promise<Mutation> {
  requireProjectManager(await requireProjectAccess(db, orgId, projectId, user.id));
  if ((await memberRole(db, projectId, targetId)) === null) throw notFound('member');
  return {
    status: 200,
    effect: [
      projectMembership.setRole(projectId, targetId, input.role, now),
    ],
    guarded: { onGuardFailed: lastOwnerOr404(db, projectId, targetId) },
    body: projectMemberBody(projectId, targetId),
  };
}

/** A member leaves, or a project owner / org admin removes them; the last owner stays. */
export async function removeProjectMember(
  db: Db,
  user: AuthUser,
  orgId: string,
  projectId: string,
  targetId: string,
  now: number,
): Promise<Mutation> {
  const access = await requireProjectAccess(db, orgId, projectId, user.id);
  if (targetId !== user.id) requireProjectManager(access);
  if ((await memberRole(db, projectId, targetId)) === null) throw notFound('member');
  return {
    status: 200,
    effect: [
      projectMembership.remove(projectId, targetId, now),
    ],
    guarded: { onGuardFailed: lastOwnerOr404(db, projectId, targetId) },
    body: projectMemberBody(projectId, targetId),
  };
}
