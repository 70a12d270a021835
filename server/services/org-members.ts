import { sql } from 'drizzle-orm';
import type { AddOrgMemberRequest, OrgMemberItem, Page, PageQuery, UpdateOrgMemberRequest } from '../../shared/index.js';
import type { AuthUser } from '../env.js';
import type { SqlStore } from '../store/sql-store.js';
import { HttpError, forbidden, notFound } from '../http/http-error.js';
import { ORG_MEMBER_ITEM, orgMemberBody } from '../db/row-json.js';
import type { Mutation } from '../sync/commit.js';
import { orgScope, userScope } from '../live/notify.js';
import { runPage } from '../sync/run-page.js';
import { HEADS_OF, moveHeads } from '../sync/org-heads.js';
import { currentSeq } from '../sync/seq.js';
import { requireOrgRole } from './access.js';
import { orgMembership } from './membership-rules.js';
import { resolveTarget } from './users.js';

const { role: memberRole, keepsAnOwner, lastOwnerOr404 } = orgMembership;

export async function listOrgMembers(store: SqlStore, user: AuthUser, orgId: string, query: PageQuery, now: number): Promise<Page<OrgMemberItem>> {
  await requireOrgRole(store, orgId, user.id, 'member');
  return runPage<OrgMemberItem>(
    store,
    `org-members:${orgId}`,
    query,
    sql`SELECT ${ORG_MEMBER_ITEM} AS item, m.seq AS seq, m.user_id AS k
        FROM org_members m JOIN user u ON u.id = m.user_id WHERE m.org_id = ${orgId}`,
        now,
  );
}

/**
 * Admins add members and admins; only an owner grants owner. A removed member is revived in place. `target`:
 * the user as the directory resolved them (null: no such user), for a store whose own user rows are a cache
 * (an org's object), where they are not looked up.
 */
export async function addOrgMember(
  store: SqlStore,
  user: AuthUser,
  orgId: string,
  input: AddOrgMemberRequest,
  now: number,
  target?: AuthUser | null,
): Promise<Mutation> {
  const caller = await requireOrgRole(store, orgId, user.id, 'admin');
  if (input.role === 'owner' && caller.role !== 'owner') throw forbidden('only an owner grants owner');
  const targetId = await resolveTarget(store, input, target);
  if ((await memberRole(store, orgId, targetId)) !== null) throw new HttpError('ALREADY_MEMBER', 'already a member of this org');
  return {
    status: 201,
    effect: [
      orgMembership.add(orgId, targetId, input.role, now),
      moveHeads(orgId, HEADS_OF.orgMembership, { afterGuard: true }),
    ],
    // The new member's own hub too: their devices learn of the org through GET /api/orgs.
    live: { pokes: [orgScope(orgId), userScope(targetId)] },
    guarded: { onGuardFailed: async () => new HttpError('ALREADY_MEMBER', 'already a member of this org') },
    body: orgMemberBody(orgId, targetId),
  };
}

/** Admins change roles; making or unmaking an owner takes an owner; the last owner cannot step down. */
export async function updateOrgMember(
  store: SqlStore,
  user: AuthUser,
  orgId: string,
  targetId: string,
  input: UpdateOrgMemberRequest,
  now: number,
): Promise<Mutation> {
  const caller = await requireOrgRole(store, orgId, user.id, 'admin');
  const current = await memberRole(store, orgId, targetId);
  if (current === null) throw notFound('member');
  if ((current === 'owner' || input.role === 'owner') && caller.role !== 'owner') throw forbidden('only an owner changes owners');
  return {
    status: 200,
    effect: [
      orgMembership.setRole(orgId, targetId, input.role, now),
      moveHeads(orgId, HEADS_OF.orgMembership, { afterGuard: true }),
    ],
    live: { pokes: [orgScope(orgId), userScope(targetId)] },
    guarded: { onGuardFailed: lastOwnerOr404(store, orgId, targetId) },
    body: orgMemberBody(orgId, targetId),
  };
}

/**
 * A member leaves, or an admin removes them (an owner only by an owner). Their project memberships in the
 * org are revoked in the same batch, so their next pulls return tombstones for all of it.
 */
export async function removeOrgMember(store: SqlStore, user: AuthUser, orgId: string, targetId: string, now: number): Promise<Mutation> {
  const self = targetId === user.id;
  const caller = await requireOrgRole(store, orgId, user.id, self ? 'member' : 'admin');
  const current = await memberRole(store, orgId, targetId);
  if (current === null) throw notFound('member');
  if (!self && current === 'owner' && caller.role !== 'owner') throw forbidden('only an owner removes an owner');
  return {
    status: 200,
    effect: [
      sql`UPDATE project_members SET deleted_at = ${now}, updated_at = ${now}, version = version + 1, seq = ${currentSeq}
                 WHERE org_id = ${orgId} AND user_id = ${targetId} AND deleted_at IS NULL AND ${keepsAnOwner(orgId, targetId)}`,
      orgMembership.remove(orgId, targetId, now),
      moveHeads(orgId, HEADS_OF.orgMembership, { afterGuard: true }),
    ],
    // The removed member is cut off from the org's hub at once; their user hub tells their devices to pull.
    live: { pokes: [orgScope(orgId), userScope(targetId)], kicks: [{ scope: orgScope(orgId), userId: targetId }] },
    guarded: { onGuardFailed: lastOwnerOr404(store, orgId, targetId) },
    body: orgMemberBody(orgId, targetId),
  };
}
