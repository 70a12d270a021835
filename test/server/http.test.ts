import { SELF, env } from 'cloudflare:test';
import { drizzle } from 'drizzle-orm/d1';
import { describe, expect, it, vi } from 'vitest';
import * as schema from '../../server/db/schema.js';
import type { Db } from '../../server/env.js';
import { purgeExpired } from '../../server/scheduled/purge.js';
import { ORIGIN, call, count, createOrg, expectError, fetchWithBindings, signUp } from './helpers.js';

describe('http edge', () => {
  it('answers CORS preflights for app origins with the protocol headers, and not for others', async () => {
    const preflight = await SELF.fetch(`${ORIGIN}/api/orgs`, {
      method: 'OPTIONS',
      headers: { origin: 'http://localhost:5173', 'access-control-request-method': 'PATCH', 'access-control-request-headers': 'idempotency-key,if-match' },
    });
    expect(preflight.status).toBeLessThan(300);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('http://localhost:5173');
    const allowed = (preflight.headers.get('access-control-allow-headers') ?? '').toLowerCase();
    for (const h of ['authorization', 'content-type', 'idempotency-key', 'if-match']) expect(allowed).toContain(h);
    const foreign = await SELF.fetch(`${ORIGIN}/api/orgs`, {
      method: 'OPTIONS',
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
    });
    expect(foreign.headers.get('access-control-allow-origin')).toBeNull();
    const simple = await call('/api/health', { headers: { origin: 'http://127.0.0.1:3000' } });
    const exposed = (simple.headers.get('access-control-expose-headers') ?? '').toLowerCase();
    expect(exposed).toContain('idempotent-replayed');
    expect(exposed).toContain('set-auth-token');
  });

  it('trusts localhost origins for CORS only where TRUST_LOCALHOST_ORIGINS is "true"', async () => {
    const preflight = (origin: string, bindings?: Parameters<typeof fetchWithBindings>[1]) => {
      const request = new Request(`${ORIGIN}/api/orgs`, {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'POST' },
      });
      return bindings ? fetchWithBindings(request, bindings) : SELF.fetch(request);
    };
    const allowed = async (origin: string, bindings?: Parameters<typeof fetchWithBindings>[1]) =>
      (await preflight(origin, bindings)).headers.get('access-control-allow-origin');
    for (const origin of ['http://localhost:5173', 'http://127.0.0.1:3000', 'http://localhost']) {
      expect(await allowed(origin)).toBe(origin);
      expect(await allowed(origin, { TRUST_LOCALHOST_ORIGINS: undefined })).toBeNull();
      expect(await allowed(origin, { TRUST_LOCALHOST_ORIGINS: 'false' })).toBeNull();
    }
    const deployed = { TRUST_LOCALHOST_ORIGINS: undefined, APP_ORIGINS: 'https://app.example, https://beta.app.example' };
    expect(await allowed('https://beta.app.example', deployed)).toBe('https://beta.app.example');
    expect(await allowed('https://evil.example', deployed)).toBeNull();
    const simple = await call('/api/health', { headers: { origin: 'http://localhost:5173' }, bindings: { TRUST_LOCALHOST_ORIGINS: undefined } });
    expect(simple.status).toBe(200);
    expect(simple.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('refuses bodies over 1 MiB with 413 BODY_TOO_LARGE', async () => {
    const ann = await signUp('Ann');
    const res = await call('/api/orgs', { method: 'POST', token: ann.token, body: { name: 'x', pad: 'y'.repeat(1024 * 1024) } });
    expectError(res, 'BODY_TOO_LARGE', 413);
  });

  it('names the part of the request that failed validation and its issues, not "invalid json" for valid JSON', async () => {
    const ann = await signUp('Ann');
    const body = expectError(await call('/api/orgs', { method: 'POST', token: ann.token, body: { name: 42 } }), 'VALIDATION_FAILED', 400);
    expect(body.message).toMatch(/^invalid request body: name: /);
    expect(body.message).not.toMatch(/json/i);
    expect(body.details?.issues).toEqual([expect.objectContaining({ path: ['name'], code: 'invalid_type' })]);
    const query = expectError(await call('/api/settings?limit=0', { token: ann.token }), 'VALIDATION_FAILED', 400);
    expect(query.message).toMatch(/^invalid query parameters: limit: /);
    expect(query.details?.issues).toEqual([expect.objectContaining({ path: ['limit'] })]);
    const param = expectError(await call('/api/orgs/not-a-uuid/projects', { token: ann.token }), 'VALIDATION_FAILED', 400);
    expect(param.message).toMatch(/^invalid path parameters: orgId: /);
    const malformed = expectError(await call('/api/orgs', { method: 'POST', token: ann.token, body: '{"name":' }), 'VALIDATION_FAILED', 400);
    expect(malformed.message).toMatch(/json/i);
  });

  it('logs one structured line per request without tokens', async () => {
    const ann = await signUp('Ann');
    const lines: string[] = [];
    const spy = vi.spyOn(console, 'log').mockImplementation((line: unknown) => void lines.push(String(line)));
    try {
      await call('/api/orgs', { method: 'POST', token: ann.token, headers: { 'Idempotency-Key': 'log-1' }, body: { name: 'Logged' } });
    } finally {
      spy.mockRestore();
    }
    const requestLines = lines.map((l) => JSON.parse(l)).filter((l) => l.path === '/api/orgs');
    expect(requestLines).toHaveLength(1);
    expect(requestLines[0]).toMatchObject({ method: 'POST', route: '/api/orgs', status: 201, user: ann.id, idempotency: 'new', ms: expect.any(Number) });
    expect(lines.join('\n')).not.toContain(ann.token);
  });

  it('purges expired idempotency records', async () => {
    const ann = await signUp('Ann');
    await createOrg(ann);
    await call('/api/orgs', { method: 'POST', token: ann.token, headers: { 'Idempotency-Key': 'purge-me' }, body: { name: 'P' } });
    expect(await count('idempotency_keys', 'key = ?', 'purge-me')).toBe(1);
    const result = await purgeExpired(drizzle(env.DB, { schema }) as Db, Date.now() + 25 * 60 * 60 * 1000);
    expect(result.idempotency).toBeGreaterThanOrEqual(1);
    expect(await count('idempotency_keys', 'key = ?', 'purge-me')).toBe(0);
  });
});
