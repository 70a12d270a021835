import { projectPageSchema, projectSchema } from '../../shared/index.js';
import type { ConformanceCheck } from '../check.js';
import { expectError, expectShape, expectStatus, expectThat, expectValue } from '../expect.js';
import { createOrg, createProject, pullAll } from './fixtures.js';

/*
 * Optimistic concurrency on project updates (DESIGN section 4; server/services/projects.ts): every synced row
 * carries a `version` that grows on each change; `PATCH …/projects/:projectId` with `If-Match: "<version>"`
 * applies only at that version, and a stale one is 412 PRECONDITION_FAILED carrying the current row.
 */

export const ifMatchChecks: readonly ConformanceCheck[] = [
  {
    id: 'if-match.current-applies',
    title: 'If-Match with the current version applies and bumps the version',
    rule: 'PATCH with If-Match: "<current version>" applies and answers the row with a greater version; without If-Match the update applies too.',
    async run(ctx) {
      const ann = await ctx.user('ann');
      const org = await createOrg(ctx, ann);
      const project = await createProject(ctx, ann, org.id);
      const path = `/orgs/${org.id}/projects/${project.id}`;
      const name = ctx.unique('renamed');
      const res = await ctx.send(ann, 'PATCH', path, { json: { name }, headers: { 'if-match': `"${project.version}"` } });
      expectStatus(res, 200, `PATCH with If-Match: "${project.version}" (the current version)`);
      const row = expectShape(res, projectSchema, 'the updated project row');
      expectThat(row.name === name && row.version > project.version, 'the row renamed, at a greater version', res);
      const plain = await ctx.send(ann, 'PATCH', path, { json: { description: 'no precondition' } });
      expectStatus(plain, 200, 'PATCH without If-Match');
      const after = expectShape(plain, projectSchema, 'the updated project row');
      expectThat(after.version > row.version && after.name === name && after.description === 'no precondition', 'a partial update: description changed, name kept, version grown', plain);
    },
  },
  {
    id: 'if-match.stale-refused',
    title: 'a stale If-Match is 412 PRECONDITION_FAILED with the current row, and nothing changes',
    rule: 'PATCH with If-Match naming an older version is 412 PRECONDITION_FAILED whose details.current is the row as it stands; the update does not apply.',
    async run(ctx) {
      const ann = await ctx.user('ann');
      const org = await createOrg(ctx, ann);
      const project = await createProject(ctx, ann, org.id);
      const path = `/orgs/${org.id}/projects/${project.id}`;
      const name = ctx.unique('winner');
      const first = await ctx.send(ann, 'PATCH', path, { json: { name }, headers: { 'if-match': `"${project.version}"` } });
      expectStatus(first, 200, 'the first PATCH with the current version');
      const current = expectShape(first, projectSchema, 'the updated project row');
      const stale = await ctx.send(ann, 'PATCH', path, { json: { name: 'the loser' }, headers: { 'if-match': `"${project.version}"` } });
      const body = expectError(stale, 'PRECONDITION_FAILED', `PATCH with If-Match: "${project.version}" after the row moved to ${current.version}`);
      const shown = expectValue(body.details?.current, projectSchema, 'details.current to be the current project row', stale);
      expectThat(shown.version === current.version && shown.name === name, `details.current at version ${current.version} with the winning name`, stale);
      const pulled = await pullAll(ctx, ann, `/orgs/${org.id}/projects`, projectPageSchema);
      const row = expectValue(pulled.items.find((p) => p.id === project.id), projectSchema, 'the project still alive in GET /orgs/:orgId/projects');
      expectThat(row.version === current.version && row.name === name, 'the stale update not applied', undefined, JSON.stringify(row));
    },
  },
  {
    id: 'if-match.malformed',
    title: 'a malformed If-Match is 400 VALIDATION_FAILED, not ignored',
    rule: 'If-Match must be "<version>": anything else is 400 VALIDATION_FAILED and the update does not apply (never a silent skip of the precondition).',
    async run(ctx) {
      const ann = await ctx.user('ann');
      const org = await createOrg(ctx, ann);
      const project = await createProject(ctx, ann, org.id);
      const path = `/orgs/${org.id}/projects/${project.id}`;
      for (const value of ['soon', '"v1"', '"-1"']) {
        expectError(await ctx.send(ann, 'PATCH', path, { json: { name: 'x' }, headers: { 'if-match': value } }), 'VALIDATION_FAILED', `PATCH with If-Match: ${value}`);
      }
      const pulled = await pullAll(ctx, ann, `/orgs/${org.id}/projects`, projectPageSchema);
      const row = expectValue(pulled.items.find((p) => p.id === project.id), projectSchema, 'the project in GET /orgs/:orgId/projects');
      expectThat(row.version === project.version && row.name === project.name, 'the project untouched by the refused updates', undefined, JSON.stringify(row));
    },
  },
];
