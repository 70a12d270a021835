import { sql } from 'drizzle-orm';
import type { CreateProjectRequest, Page, PageQuery, ProjectItem, UpdateProjectRequest } from '../../shared/index.js';
import type { AuthUser } from '../env.js';
import type { SqlStore } from '../store/sql-store.js';
import { HttpError, notFound } from '../http/http-error.js';
import { PROJECT_ITEM, PROJECT_ITEM_VIA_MEMBERSHIP, projectBody } from '../db/row-json.js';
import type { Mutation } from '../sync/commit.js';
import { orgScope } from '../live/notify.js';
import { decodeCursor } from '../sync/cursor.js';
import { HEADS_OF, moveHeads } from '../sync/org-heads.js';
import { runPage } from '../sync/run-page.js';
import { currentSeq, readMeta } from '../sync/seq.js';
import { isOrgAdmin, requireOrgRole, requireProjectAccess, requireProjectManager } from './access.js';

/**
 * Projects of an org the caller can see: all of them for org admins and owners (deleted ones as tombstones),
 * otherwise the ones they belong to (with tombstones for deleted projects and removed memberships).
 *
 * When the caller's own org membership changed after the cursor (promoted or demoted), the set they may see
 * changed wholesale: rows that became visible may sit behind the cursor, and rows that became invisible must
 * not be listed as tombstones to someone who never saw them. So that cursor is 410 CURSOR_EXPIRED and the
 * client resyncs the collection from scratch, which returns exactly the visible rows.
 */
export async function listProjects(store: SqlStore, user: AuthUser, orgId: string, query: PageQuery, now: number): Promise<Page<ProjectItem>> {
  const access = await requireOrgRole(store, orgId, user.id, 'member');
  const tag = `projects:${orgId}`;
  if (query.cursor !== undefined) {
    const meta = await readMeta(store);
    const from = decodeCursor(query.cursor, tag, { purgedSeq: meta.purgedSeq, now }, store.space);
    // The epoch, not the position: a mid-collection cursor's position can be older than the membership.
    if (access.membershipSeq > from.epoch) {
      throw new HttpError('CURSOR_EXPIRED', 'your role in this org changed: resync projects from scratch');
    }
  }
  const select = isOrgAdmin(access.role)
    ? sql`SELECT ${PROJECT_ITEM} AS item, p.seq AS seq, p.id AS k FROM projects p WHERE p.org_id = ${orgId}`
    : sql`SELECT ${PROJECT_ITEM_VIA_MEMBERSHIP} AS item, MAX(p.seq, pm.seq) AS seq, p.id AS k
          FROM projects p JOIN project_members pm ON pm.project_id = p.id AND pm.user_id = ${user.id}
          WHERE p.org_id = ${orgId}`;
  return runPage<ProjectItem>(store, tag, query, select, now);
}

/** Any org member creates a project (client-chosen uuid allowed, for offline creates) and owns it. */
export async function createProject(store: SqlStore, user: AuthUser, orgId: string, input: CreateProjectRequest, now: number): Promise<Mutation> {
  await requireOrgRole(store, orgId, user.id, 'member');
  const id = input.id ?? crypto.randomUUID();
  if ((await store.all(sql`SELECT 1 FROM projects WHERE id = ${id}`)).length > 0) {
    throw new HttpError('ALREADY_EXISTS', 'a project with this id exists');
  }
  return {
    status: 201,
    effect: [
      sql`INSERT INTO projects (id, org_id, name, description, created_by, created_at, updated_at, deleted_at, version, seq)
                 VALUES (${id}, ${orgId}, ${input.name}, ${input.description ?? ''}, ${user.id}, ${now}, ${now}, NULL, 1, ${currentSeq})`,
      sql`INSERT INTO project_members (project_id, org_id, user_id, role, created_at, updated_at, deleted_at, version, seq)
                 VALUES (${id}, ${orgId}, ${user.id}, 'owner', ${now}, ${now}, NULL, 1, ${currentSeq})`,
      moveHeads(orgId, HEADS_OF.projectCreateOrDelete),
    ],
    live: { pokes: [orgScope(orgId)] },
    body: projectBody(id),
  };
}

/** `If-Match: "<version>"` (or a bare number); anything else is a validation error, not a silent skip. */
export function parseIfMatch(header: string | undefined): number | undefined {
  if (header === undefined) return undefined;
  const match = /^\s*(?:W\/)?"?(\d{1,15})"?\s*$/.exec(header);
  if (!match) throw new HttpError('VALIDATION_FAILED', 'If-Match must be "<version>"');
  return Number(match[1]);
}

/** Project members and org admins edit; with If-Match, a stale version is 412 carrying the current row. */
export async function updateProject(
  store: SqlStore,
  user: AuthUser,
  orgId: string,
  projectId: string,
  input: UpdateProjectRequest,
  ifMatch: number | undefined,
  now: number,
): Promise<Mutation> {
  const access = await requireProjectAccess(store, orgId, projectId, user.id);
  const precondition = async () => {
    const rows = await store.all<{ item: string }>(sql`SELECT ${projectBody(projectId)} AS item`);
    const current = rows[0]?.item ? (JSON.parse(rows[0].item) as unknown) : null;
    return new HttpError('PRECONDITION_FAILED', 'the project changed since that version', { current });
  };
  if (ifMatch !== undefined && ifMatch !== access.version) throw await precondition();
  const versionCheck = ifMatch === undefined ? sql`` : sql` AND version = ${ifMatch}`;
  return {
    status: 200,
    effect: [
      sql`UPDATE projects SET
                   name = COALESCE(${input.name ?? null}, name),
                   description = COALESCE(${input.description ?? null}, description),
                   updated_at = ${now}, version = version + 1, seq = ${currentSeq}
                 WHERE id = ${projectId} AND deleted_at IS NULL${versionCheck}`,
      moveHeads(orgId, HEADS_OF.projectUpdate, { afterGuard: true }),
    ],
    live: { pokes: [orgScope(orgId)] },
    guarded: { onGuardFailed: async () => (ifMatch === undefined ? notFound('project') : precondition()) },
    body: projectBody(projectId),
  };
}

/** Project owners and org admins delete; the row stays as a tombstone until the retention purge. */
export async function deleteProject(store: SqlStore, user: AuthUser, orgId: string, projectId: string, now: number): Promise<Mutation> {
  requireProjectManager(await requireProjectAccess(store, orgId, projectId, user.id));
  return {
    status: 200,
    effect: [
      sql`UPDATE projects SET deleted_at = ${now}, updated_at = ${now}, version = version + 1, seq = ${currentSeq}
                 WHERE id = ${projectId} AND deleted_at IS NULL`,
      moveHeads(orgId, HEADS_OF.projectCreateOrDelete, { afterGuard: true }),
    ],
    live: { pokes: [orgScope(orgId)] },
    guarded: { onGuardFailed: async () => notFound('project') },
    body: projectBody(projectId),
  };
}
