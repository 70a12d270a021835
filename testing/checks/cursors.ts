import {
  orgMemberPageSchema,
  orgPageSchema,
  orgTombstoneSchema,
  projectPageSchema,
  projectSchema,
  projectTombstoneSchema,
  settingPageSchema,
} from '../../shared/index.js';
import type { ConformanceCheck } from '../check.js';
import { expectError, expectShape, expectStatus, expectThat, expectValue } from '../expect.js';
import { addOrgMember, createOrg, createProject, pullAll } from './fixtures.js';

/*
 * Pull cursors (DESIGN section 4; server/sync/cursor.ts, page.ts, run-page.ts): pages are
 * `{ items, nextCursor, hasMore, serverTime }` with `?cursor=&limit=` (1-1000); the cursor is an opaque position
 * in a change sequence that grows in commit order, so paging returns every row exactly once and a row changed
 * later comes again past the cursor; deletes and revocations are tombstones; a cursor that is not this
 * collection's is 400 CURSOR_INVALID, one issued before the caller's role changed is 410 CURSOR_EXPIRED.
 */

const ids = (items: readonly { id: string }[]) => items.map((i) => i.id);

export const cursorChecks: readonly ConformanceCheck[] = [
  {
    id: 'cursors.page-shape',
    title: 'every collection answers the page shape, nextCursor always present',
    rule: 'Pages are { items, nextCursor, hasMore, serverTime }; nextCursor is present on every page, the last and an empty one included.',
    async run(ctx) {
      const ann = await ctx.user('ann');
      const org = await createOrg(ctx, ann);
      const collections = [
        ['/orgs', orgPageSchema],
        [`/orgs/${org.id}/members`, orgMemberPageSchema],
        [`/orgs/${org.id}/projects`, projectPageSchema],
        ['/settings', settingPageSchema],
        [`/orgs/${org.id}/settings`, settingPageSchema],
      ] as const;
      for (const [path, schema] of collections) {
        const res = await ctx.send(ann, 'GET', path);
        expectStatus(res, 200, `GET ${path}`);
        const page = expectShape(res, schema, `GET ${path} to answer the page shape of its collection`);
        expectThat(!page.hasMore, `GET ${path} of a new user to fit one page (hasMore: false)`, res);
      }
    },
  },
  {
    id: 'cursors.exactly-once',
    title: 'paging with cursor and limit returns every row exactly once',
    rule: 'Following nextCursor with ?limit=n yields pages of at most n rows, hasMore until the last, and every row exactly once; a pull from the final cursor is empty.',
    async run(ctx) {
      const ann = await ctx.user('ann');
      const org = await createOrg(ctx, ann);
      const created: string[] = [];
      for (let i = 0; i < 5; i++) created.push((await createProject(ctx, ann, org.id)).id);
      const path = `/orgs/${org.id}/projects`;
      const paged = await pullAll(ctx, ann, path, projectPageSchema, { limit: 2 });
      const seen = ids(paged.items);
      expectThat(paged.pages >= 3, 'five rows at limit=2 to take at least three pages (hasMore: true until the last)', undefined, `${paged.pages} pages`);
      expectThat(new Set(seen).size === seen.length, 'no row twice across pages', undefined, JSON.stringify(seen));
      expectThat(created.every((id) => seen.includes(id)) && seen.length === created.length, 'every created row once', undefined, `created ${JSON.stringify(created)}, paged ${JSON.stringify(seen)}`);
      const after = await ctx.send(ann, 'GET', path, { query: { cursor: paged.cursor } });
      const rest = expectShape(after, projectPageSchema, 'a pull from the final cursor');
      expectThat(rest.items.length === 0 && !rest.hasMore, 'a pull from the final cursor to be empty (nothing returned twice)', after);
    },
  },
  {
    id: 'cursors.change-order',
    title: 'rows come in the order of their last change; a changed row comes again past the cursor',
    rule: 'The cursor is a change sequence in commit order: a row changed after a pull is returned again (changed) past that pull’s cursor, and a pull from the start lists it after rows that did not change since.',
    async run(ctx) {
      const ann = await ctx.user('ann');
      const org = await createOrg(ctx, ann);
      const [p1, p2, p3] = [await createProject(ctx, ann, org.id), await createProject(ctx, ann, org.id), await createProject(ctx, ann, org.id)];
      const path = `/orgs/${org.id}/projects`;
      const start = await pullAll(ctx, ann, path, projectPageSchema);
      expectThat(JSON.stringify(ids(start.items)) === JSON.stringify([p1.id, p2.id, p3.id]), 'rows in the order they were written', undefined, `written ${JSON.stringify([p1.id, p2.id, p3.id])}, pulled ${JSON.stringify(ids(start.items))}`);
      const name = ctx.unique('changed');
      expectStatus(await ctx.send(ann, 'PATCH', `${path}/${p1.id}`, { json: { name } }), 200, `PATCH ${path}/:projectId to rename`);
      const since = await pullAll(ctx, ann, path, projectPageSchema, { cursor: start.cursor });
      const changed = since.items.map((i) => expectValue(i, projectSchema, 'the changed row, alive'));
      expectThat(changed.length === 1 && changed[0]?.id === p1.id && changed[0].name === name, 'a pull from the earlier cursor to return exactly the renamed row, renamed', undefined, JSON.stringify(since.items));
      // In one page and across pages: the order is the cursor's, not something a page sorts on its own.
      for (const limit of [200, 1]) {
        const again = await pullAll(ctx, ann, path, projectPageSchema, { limit });
        expectThat(JSON.stringify(ids(again.items)) === JSON.stringify([p2.id, p3.id, p1.id]), `a pull from the start (limit=${limit}) to list the renamed row last`, undefined, `pulled ${JSON.stringify(ids(again.items))}, expected ${JSON.stringify([p2.id, p3.id, p1.id])}`);
      }
    },
  },
  {
    id: 'cursors.tombstone',
    title: 'a deleted row comes past the cursor as a tombstone with deletedAt',
    rule: 'A delete is a tombstone that pulls return: an item with its key fields and a numeric deletedAt (DELETE answers it too).',
    async run(ctx) {
      const ann = await ctx.user('ann');
      const org = await createOrg(ctx, ann);
      const project = await createProject(ctx, ann, org.id);
      const path = `/orgs/${org.id}/projects`;
      const start = await pullAll(ctx, ann, path, projectPageSchema);
      const del = await ctx.send(ann, 'DELETE', `${path}/${project.id}`);
      expectStatus(del, 200, `DELETE ${path}/:projectId`);
      expectShape(del, projectTombstoneSchema, 'DELETE to answer the tombstone { id, orgId, deletedAt: number }');
      const since = await pullAll(ctx, ann, path, projectPageSchema, { cursor: start.cursor });
      expectThat(since.items.length === 1, 'exactly one item past the cursor: the tombstone', undefined, JSON.stringify(since.items));
      const tombstone = expectValue(since.items[0], projectTombstoneSchema, 'the pulled item to be a tombstone { id, orgId, deletedAt: number }');
      expectThat(tombstone.id === project.id, 'the tombstone to name the deleted project', undefined, JSON.stringify(tombstone));
    },
  },
  {
    id: 'cursors.revocation-tombstone',
    title: 'a removed member pulls the org’s tombstone and gets 404 under it',
    rule: 'Removal from an org is a tombstone in the removed user’s GET /orgs (key fields only, no name) and 404 ORG_NOT_FOUND on its sub-collections.',
    async run(ctx) {
      const [ann, bob] = [await ctx.user('ann'), await ctx.user('bob')];
      const org = await createOrg(ctx, ann);
      await addOrgMember(ctx, ann, org.id, bob, 'member');
      const start = await pullAll(ctx, bob, '/orgs', orgPageSchema);
      expectThat(ids(start.items).includes(org.id), 'bob’s GET /orgs to list the org he was added to', undefined, JSON.stringify(start.items));
      expectStatus(await ctx.send(ann, 'DELETE', `/orgs/${org.id}/members/${bob.id}`), 200, 'DELETE /orgs/:orgId/members/:userId to remove bob');
      const since = await pullAll(ctx, bob, '/orgs', orgPageSchema, { cursor: start.cursor });
      const item = since.items.find((o) => o.id === org.id);
      expectValue(item, orgTombstoneSchema, 'bob’s pull past his cursor to carry the org’s tombstone { id, deletedAt: number }');
      expectThat(typeof item === 'object' && item !== null && !('name' in item), 'the tombstone to carry no name (revocations carry key fields only)', undefined, JSON.stringify(item));
      expectError(await ctx.send(bob, 'GET', `/orgs/${org.id}/projects`), 'ORG_NOT_FOUND', 'a removed member reading the org’s projects');
    },
  },
  {
    id: 'cursors.garbage',
    title: 'a garbage cursor is 400 CURSOR_INVALID',
    rule: 'A cursor the server did not issue is 400 CURSOR_INVALID with the error body, on pages and on the settings merge.',
    async run(ctx) {
      const ann = await ctx.user('ann');
      for (const cursor of ['conformance-not-a-cursor', '\u0000\u0001', 'e30', '////', 'x'.repeat(512)]) {
        expectError(await ctx.send(ann, 'GET', '/orgs', { query: { cursor } }), 'CURSOR_INVALID', 'GET /orgs with a garbage cursor');
      }
      expectError(await ctx.send(ann, 'PATCH', '/settings', { json: { entries: [], cursor: 'conformance-not-a-cursor' } }), 'CURSOR_INVALID', 'PATCH /settings with a garbage cursor');
    },
  },
  {
    id: 'cursors.foreign',
    title: 'another collection’s or scope’s cursor is 400 CURSOR_INVALID',
    rule: 'A cursor belongs to one collection of one scope: used on another collection, or on the same collection of another org, it is 400 CURSOR_INVALID (never a silent skip).',
    async run(ctx) {
      const ann = await ctx.user('ann');
      const [x, y] = [await createOrg(ctx, ann), await createOrg(ctx, ann)];
      await createProject(ctx, ann, x.id);
      const orgsCursor = (await pullAll(ctx, ann, '/orgs', orgPageSchema)).cursor;
      const xCursor = (await pullAll(ctx, ann, `/orgs/${x.id}/projects`, projectPageSchema)).cursor;
      expectError(await ctx.send(ann, 'GET', `/orgs/${x.id}/projects`, { query: { cursor: orgsCursor } }), 'CURSOR_INVALID', 'the orgs cursor on a projects page');
      expectError(await ctx.send(ann, 'GET', `/orgs/${y.id}/projects`, { query: { cursor: xCursor } }), 'CURSOR_INVALID', 'org X’s projects cursor on org Y’s projects');
    },
  },
  {
    id: 'cursors.expired-after-role-change',
    title: 'a projects cursor from before the caller’s role changed is 410 CURSOR_EXPIRED',
    rule: 'A projects cursor issued before the caller’s org role changed answers 410 CURSOR_EXPIRED; the resync from scratch returns exactly what they may now see, no tombstones for rows they never saw.',
    async run(ctx) {
      const [ann, bob] = [await ctx.user('ann'), await ctx.user('bob')];
      const org = await createOrg(ctx, ann);
      await addOrgMember(ctx, ann, org.id, bob, 'admin');
      const hidden = await createProject(ctx, ann, org.id);
      const asAdmin = await pullAll(ctx, bob, `/orgs/${org.id}/projects`, projectPageSchema);
      expectThat(ids(asAdmin.items).includes(hidden.id), 'an org admin to see every project of the org', undefined, JSON.stringify(asAdmin.items));
      expectStatus(await ctx.send(ann, 'PATCH', `/orgs/${org.id}/members/${bob.id}`, { json: { role: 'member' } }), 200, 'PATCH /orgs/:orgId/members/:userId { role: member } to demote bob');
      expectError(await ctx.send(bob, 'GET', `/orgs/${org.id}/projects`, { query: { cursor: asAdmin.cursor } }), 'CURSOR_EXPIRED', 'bob’s admin-era cursor after his demotion');
      const asMember = await pullAll(ctx, bob, `/orgs/${org.id}/projects`, projectPageSchema);
      expectThat(asMember.items.length === 0, 'the resync to return nothing for a member of no project (no tombstones either)', undefined, JSON.stringify(asMember.items));
    },
  },
  {
    id: 'cursors.limit-bounds',
    title: 'limit is 1-1000; outside it is 400 VALIDATION_FAILED',
    rule: 'Page routes take ?limit= from 1 to 1000 (default 200) and refuse any other with 400 VALIDATION_FAILED.',
    async run(ctx) {
      const ann = await ctx.user('ann');
      await createOrg(ctx, ann);
      await createOrg(ctx, ann);
      const one = await ctx.send(ann, 'GET', '/orgs', { query: { limit: 1 } });
      const page = expectShape(one, orgPageSchema, 'GET /orgs?limit=1');
      expectThat(page.items.length === 1 && page.hasMore, 'limit=1 over two orgs: one item and hasMore: true', one);
      expectStatus(await ctx.send(ann, 'GET', '/orgs', { query: { limit: 1000 } }), 200, 'GET /orgs?limit=1000');
      for (const limit of ['0', '1001', '-1', 'ten', '1.5']) {
        expectError(await ctx.send(ann, 'GET', '/orgs', { query: { limit } }), 'VALIDATION_FAILED', `GET /orgs?limit=${limit}`);
      }
    },
  },
];
