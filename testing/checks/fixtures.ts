import type * as z from 'zod/mini';
import {
  createHlc,
  createNodeId,
  orgMemberSchema,
  orgSchema,
  projectSchema,
  settingsMergeResponseSchema,
  type Hlc,
  type Org,
  type OrgRole,
  type Project,
  type SettingsMergeResponse,
} from '../../shared/index.js';
import type { CheckContext, CheckUser } from '../check.js';
import { expectShape, expectStatus, expectThat, fail } from '../expect.js';

/*
 * The setup steps checks share. A step that fails is reported as such ("setup: …"): the check could not reach
 * the rule it is about, and the message still shows the exchange that broke it.
 */

export async function createOrg(ctx: CheckContext, user: CheckUser, name = ctx.unique('org')): Promise<Org> {
  const res = await ctx.send(user, 'POST', '/orgs', { json: { name } });
  expectStatus(res, 201, 'setup: POST /orgs { name } to create an org');
  return expectShape(res, orgSchema, 'setup: POST /orgs to answer the org row (with the caller’s role)');
}

export async function createProject(ctx: CheckContext, user: CheckUser, orgId: string, name = ctx.unique('project')): Promise<Project> {
  const res = await ctx.send(user, 'POST', `/orgs/${orgId}/projects`, { json: { name } });
  expectStatus(res, 201, 'setup: POST /orgs/:orgId/projects { name } to create a project');
  return expectShape(res, projectSchema, 'setup: POST /orgs/:orgId/projects to answer the project row');
}

export async function addOrgMember(ctx: CheckContext, admin: CheckUser, orgId: string, member: CheckUser, role: OrgRole): Promise<void> {
  const res = await ctx.send(admin, 'POST', `/orgs/${orgId}/members`, { json: { userId: member.id, role } });
  expectStatus(res, 201, `setup: POST /orgs/:orgId/members { userId, role: ${role} } to add ${member.label}`);
  expectShape(res, orgMemberSchema, 'setup: POST /orgs/:orgId/members to answer the member row');
}

export interface Pulled<T> {
  readonly items: T[];
  /** The nextCursor of the last page. */
  readonly cursor: string;
  readonly pages: number;
}

interface PageShape<T> {
  items: T[];
  nextCursor: string;
  hasMore: boolean;
}

const MAX_PAGES = 200;

/**
 * Follows nextCursor until hasMore is false, checking every page against the collection's page schema. The items
 * are the JSON as sent.
 */
export async function pullAll<S extends z.ZodMiniType<PageShape<unknown>>>(
  ctx: CheckContext,
  user: CheckUser,
  path: string,
  schema: S,
  options: { cursor?: string; limit?: number } = {},
): Promise<Pulled<z.infer<S>['items'][number]>> {
  const items: z.infer<S>['items'][number][] = [];
  let cursor = options.cursor;
  for (let pages = 1; pages <= MAX_PAGES; pages++) {
    const query: Record<string, string | number> = { ...(options.limit === undefined ? {} : { limit: options.limit }), ...(cursor === undefined ? {} : { cursor }) };
    const res = await ctx.send(user, 'GET', path, { query });
    expectStatus(res, 200, `GET ${path} to answer a page`);
    const page = expectShape(res, schema, `GET ${path} to answer { items, nextCursor, hasMore, serverTime }`) as PageShape<unknown>;
    // The items as sent (the schema passed them): parsing drops fields it does not name, and a check may need
    // to see that a tombstone carries no name.
    page.items = (res.json as PageShape<unknown>).items;
    if (options.limit !== undefined) {
      expectThat(page.items.length <= options.limit, `a page of at most limit=${options.limit} items`, res, `${page.items.length} items`);
    }
    items.push(...(page.items as z.infer<S>['items'][number][]));
    cursor = page.nextCursor;
    if (!page.hasMore) return { items, cursor, pages };
  }
  return fail(`GET ${path} to reach hasMore: false within ${MAX_PAGES} pages`);
}

/** A client clock as the engine runs one: shared/'s HLC with a fresh node id. */
export const clientClock = (offsetMs = 0): Hlc => createHlc({ nodeId: createNodeId(), now: () => Date.now() + offsetMs });

/** One settings merge (PATCH), answered 200 with the merge response. */
export async function mergeSettings(
  ctx: CheckContext,
  user: CheckUser,
  path: string,
  entries: readonly unknown[],
  cursor?: string,
): Promise<SettingsMergeResponse> {
  const res = await ctx.send(user, 'PATCH', path, { json: { entries, ...(cursor === undefined ? {} : { cursor }) } });
  expectStatus(res, 200, `PATCH ${path} { entries${cursor === undefined ? '' : ', cursor'} } to merge`);
  return expectShape(res, settingsMergeResponseSchema, `PATCH ${path} to answer { results, changes, cursor, hasMore, serverHlc, serverTime }`);
}

/** Whether `text` carries any of `markers` (names planted in data the caller may not see). */
export const leaks = (text: string, markers: readonly string[]) => markers.filter((m) => text.includes(m));
