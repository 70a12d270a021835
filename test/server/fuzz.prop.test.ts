import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { errorBodySchema } from '../../shared/index.js';
import { addOrgMember, callApp, createOrg, createProject, signUp } from './helpers.js';

/**
 * Random bodies, headers and ids against every mutating route: no input may produce a 5xx, and every 4xx must
 * be the one error body with a matching statusCode. Ids are mostly real and bodies mostly shaped like the
 * route's own (with odd values), so requests get past the 404s and 400s into the handlers and services.
 *
 * Requests go straight into the app (callApp), not through SELF: 1,000 SELF.fetch calls in one file slow down
 * quadratically under the workers pool (cloudflare/workers-sdk#15446), which made this file take 125-240+ s.
 */
describe('fuzz: mutating routes', () => {
  it('never answers 5xx and always answers 4xx with a well-formed error body', async () => {
    const [owner, member] = await Promise.all([signUp('Own'), signUp('Mem')]);
    const org = await createOrg(owner);
    await addOrgMember(owner, org.id, member);
    const project = await createProject(owner, org.id);

    const printable = fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 40 });
    const segment = printable.filter((s) => s.length > 0 && !/[/?#%\\]/.test(s) && s !== '.' && s !== '..');
    const real = (id: string) => fc.oneof({ weight: 5, arbitrary: fc.constant(id) }, { weight: 1, arbitrary: fc.uuid() }, { weight: 1, arbitrary: segment });
    const orgId = real(org.id);
    const projectId = real(project.id);
    const userId = fc.oneof(fc.constant(owner.id), fc.constant(member.id), segment);
    const key = fc.oneof(fc.constantFrom('theme', 'locale', 'custom.x', 'appraisal.defaultTool', 'notifications.email'), segment);
    const name = fc.oneof(printable, fc.string({ maxLength: 300 }), fc.integer(), fc.constant(''), fc.constant('Valid name'));
    const role = fc.oneof(fc.constantFrom('owner', 'admin', 'member'), printable);
    const stamp = fc.oneof(
      fc.constant(`${new Date().toISOString()}-0000-3f9a1c2b7d4e5f60`),
      fc.constant('2099-01-01T00:00:00.000Z-0000-3f9a1c2b7d4e5f60'),
      printable,
    );
    const json = (arb: fc.Arbitrary<unknown>) => arb.map((v) => JSON.stringify(v));
    const opt = <T extends Record<string, fc.Arbitrary<unknown>>>(shape: T) => json(fc.record(shape, { requiredKeys: [] }));
    const target = opt({ userId, email: fc.oneof(fc.constant(member.email), printable), role });
    const entries = opt({
      entries: fc.array(fc.record({ key, value: fc.jsonValue({ maxDepth: 2 }), hlc: stamp }, { requiredKeys: [] }), { maxLength: 5 }),
      cursor: printable,
    });

    type Route = readonly [method: string, path: fc.Arbitrary<string>, body: fc.Arbitrary<string>];
    const routes: Route[] = [
      ['POST', fc.constant('/api/orgs'), opt({ id: fc.oneof(fc.uuid(), printable), name })],
      ['PATCH', orgId.map((o) => `/api/orgs/${o}`), opt({ name })],
      ['POST', orgId.map((o) => `/api/orgs/${o}/members`), target],
      ['PATCH', fc.tuple(orgId, userId).map(([o, u]) => `/api/orgs/${o}/members/${u}`), opt({ role })],
      ['DELETE', fc.tuple(orgId, userId).map(([o, u]) => `/api/orgs/${o}/members/${u}`), fc.constant('')],
      ['POST', orgId.map((o) => `/api/orgs/${o}/projects`), opt({ id: fc.oneof(fc.uuid(), printable), name, description: fc.oneof(printable, fc.constant(null)) })],
      ['PATCH', fc.tuple(orgId, projectId).map(([o, p]) => `/api/orgs/${o}/projects/${p}`), opt({ name, description: printable })],
      ['DELETE', fc.tuple(orgId, projectId).map(([o, p]) => `/api/orgs/${o}/projects/${p}`), fc.constant('')],
      ['POST', fc.tuple(orgId, projectId).map(([o, p]) => `/api/orgs/${o}/projects/${p}/members`), target],
      ['PATCH', fc.tuple(orgId, projectId, userId).map(([o, p, u]) => `/api/orgs/${o}/projects/${p}/members/${u}`), opt({ role })],
      ['DELETE', fc.tuple(orgId, projectId, userId).map(([o, p, u]) => `/api/orgs/${o}/projects/${p}/members/${u}`), fc.constant('')],
      ['PATCH', fc.constant('/api/settings'), entries],
      ['PUT', key.map((k) => `/api/settings/${k}`), opt({ value: fc.jsonValue({ maxDepth: 2 }) })],
      ['PATCH', orgId.map((o) => `/api/orgs/${o}/settings`), entries],
      ['PUT', fc.tuple(orgId, key).map(([o, k]) => `/api/orgs/${o}/settings/${k}`), opt({ value: fc.jsonValue({ maxDepth: 2 }) })],
    ];
    const requestArb = fc.oneof(
      ...routes.map(([method, path, body]) =>
        fc.record({
          method: fc.constant(method),
          path,
          body: fc.oneof({ weight: 4, arbitrary: body }, { weight: 1, arbitrary: json(fc.jsonValue({ maxDepth: 3 })) }, { weight: 1, arbitrary: printable }),
        }),
      ),
    );
    const headersArb = fc.record(
      {
        'Idempotency-Key': printable,
        'If-Match': fc.oneof(printable, fc.constantFrom('"1"', '"2"', '3', 'W/"1"')),
        'content-type': fc.constantFrom('application/json', 'text/plain', 'application/x-www-form-urlencoded', 'application/json; charset=utf-8'),
      },
      { requiredKeys: [] },
    );
    const whoArb = fc.constantFrom<'owner' | 'member' | 'none'>('owner', 'owner', 'member', 'none');

    await fc.assert(
      fc.asyncProperty(requestArb, headersArb, whoArb, async ({ method, path, body }, headers, who) => {
        const token = who === 'owner' ? owner.token : who === 'member' ? member.token : undefined;
        const res = await callApp(path, { method, token, body, headers: { 'content-type': 'application/json', ...headers } });
        const what = `${who} ${method} ${path} ${JSON.stringify(headers)} ${body} -> ${res.status} ${JSON.stringify(res.body)}`;
        expect(res.status, what).toBeLessThan(500);
        if (res.status >= 400) {
          const parsed = errorBodySchema.safeParse(res.body);
          expect(parsed.success, what).toBe(true);
          expect(parsed.data?.statusCode, what).toBe(res.status);
        }
      }),
      { numRuns: 1000 },
    );
  }, 240_000);
});
