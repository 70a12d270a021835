import { sql } from 'drizzle-orm';
import type { CreateOrgRequest, OrgItem, Page, PageQuery, UpdateOrgRequest } from '../../shared/index.js';
import type { AuthUser, Db } from '../env.js';
import { asSqlStore } from '../store/d1-sql-store.js';
import type { SqlStore } from '../store/sql-store.js';
import { HttpError } from '../http/http-error.js';
import { ORG_ITEM, ORG_POSITION, orgBody } from '../db/row-json.js';
import type { Mutation } from '../sync/commit.js';
import { orgScope, userScope } from '../live/notify.js';
import { runPage } from '../sync/run-page.js';
import { HEADS_OF, moveHeads } from '../sync/org-heads.js';
import { currentSeq } from '../sync/seq.js';
import { requireOrgRole } from './access.js';

/**
 * The caller's orgs with their role and change heads. A row's position is ORG_POSITION: the latest of the
 * org's seq, the membership's seq and (while the caller is a member) the org's heads, so a rename, a role
 * change, a removal (tombstone), an addition and any change inside the org all reach the caller's next pull.
 */
export function listOrgs(store: SqlStore, user: AuthUser, query: PageQuery, now: number): Promise<Page<OrgItem>> {
  return runPage<OrgItem>(
    store,
    'orgs',
    query,
    sql`SELECT ${ORG_ITEM} AS item, ${ORG_POSITION} AS seq, o.id AS k
        FROM org_members m JOIN orgs o ON o.id = m.org_id WHERE m.user_id = ${user.id}`,
        now,
  );
}

/** A drizzle `Db` is read as the D1 store (asSqlStore). */
export async function createOrg(source: SqlStore | Db, user: AuthUser, input: CreateOrgRequest, now: number): Promise<Mutation> {
  const id = input.id ?? crypto.randomUUID();
  const existing = await asSqlStore(source).all(sql`SELECT 1 FROM orgs WHERE id = ${id}`);
  if (existing.length > 0) throw new HttpError('ALREADY_EXISTS', 'an org with this id exists');
  return {
    status: 201,
    effect: [
      sql`INSERT INTO orgs (id, name, created_at, updated_at, deleted_at, version, seq)
                 VALUES (${id}, ${input.name}, ${now}, ${now}, NULL, 1, ${currentSeq})`,
      sql`INSERT INTO org_members (org_id, user_id, role, created_at, updated_at, deleted_at, version, seq)
                 VALUES (${id}, ${user.id}, 'owner', ${now}, ${now}, NULL, 1, ${currentSeq})`,
      moveHeads(id, HEADS_OF.orgCreate),
    ],
    live: { pokes: [userScope(user.id)] },
    body: orgBody(id, user.id),
  };
}

export async function updateOrg(store: SqlStore, user: AuthUser, orgId: string, input: UpdateOrgRequest, now: number): Promise<Mutation> {
  await requireOrgRole(store, orgId, user.id, 'admin');
  return {
    status: 200,
    effect: [
      sql`UPDATE orgs SET name = ${input.name}, updated_at = ${now}, version = version + 1, seq = ${currentSeq}
                 WHERE id = ${orgId}`,
    ],
    live: { pokes: [orgScope(orgId)] },
    body: orgBody(orgId, user.id),
  };
}
