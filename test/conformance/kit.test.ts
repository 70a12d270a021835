import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import {
  conformanceChecks,
  defineConformanceTests,
  formatReport,
  runConformance,
  type ConformanceTarget,
  type TestApi,
} from '../../testing/index.js';

/**
 * The kit can fail: its checks run against a deliberately wrong in-process server, a few lines of Hono that
 * gets auth and the org create right but ignores Idempotency-Key and cursors, lets Hono answer unknown routes
 * with its plain-text 404, and lets a malformed body throw (Hono's default: a plain-text 500).
 */
function wrongServer(): ConformanceTarget {
  type Org = { id: string; name: string; role: 'owner'; createdAt: number; updatedAt: number; deletedAt: null; version: number };
  const orgs = new Map<string, Org[]>();
  const app = new Hono<{ Variables: { user: string } }>().basePath('/api');
  app.use('*', async (c, next) => {
    const user = /^Bearer (user-\d+)$/.exec(c.req.header('authorization') ?? '')?.[1];
    if (!user) return c.json({ code: 'AUTH_REQUIRED', message: 'sign in first', statusCode: 401, timestamp: Date.now() }, 401);
    c.set('user', user);
    await next();
  });
  app.get('/me', (c) => c.json({ user: { id: c.var.user, email: `${c.var.user}@example.com`, name: c.var.user }, serverTime: Date.now() }));
  app.get('/orgs', (c) => c.json({ items: orgs.get(c.var.user) ?? [], nextCursor: 'the-end', hasMore: false, serverTime: Date.now() }));
  app.post('/orgs', async (c) => {
    const { name } = await c.req.json<{ name: string }>();
    const now = Date.now();
    const org: Org = { id: crypto.randomUUID(), name, role: 'owner', createdAt: now, updatedAt: now, deletedAt: null, version: 1 };
    orgs.set(c.var.user, [...(orgs.get(c.var.user) ?? []), org]);
    return c.json(org, 201);
  });
  let users = 0;
  return {
    baseUrl: 'http://wrong.test/api',
    newUser: async () => ({ headers: { authorization: `Bearer user-${++users}` } }),
    fetch: async (request) => app.fetch(request),
  };
}

const SOME = ['errors.auth-required', 'idempotency.optional-key', 'errors.unknown-route', 'errors.malformed-json', 'idempotency.replay', 'idempotency.key-reused', 'cursors.garbage'];

describe('the conformance kit against a wrong server', () => {
  it('passes what the server gets right and fails what it gets wrong, saying what was sent, what came back and what the contract expects', async () => {
    const report = await runConformance(wrongServer(), { only: SOME });
    const byId = new Map(report.results.map((r) => [r.id, r]));
    expect(report.results.map((r) => r.id)).toEqual(conformanceChecks.map((c) => c.id).filter((id) => SOME.includes(id)));
    expect(report.ok).toBe(false);
    expect(report.passed.map((r) => r.id).sort(), formatReport(report)).toEqual(['errors.auth-required', 'idempotency.optional-key']);

    const notFound = byId.get('errors.unknown-route')?.message ?? '';
    expect(notFound).toContain('expected: GET /conformance-no-such-route: 404 NOT_FOUND');
    expect(notFound).toContain('the body is not JSON');
    expect(notFound).toContain('sent:     GET http://wrong.test/api/conformance-no-such-route');
    expect(notFound).toMatch(/got: +404 .*\n.*content-type: text\/plain.*\n.*404 Not Found/);

    const replay = byId.get('idempotency.replay')?.message ?? '';
    expect(replay).toContain('expected: the replay to carry Idempotent-Replayed: true');
    expect(replay).toMatch(/sent: +POST http:\/\/wrong\.test\/api\/orgs\n[\s\S]*idempotency-key: key-/);
    expect(replay).toMatch(/got: +201/);

    expect(byId.get('idempotency.key-reused')?.message).toMatch(/expected: the same key with another body: 422 IDEMPOTENCY_KEY_REUSED\nfound: +status 201/);
    expect(byId.get('errors.malformed-json')?.message).toMatch(/expected: POST \/orgs with body "\{\\"name\\":": 400 VALIDATION_FAILED\nfound: +status 500/);
    expect(byId.get('cursors.garbage')?.message).toMatch(/expected: GET \/orgs with a garbage cursor: 400 CURSOR_INVALID\nfound: +status 200\nsent: +GET http:\/\/wrong\.test\/api\/orgs\?cursor=conformance-not-a-cursor/);

    // Credentials never reach a report.
    for (const r of report.failed) {
      expect(r.message).not.toMatch(/Bearer user-/);
      expect(r.message).toContain('authorization: <redacted>');
    }
    expect(formatReport(report)).toMatch(/^routes conformance: 2 passed, 5 failed/);
  });

  it('reports a server that does not answer as a failure naming the request', async () => {
    const target: ConformanceTarget = {
      baseUrl: 'http://down.test/api',
      newUser: async () => ({ headers: { authorization: 'Bearer t' } }),
      fetch: async () => {
        throw new TypeError('fetch failed');
      },
    };
    const report = await runConformance(target, { only: ['errors.unknown-route'] });
    expect(report.failed.map((r) => r.id)).toEqual(['errors.unknown-route']);
    expect(report.failed[0]?.message).toContain('no answer to GET http://down.test/api/me: fetch failed');
  });

  it('registers one test per check, grouped, and a failing check fails its test with the rule', async () => {
    const tests: { name: string; body: () => Promise<void>; timeout: number | undefined }[] = [];
    const suites: string[] = [];
    const api: TestApi = {
      describe: (name, body) => {
        suites.push(name);
        body();
      },
      it: (name, body, timeout) => void tests.push({ name, body, timeout }),
    };
    defineConformanceTests(wrongServer, api, { timeout: 1234, skip: ['isolation'] });
    expect(suites).toEqual(['routes conformance', 'errors', 'idempotency', 'cursors', 'if-match', 'settings']);
    expect(tests.map((t) => t.name.split(':')[0])).toEqual(conformanceChecks.map((c) => c.id).filter((id) => !id.startsWith('isolation.')));
    expect(tests.every((t) => t.timeout === 1234)).toBe(true);
    const replay = tests.find((t) => t.name.startsWith('idempotency.replay:'));
    await expect(replay?.body()).rejects.toThrow(/Idempotent-Replayed: true[\s\S]*rule: +A repeat of a completed request/);
    await expect(tests.find((t) => t.name.startsWith('errors.auth-required:'))?.body()).resolves.toBeUndefined();
  });

  it('gives every check a unique id in a known group, a title and a rule', () => {
    const ids = conformanceChecks.map((c) => c.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const c of conformanceChecks) {
      expect(c.id).toMatch(/^(errors|idempotency|cursors|if-match|settings|isolation)\.[a-z0-9-]+$/);
      expect(c.title.length).toBeGreaterThan(10);
      expect(c.rule.length).toBeGreaterThan(30);
    }
  });
});
