import { orgPageSchema, orgSchema, projectPageSchema, projectSchema, settingPageSchema } from '../../shared/index.js';
import type { ConformanceCheck } from '../check.js';
import type { Exchange } from '../exchange.js';
import { expectError, expectShape, expectThat, expectValue } from '../expect.js';
import { addOrgMember, clientClock, createOrg, createProject, leaks, mergeSettings, pullAll } from './fixtures.js';

/*
 * Cross-user isolation (DESIGN section 4; server/services/access.ts, test/server/isolation-matrix.test.ts): a
 * caller outside an org gets 404 ORG_NOT_FOUND on everything under it, never 403, so ids do not leak; an org
 * member without access to a project gets 404 PROJECT_NOT_FOUND; a member with access but too low a role gets
 * 403 AUTH_FORBIDDEN. No answer carries data the caller may not see, and a refused write changes nothing.
 */

function expectNoLeak(exchange: Exchange, markers: readonly string[], who: string): void {
  const found = leaks(exchange.text, markers);
  expectThat(found.length === 0, `no data ${who} may not see in the answer`, exchange, `it carries ${found.join(', ')}`);
}

export const isolationChecks: readonly ConformanceCheck[] = [
  {
    id: 'isolation.foreign-org',
    title: 'a user outside an org gets 404 on everything under it and changes nothing',
    rule: 'User B, not a member of user A’s org, gets 404 ORG_NOT_FOUND (not 403) reading or writing anything under it, never sees it in GET /orgs, and none of B’s writes apply.',
    async run(ctx) {
      const [ann, bob] = [await ctx.user('ann'), await ctx.user('bob')];
      const orgName = ctx.unique('secret-org');
      const org = await createOrg(ctx, ann, orgName);
      const projectName = ctx.unique('secret-project');
      const project = await createProject(ctx, ann, org.id, projectName);
      const settingValue = ctx.unique('secret-setting');
      await mergeSettings(ctx, ann, `/orgs/${org.id}/settings`, [{ key: 'custom.secret', value: settingValue, hlc: clientClock().next() }]);
      const markers = [orgName, projectName, settingValue];
      const o = `/orgs/${org.id}`;
      const p = `${o}/projects/${project.id}`;
      const attempts: [string, string, unknown?][] = [
        ['GET', `${o}/members`],
        ['GET', `${o}/projects`],
        ['GET', `${o}/settings`],
        ['GET', `${p}/members`],
        ['PATCH', o, { name: 'taken over' }],
        ['POST', `${o}/members`, { userId: bob.id, role: 'owner' }],
        ['POST', `${o}/projects`, { name: 'planted' }],
        ['PATCH', p, { name: 'taken over' }],
        ['DELETE', p],
        ['PATCH', `${o}/settings`, { entries: [{ key: 'custom.secret', value: 'overwritten', hlc: clientClock().next() }] }],
        ['PUT', `${o}/settings/custom.secret`, { value: 'overwritten' }],
      ];
      for (const [method, path, json] of attempts) {
        const res = await ctx.send(bob, method, path, json === undefined ? {} : { json, idempotencyKey: ctx.unique('key') });
        expectError(res, 'ORG_NOT_FOUND', `bob: ${method} ${path.replace(org.id, ':orgId').replace(project.id, ':projectId')} in ann’s org`);
        expectNoLeak(res, markers, 'bob');
      }
      const bobsOrgs = await ctx.send(bob, 'GET', '/orgs');
      expectThat(!expectShape(bobsOrgs, orgPageSchema, 'bob’s GET /orgs').items.some((i) => i.id === org.id), 'bob’s GET /orgs not to list ann’s org', bobsOrgs);
      expectNoLeak(bobsOrgs, markers, 'bob');
      const annOrgs = await pullAll(ctx, ann, '/orgs', orgPageSchema);
      const annOrg = expectValue(annOrgs.items.find((i) => i.id === org.id), orgSchema, 'ann’s org still in her GET /orgs');
      expectThat(annOrg.name === orgName, 'ann’s org not renamed by bob', undefined, JSON.stringify(annOrg));
      const projects = await pullAll(ctx, ann, `${o}/projects`, projectPageSchema);
      const row = expectValue(projects.items.find((i) => i.id === project.id), projectSchema, 'ann’s project still alive');
      expectThat(projects.items.length === 1 && row.name === projectName, 'ann’s projects untouched by bob (none planted, none renamed)', undefined, JSON.stringify(projects.items));
      const settings = await pullAll(ctx, ann, `${o}/settings`, settingPageSchema);
      expectThat(settings.items.some((s) => s.key === 'custom.secret' && s.value === settingValue), 'ann’s org setting not overwritten by bob', undefined, JSON.stringify(settings.items));
    },
  },
  {
    id: 'isolation.hidden-project',
    title: 'an org member outside a project gets 404 PROJECT_NOT_FOUND on it',
    rule: 'A plain org member sees only the projects they belong to; any other project of the org is 404 PROJECT_NOT_FOUND to them, absent from their projects page, and unchanged by their writes.',
    async run(ctx) {
      const [ann, bob] = [await ctx.user('ann'), await ctx.user('bob')];
      const org = await createOrg(ctx, ann);
      await addOrgMember(ctx, ann, org.id, bob, 'member');
      const projectName = ctx.unique('private-project');
      const project = await createProject(ctx, ann, org.id, projectName);
      const p = `/orgs/${org.id}/projects/${project.id}`;
      const page = await ctx.send(bob, 'GET', `/orgs/${org.id}/projects`);
      expectThat(expectShape(page, projectPageSchema, 'bob’s projects page').items.length === 0, 'bob’s projects page not to list a project he is not in', page);
      expectNoLeak(page, [projectName], 'bob');
      for (const [method, path, json] of [['GET', `${p}/members`], ['PATCH', p, { name: 'x' }], ['DELETE', p]] as const) {
        const res = await ctx.send(bob, method, path, json === undefined ? {} : { json });
        expectError(res, 'PROJECT_NOT_FOUND', `bob: ${method} on a project of his org he is not in`);
        expectNoLeak(res, [projectName], 'bob');
      }
      const projects = await pullAll(ctx, ann, `/orgs/${org.id}/projects`, projectPageSchema);
      const row = expectValue(projects.items.find((i) => i.id === project.id), projectSchema, 'the project still alive');
      expectThat(row.name === projectName && row.version === project.version, 'the project untouched', undefined, JSON.stringify(row));
    },
  },
  {
    id: 'isolation.role-forbidden',
    title: 'a member without the role gets 403 AUTH_FORBIDDEN with a reason',
    rule: 'A member who may see a thing but not change it gets 403 AUTH_FORBIDDEN with details.reason: renaming the org, adding members and writing org settings take an admin; the write does not apply.',
    async run(ctx) {
      const [ann, bob, cat] = [await ctx.user('ann'), await ctx.user('bob'), await ctx.user('cat')];
      const orgName = ctx.unique('org');
      const org = await createOrg(ctx, ann, orgName);
      await addOrgMember(ctx, ann, org.id, bob, 'member');
      const o = `/orgs/${org.id}`;
      for (const [method, path, json] of [
        ['PATCH', o, { name: 'renamed by a member' }],
        ['POST', `${o}/members`, { userId: cat.id, role: 'member' }],
        ['PATCH', `${o}/settings`, { entries: [{ key: 'custom.x', value: 1, hlc: clientClock().next() }] }],
        ['PUT', `${o}/settings/custom.x`, { value: 1 }],
      ] as const) {
        const body = expectError(await ctx.send(bob, method, path, { json }), 'AUTH_FORBIDDEN', `bob (member): ${method} ${path.replace(org.id, ':orgId')}`);
        expectThat(typeof body.details?.reason === 'string', 'details.reason to say what is missing', undefined, JSON.stringify(body));
      }
      const read = await ctx.send(bob, 'GET', `${o}/settings`);
      expectShape(read, settingPageSchema, 'a member reading the org settings (allowed)');
      expectThat(!read.text.includes('custom.x'), 'no org setting written by the refused requests', read);
      const annOrgs = await pullAll(ctx, ann, '/orgs', orgPageSchema);
      const row = expectValue(annOrgs.items.find((i) => i.id === org.id), orgSchema, 'the org in ann’s GET /orgs');
      expectThat(row.name === orgName, 'the org not renamed by a member', undefined, JSON.stringify(row));
      const catOrgs = expectShape(await ctx.send(cat, 'GET', '/orgs'), orgPageSchema, 'cat’s GET /orgs');
      expectThat(catOrgs.items.length === 0, 'cat not added to the org by a member', undefined, JSON.stringify(catOrgs.items));
    },
  },
  {
    id: 'isolation.user-settings',
    title: 'user settings are per user: another user neither sees nor overwrites them',
    rule: 'GET /settings and PATCH /settings are the caller’s own registers: user B never receives user A’s, and B writing the same key writes B’s own register.',
    async run(ctx) {
      const [ann, bob] = [await ctx.user('ann'), await ctx.user('bob')];
      const key = `custom.${ctx.unique('mine')}`;
      const secret = ctx.unique('secret-value');
      await mergeSettings(ctx, ann, '/settings', [{ key, value: secret, hlc: clientClock().next() }]);
      const bobPage = await ctx.send(bob, 'GET', '/settings');
      expectThat(expectShape(bobPage, settingPageSchema, 'bob’s GET /settings').items.length === 0, 'bob’s settings page empty', bobPage);
      expectNoLeak(bobPage, [secret], 'bob');
      const bobMerge = await ctx.send(bob, 'PATCH', '/settings', { json: { entries: [{ key, value: 'bob’s own', hlc: clientClock().next() }] } });
      expectNoLeak(bobMerge, [secret], 'bob');
      const merged = (bobMerge.json as { results?: { status?: string }[] } | undefined)?.results?.[0]?.status;
      expectThat(merged === 'applied', 'bob’s write of the same key applied to his own register (nothing of ann’s to lose to)', bobMerge);
      const annPage = await pullAll(ctx, ann, '/settings', settingPageSchema);
      expectThat(annPage.items.some((s) => s.key === key && s.value === secret), 'ann’s register unchanged by bob', undefined, JSON.stringify(annPage.items));
    },
  },
];
