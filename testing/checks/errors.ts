import { LIMITS, orgPageSchema, projectPageSchema, settingPageSchema, settingsMergeResponseSchema } from '../../shared/index.js';
import type { ConformanceCheck } from '../check.js';
import type { SendOptions } from '../exchange.js';
import { expectError, expectShape, expectStatus, expectThat, expectWellFormed } from '../expect.js';
import { clientClock, createOrg, createProject } from './fixtures.js';

/*
 * The error contract (DESIGN section 4; shared/errors, shared/schemas/error-body.ts, server/http/on-error.ts):
 * every failure outside the auth routes is `{ code, message, statusCode, details?, timestamp }` with a stable
 * code and the status that code travels with; no input makes a route answer 5xx.
 */

const deep = (depth: number) => `${'['.repeat(depth)}1${']'.repeat(depth)}`;

export const errorChecks: readonly ConformanceCheck[] = [
  {
    id: 'errors.auth-required',
    title: 'no or a bogus credential is 401 AUTH_REQUIRED',
    rule: 'Every sync route needs a signed-in user: without credentials, or with a token that is not one, it answers 401 AUTH_REQUIRED with the error body.',
    async run(ctx) {
      const calls: [string, string, SendOptions?][] = [
        ['GET', '/me'],
        ['GET', '/orgs'],
        ['POST', '/orgs', { json: { name: 'x' }, idempotencyKey: ctx.unique('key') }],
        ['GET', '/settings'],
        ['PATCH', '/settings', { json: { entries: [] } }],
      ];
      for (const [method, path, options] of calls) {
        expectError(await ctx.send(null, method, path, options), 'AUTH_REQUIRED', `${method} ${path} with no credentials`);
        const bogus = { ...options, headers: { authorization: 'Bearer conformance-not-a-token.not-a-signature' } };
        expectError(await ctx.send(null, method, path, bogus), 'AUTH_REQUIRED', `${method} ${path} with a bogus bearer token`);
      }
    },
  },
  {
    id: 'errors.unknown-route',
    title: 'an unknown route is a JSON 404 NOT_FOUND',
    rule: 'A path under the sync routes that names no route answers 404 NOT_FOUND with the error body (JSON, not a framework’s text page).',
    async run(ctx) {
      const ann = await ctx.user('ann');
      for (const [method, path] of [
        ['GET', '/conformance-no-such-route'],
        ['POST', '/conformance-no-such-route'],
        ['GET', '/orgs/00000000-0000-4000-8000-000000000000/no-such-collection'],
      ] as const) {
        const res = await ctx.send(ann, method, path, method === 'POST' ? { json: {} } : {});
        expectError(res, 'NOT_FOUND', `${method} ${path}`);
        expectThat((res.headers.get('content-type') ?? '').includes('json'), 'content-type: application/json on the 404', res);
      }
    },
  },
  {
    id: 'errors.not-found',
    title: 'unknown ids are 404 with the entity’s code; malformed ids are 400',
    rule: 'A well-formed id that names nothing the caller can see is 404 (ORG_NOT_FOUND, PROJECT_NOT_FOUND); an id that is not a uuid is 400 VALIDATION_FAILED.',
    async run(ctx) {
      const ann = await ctx.user('ann');
      const org = await createOrg(ctx, ann);
      const nobody = crypto.randomUUID();
      expectError(await ctx.send(ann, 'GET', `/orgs/${nobody}/projects`), 'ORG_NOT_FOUND', 'GET /orgs/<unknown uuid>/projects');
      expectError(await ctx.send(ann, 'PATCH', `/orgs/${nobody}`, { json: { name: 'x' } }), 'ORG_NOT_FOUND', 'PATCH /orgs/<unknown uuid>');
      expectError(await ctx.send(ann, 'PATCH', `/orgs/${org.id}/projects/${nobody}`, { json: { name: 'x' } }), 'PROJECT_NOT_FOUND', 'PATCH /orgs/:orgId/projects/<unknown uuid>');
      expectError(await ctx.send(ann, 'GET', '/orgs/not-a-uuid/projects'), 'VALIDATION_FAILED', 'GET /orgs/not-a-uuid/projects');
    },
  },
  {
    id: 'errors.validation',
    title: 'a body of the wrong shape is 400 VALIDATION_FAILED with details.issues',
    rule: 'Request bodies are checked by the shared schemas: wrong types, missing or unknown fields and out-of-range values are 400 VALIDATION_FAILED with details.issues, and nothing is written.',
    async run(ctx) {
      const ann = await ctx.user('ann');
      const org = await createOrg(ctx, ann);
      const project = await createProject(ctx, ann, org.id);
      const bad: [string, string, unknown][] = [
        ['POST', '/orgs', { name: 42 }],
        ['POST', '/orgs', {}],
        ['POST', '/orgs', { name: 'x', conformanceUnknownField: true }],
        ['POST', '/orgs', { name: 'x'.repeat(LIMITS.maxNameLength + 1) }],
        ['POST', '/orgs', { name: '   ' }],
        ['POST', `/orgs/${org.id}/projects`, { name: 'x', description: 'd'.repeat(LIMITS.maxDescriptionLength + 1) }],
        ['PATCH', `/orgs/${org.id}/projects/${project.id}`, {}],
        ['POST', `/orgs/${org.id}/members`, { role: 'member' }],
        ['POST', `/orgs/${org.id}/members`, { userId: ann.id, role: 'emperor' }],
        ['PATCH', '/settings', { entries: 'all of them' }],
        ['PATCH', '/settings', { entries: Array.from({ length: LIMITS.maxMergeEntries + 1 }, (_, i) => ({ key: `custom.k${i}`, value: i, hlc: clientClock().next() })) }],
      ];
      for (const [method, path, json] of bad) {
        const body = expectError(await ctx.send(ann, method, path, { json }), 'VALIDATION_FAILED', `${method} ${path} with ${JSON.stringify(json).slice(0, 80)}`);
        expectThat(Array.isArray(body.details?.issues) && body.details.issues.length > 0, 'details.issues to list what is wrong', undefined, JSON.stringify(body));
      }
      const orgs = expectShape(await ctx.send(ann, 'GET', '/orgs'), orgPageSchema, 'GET /orgs after the refused writes');
      expectThat(orgs.items.length === 1, 'no org created by a refused body', undefined, JSON.stringify(orgs.items));
    },
  },
  {
    id: 'errors.malformed-json',
    title: 'malformed JSON is 400 VALIDATION_FAILED, never 5xx',
    rule: 'A body that is not JSON (truncated, empty, a bare value where an object belongs) is 400 VALIDATION_FAILED with the error body.',
    async run(ctx) {
      const ann = await ctx.user('ann');
      for (const [method, path] of [['POST', '/orgs'], ['PATCH', '/settings']] as const) {
        for (const body of ['{"name":', '{', '[', 'not json', '', 'null', '[]', '"x"', '1']) {
          expectError(await ctx.send(ann, method, path, { body }), 'VALIDATION_FAILED', `${method} ${path} with body ${JSON.stringify(body)}`);
        }
      }
    },
  },
  {
    id: 'errors.body-too-large',
    title: 'a body over 1 MiB is 413 BODY_TOO_LARGE',
    rule: 'Request bodies are at most 1 MiB; a larger one is 413 BODY_TOO_LARGE with the error body, and the route does not run.',
    async run(ctx) {
      const ann = await ctx.user('ann');
      const name = ctx.unique('huge');
      const body = JSON.stringify({ name, pad: 'y'.repeat(LIMITS.maxBodyBytes) });
      expectError(await ctx.send(ann, 'POST', '/orgs', { body }), 'BODY_TOO_LARGE', 'POST /orgs with a body over 1 MiB');
      const entries = [{ key: 'custom.huge', value: 'z'.repeat(LIMITS.maxBodyBytes), hlc: clientClock().next() }];
      expectError(await ctx.send(ann, 'PATCH', '/settings', { json: { entries } }), 'BODY_TOO_LARGE', 'PATCH /settings with a body over 1 MiB');
      const orgs = expectShape(await ctx.send(ann, 'GET', '/orgs'), orgPageSchema, 'GET /orgs after the refused body');
      expectThat(orgs.items.length === 0, 'no org created by the refused body', undefined, JSON.stringify(orgs.items));
    },
  },
  {
    id: 'errors.conflict',
    title: 'taken ids and the last-owner guard are 409 with their codes',
    rule: 'Creating an org or project under an id that exists is 409 ALREADY_EXISTS (client-chosen ids are allowed); adding a member twice is 409 ALREADY_MEMBER; the last owner stepping down is 409 ORG_LAST_OWNER.',
    async run(ctx) {
      const [ann, bob] = [await ctx.user('ann'), await ctx.user('bob')];
      const orgId = crypto.randomUUID();
      const created = await ctx.send(ann, 'POST', '/orgs', { json: { id: orgId, name: ctx.unique('chosen-id') } });
      expectStatus(created, 201, 'POST /orgs { id, name } with a client-chosen uuid');
      expectThat((created.json as { id?: unknown } | undefined)?.id === orgId, 'the org created under the chosen id', created);
      expectError(await ctx.send(ann, 'POST', '/orgs', { json: { id: orgId, name: 'again' } }), 'ALREADY_EXISTS', 'POST /orgs again with the same id');
      expectError(await ctx.send(bob, 'POST', '/orgs', { json: { id: orgId, name: 'mine' } }), 'ALREADY_EXISTS', 'another user POSTing an org under that id');
      const projectId = crypto.randomUUID();
      expectStatus(await ctx.send(ann, 'POST', `/orgs/${orgId}/projects`, { json: { id: projectId, name: 'p' } }), 201, 'POST /orgs/:orgId/projects { id, name }');
      expectError(await ctx.send(ann, 'POST', `/orgs/${orgId}/projects`, { json: { id: projectId, name: 'p' } }), 'ALREADY_EXISTS', 'a second project under the same id');
      expectStatus(await ctx.send(ann, 'POST', `/orgs/${orgId}/members`, { json: { userId: bob.id, role: 'member' } }), 201, 'POST /orgs/:orgId/members to add bob');
      expectError(await ctx.send(ann, 'POST', `/orgs/${orgId}/members`, { json: { userId: bob.id, role: 'admin' } }), 'ALREADY_MEMBER', 'adding bob again');
      expectError(await ctx.send(ann, 'PATCH', `/orgs/${orgId}/members/${ann.id}`, { json: { role: 'admin' } }), 'ORG_LAST_OWNER', 'the only owner demoting themselves');
      expectError(await ctx.send(ann, 'DELETE', `/orgs/${orgId}/members/${ann.id}`), 'ORG_LAST_OWNER', 'the only owner leaving');
    },
  },
  {
    id: 'errors.hostile-input',
    title: 'hostile input never gets a 5xx, and reads still work after it',
    rule: 'No input makes a route answer 5xx: every answer to hostile bodies, headers, paths and queries is below 500, every 4xx is the error body, and afterwards every read still answers a valid page.',
    async run(ctx) {
      const ann = await ctx.user('ann');
      const org = await createOrg(ctx, ann);
      const project = await createProject(ctx, ann, org.id);
      const stamp = clientClock().next();
      const projectPath = `/orgs/${org.id}/projects/${project.id}`;
      const hostile: [string, string, SendOptions][] = [
        ['POST', '/orgs', { body: '{"name":"x","name":{"a":1}}' }],
        ['POST', '/orgs', { body: '{"__proto__":{"name":"x"},"name":"y"}' }],
        ['POST', '/orgs', { body: '{"name":"\\ud800"}' }],
        ['POST', '/orgs', { body: '{"name":1e400}' }],
        ['POST', '/orgs', { body: `{"name":${deep(5000)}}` }],
        ['POST', '/orgs', { body: '{"name":"x"}', contentType: 'text/plain' }],
        ['POST', '/orgs', { body: '\u0000\u0001\u0002' }],
        ['POST', '/orgs', { json: { name: 'x' }, idempotencyKey: 'k'.repeat(300) }],
        ['PUT', '/orgs', { json: { name: 'x' } }],
        ['DELETE', '/orgs', {}],
        ['PATCH', projectPath, { json: { name: 'x' }, headers: { 'if-match': '"99999999999999999999"' } }],
        ['PATCH', projectPath, { json: { name: 'x' }, headers: { 'if-match': '*' } }],
        ['PATCH', projectPath, { json: { name: ['x'] } }],
        ['PATCH', projectPath, { json: { name: null, description: 7 } }],
        ['GET', '/orgs', { query: { limit: '1e400' } }],
        ['GET', '/orgs', { query: { limit: '' } }],
        ['GET', '/orgs', { query: { cursor: 'c'.repeat(600) } }],
        ['GET', `/orgs/${'a'.repeat(2000)}/projects`, {}],
        ['GET', '/orgs/%00/projects', {}],
        ['GET', `/orgs/${org.id}/projects/${project.id}/members/%2e%2e`, {}],
        ['PATCH', '/settings', { json: { entries: [null] } }],
        ['PATCH', '/settings', { json: { entries: [{ key: 1, value: 1, hlc: 5 }] } }],
        ['PATCH', '/settings', { json: { entries: [{ key: 'custom.a', value: 1, hlc: stamp }, { key: 'custom.a', value: 2, hlc: stamp }] } }],
        ['PATCH', '/settings', { body: `{"entries":[{"key":"custom.deep","value":${deep(10_000)},"hlc":"${stamp}"}]}` }],
        ['PATCH', '/settings', { body: `{"entries":[{"key":"custom.proto","value":{"__proto__":{"x":1}},"hlc":"${stamp}"}]}` }],
        ['PATCH', '/settings', { json: { entries: [{ key: 'custom.surrogate', value: '\ud800', hlc: stamp }] } }],
        ['PATCH', '/settings', { json: { entries: [{ key: 'custom.big-number', value: 1e308, hlc: stamp }] } }],
        ['PATCH', '/settings', { json: { entries: [{ key: 'custom.stamp', value: 1, hlc: '9999-12-31T23:59:59.999Z-ffff-ffffffffffffffff' }] } }],
        ['PATCH', '/settings', { json: { entries: [{ key: 'custom.stamp', value: 1, hlc: '2026-02-30T00:00:00.000Z-0000-0000000000000000' }] } }],
        ['PUT', '/settings/%00', { json: { value: 1 } }],
        ['PUT', '/settings/custom.x', { body: `{"value":${deep(100)}}` }],
      ];
      for (const [method, path, options] of hostile) {
        expectWellFormed(await ctx.send(ann, method, path, options), `${method} ${path}`);
      }
      // Nothing stored by the requests above may poison a read.
      for (const [path, schema] of [['/orgs', orgPageSchema], [`/orgs/${org.id}/projects`, projectPageSchema], ['/settings', settingPageSchema]] as const) {
        const res = await ctx.send(ann, 'GET', path, { query: { limit: 1000 } });
        expectStatus(res, 200, `GET ${path} after the hostile input`);
        expectShape(res, schema, `GET ${path} after the hostile input to answer a valid page`);
      }
      const merged = await ctx.send(ann, 'PATCH', '/settings', { json: { entries: [] } });
      expectStatus(merged, 200, 'PATCH /settings { entries: [] } after the hostile input');
      expectShape(merged, settingsMergeResponseSchema, 'the merge response after the hostile input');
    },
  },
];
