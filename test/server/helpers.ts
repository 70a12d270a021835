import { SELF, createExecutionContext, env, runInDurableObject, waitOnExecutionContext } from 'cloudflare:test';
import { expect } from 'vitest';
import { app } from '../../server/app.js';
import type { Env } from '../../server/env.js';
import { errorBodySchema, type ErrorBody } from '../../shared/index.js';

export const ORIGIN = 'http://127.0.0.1:8787';

export interface TestUser {
  id: string;
  email: string;
  name: string;
  token: string;
}

let counter = 0;
const unique = () => `${Date.now().toString(36)}${(counter++).toString(36)}${Math.random().toString(36).slice(2, 6)}`;

export interface CallOptions {
  method?: string;
  token?: string | undefined;
  body?: unknown;
  headers?: Record<string, string>;
  /**
   * Bindings to change for this call (`undefined` removes one), e.g. a deployment without the local-development
   * flags. The call then runs the app directly with those bindings instead of going through SELF.
   */
  bindings?: Partial<Record<keyof Env, string | undefined>>;
}

/** Calls the Worker the way a client would (JSON in, JSON out). */
export async function call(path: string, options: CallOptions = {}): Promise<{ status: number; body: any; headers: Headers }> {
  const headers: Record<string, string> = { origin: ORIGIN, ...options.headers };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  let body: string | undefined;
  if (options.body !== undefined) {
    headers['content-type'] ??= 'application/json';
    body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
  }
  const request = new Request(`${ORIGIN}${path}`, { method: options.method ?? 'GET', headers, body });
  const res = options.bindings ? await fetchWithBindings(request, options.bindings) : await SELF.fetch(request);
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    // not JSON: keep the text so the assertion shows it
  }
  return { status: res.status, body: parsed, headers: res.headers };
}

/**
 * `call`, but straight into the app (`app.fetch` with the test env and an execution context whose waitUntil work
 * is awaited) instead of through SELF. For tests that send hundreds of requests: under
 * @cloudflare/vitest-pool-workers every SELF.fetch gets slower as a file's request count grows (measured here:
 * /api/health 20 ms at first, 360 ms after 450 requests; app.fetch stays at 1-3 ms; upstream
 * cloudflare/workers-sdk#15446). The handler, middlewares, D1 and hubs are the same; only workerd's HTTP hop is
 * skipped.
 */
export function callApp(path: string, options: Omit<CallOptions, 'bindings'> = {}): ReturnType<typeof call> {
  return call(path, { ...options, bindings: {} });
}

/** The app with the test bindings changed by `bindings`, waiting for its waitUntil work like the runtime would. */
export async function fetchWithBindings(request: Request, bindings: NonNullable<CallOptions['bindings']>): Promise<Response> {
  const ctx = createExecutionContext();
  const res = await app.fetch(request, { ...env, ...bindings }, ctx);
  await waitOnExecutionContext(ctx);
  return res;
}

/** A real Better Auth user: signed up, then signed in for a bearer token. */
export async function signUp(name = 'User'): Promise<TestUser> {
  const email = `${name.toLowerCase().replace(/\W/g, '')}-${unique()}@example.com`;
  const password = 'correct horse battery';
  const up = await call('/api/auth/sign-up/email', { method: 'POST', body: { email, password, name } });
  expect(up.status).toBe(200);
  const token = up.headers.get('set-auth-token');
  expect(token).toBeTruthy();
  return { id: up.body.user.id, email, name, token: token as string };
}

/** Asserts the one error body shape and the expected code and status. */
export function expectError(res: { status: number; body: unknown }, code: ErrorBody['code'], status?: number): ErrorBody {
  const parsed = errorBodySchema.safeParse(res.body);
  expect(parsed.success, `not an error body: ${JSON.stringify(res.body)}`).toBe(true);
  const body = parsed.data as ErrorBody;
  expect(body.code).toBe(code);
  if (status !== undefined) expect(res.status).toBe(status);
  expect(body.statusCode).toBe(res.status);
  return body;
}

export async function createOrg(owner: TestUser, name = 'Lab'): Promise<{ id: string }> {
  const res = await call('/api/orgs', { method: 'POST', token: owner.token, body: { name } });
  expect(res.status).toBe(201);
  return res.body;
}

export async function addOrgMember(admin: TestUser, orgId: string, member: TestUser, role: 'owner' | 'admin' | 'member' = 'member') {
  const res = await call(`/api/orgs/${orgId}/members`, { method: 'POST', token: admin.token, body: { userId: member.id, role } });
  expect(res.status).toBe(201);
  return res.body;
}

export async function createProject(user: TestUser, orgId: string, name = 'Trial'): Promise<{ id: string; version: number }> {
  const res = await call(`/api/orgs/${orgId}/projects`, { method: 'POST', token: user.token, body: { name } });
  expect(res.status).toBe(201);
  return res.body;
}

/** Follows nextCursor until hasMore is false; returns every item and the final cursor. */
export async function pullAll(path: string, token: string, cursor?: string, limit = 200): Promise<{ items: any[]; cursor: string }> {
  const items: any[] = [];
  let next = cursor;
  for (let i = 0; i < 1000; i++) {
    const q = new URLSearchParams({ limit: String(limit), ...(next ? { cursor: next } : {}) });
    const res = await call(`${path}?${q}`, { token });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    items.push(...res.body.items);
    next = res.body.nextCursor;
    if (!res.body.hasMore) return { items, cursor: next as string };
  }
  throw new Error('pagination did not end');
}

export async function count(table: string, where = '1 = 1', ...params: unknown[]): Promise<number> {
  const row = await env.DB.prepare(`SELECT COUNT(*) AS n FROM ${table} WHERE ${where}`)
    .bind(...params)
    .first<{ n: number }>();
  return row?.n ?? 0;
}

/**
 * The head of the change sequence: it moves on every committed write. With org-objects storage (the
 * workers-org project) an org's writes move its object's sequence: pass `orgId` for that one (D1's otherwise).
 */
export async function seqHead(orgId?: string): Promise<number> {
  if (orgId !== undefined && env.SYNC_STORAGE === 'org-objects') {
    return runInDurableObject(env.HUB.get(env.HUB.idFromName(`org:${orgId}`)), (_hub, state) =>
      state.storage.sql.exec<{ value: number }>("SELECT value FROM sync_meta WHERE name = 'seq'").one().value,
    );
  }
  const row = await env.DB.prepare("SELECT value FROM sync_meta WHERE name = 'seq'").first<{ value: number }>();
  return row?.value ?? 0;
}
