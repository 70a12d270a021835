import { describe, expect, it } from 'vitest';
import { LIMITS } from '../../shared/index.js';
import { call, expectError, signUp } from './helpers.js';

describe('auth', () => {
  it('health answers without auth', async () => {
    const res = await call('/api/health');
    expect(res.status).toBe(200);
    expect(res.body.ok).toBe(true);
    expect(typeof res.body.serverTime).toBe('number');
  });

  it('signs up, signs in, and accepts the bearer token', async () => {
    const user = await signUp('Ann');
    const signIn = await call('/api/auth/sign-in/email', {
      method: 'POST',
      body: { email: user.email, password: 'correct horse battery' },
    });
    expect(signIn.status).toBe(200);
    const token = signIn.headers.get('set-auth-token');
    expect(token).toBeTruthy();
    const me = await call('/api/me', { token: token as string });
    expect(me.status).toBe(200);
    expect(me.body.user).toEqual({ id: user.id, email: user.email, name: 'Ann' });
  });

  it('refuses a raw session token without its signature as a bearer token', async () => {
    const user = await signUp('Raw');
    const signed = decodeURIComponent(user.token);
    const [raw, signature] = signed.split('.');
    expect(raw && signature, `set-auth-token is token.signature: ${signed}`).toBeTruthy();
    expectError(await call('/api/me', { token: raw as string }), 'AUTH_REQUIRED', 401);
    expect((await call('/api/me', { token: user.token })).status).toBe(200);
  });

  it('accepts Better Auth’s session cookie as well as the bearer token', async () => {
    const user = await signUp('Cookie');
    const signIn = await call('/api/auth/sign-in/email', {
      method: 'POST',
      body: { email: user.email, password: 'correct horse battery' },
    });
    const cookie = (signIn.headers.get('set-cookie') ?? '').split(';')[0] as string;
    expect(cookie).toMatch(/session_token=/);
    const me = await call('/api/me', { headers: { cookie } });
    expect(me.status).toBe(200);
    expect(me.body.user.id).toBe(user.id);
  });

  it('accepts sign-ups from local dev origins and refuses foreign ones', async () => {
    const body = (tag: string) => ({ email: `origin-${tag}-${Date.now()}@example.com`, password: 'correct horse battery', name: 'O' });
    const dev = await call('/api/auth/sign-up/email', { method: 'POST', body: body('dev'), headers: { origin: 'http://localhost:5173' } });
    expect(dev.status).toBe(200);
    const foreign = await call('/api/auth/sign-up/email', { method: 'POST', body: body('evil'), headers: { origin: 'https://evil.example' } });
    expect(foreign.status).toBe(403);
  });

  it('refuses sign-ups from localhost origins unless TRUST_LOCALHOST_ORIGINS is "true"', async () => {
    const body = (tag: string) => ({ email: `local-${tag}-${Date.now()}@example.com`, password: 'correct horse battery', name: 'L' });
    const headers = { origin: 'http://localhost:5173' };
    const deployed = await call('/api/auth/sign-up/email', { method: 'POST', body: body('deployed'), headers, bindings: { TRUST_LOCALHOST_ORIGINS: undefined } });
    expect(deployed.status).toBe(403);
    const local = await call('/api/auth/sign-up/email', { method: 'POST', body: body('local'), headers, bindings: { TRUST_LOCALHOST_ORIGINS: 'true' } });
    expect(local.status).toBe(200);
    const configured = await call('/api/auth/sign-up/email', {
      method: 'POST',
      body: body('configured'),
      headers: { origin: 'https://app.example' },
      bindings: { TRUST_LOCALHOST_ORIGINS: undefined, APP_ORIGINS: 'https://app.example' },
    });
    expect(configured.status).toBe(200);
  });

  it('bounds names and emails at sign-up with a 400 that says which', async () => {
    const tag = Date.now().toString(36);
    const signUpWith = (email: string, name: string) =>
      call('/api/auth/sign-up/email', { method: 'POST', body: { email, password: 'correct horse battery', name } });
    /** A valid address exactly `length` characters long. */
    const emailOf = (length: number) => {
      const domain = `${'d'.repeat(60)}.${'e'.repeat(60)}.${'f'.repeat(60)}.com`;
      const local = `${tag}${'l'.repeat(64)}`.slice(0, length - domain.length - 1);
      return `${local}@${domain}`;
    };
    expect(emailOf(LIMITS.maxEmailLength)).toHaveLength(LIMITS.maxEmailLength);

    const longName = await signUpWith(`long-name-${tag}@example.com`, 'n'.repeat(LIMITS.maxNameLength + 1));
    expect(longName.status).toBe(400);
    expect(longName.body).toMatchObject({ code: 'NAME_TOO_LONG' });
    const longEmail = await signUpWith(`x${emailOf(LIMITS.maxEmailLength)}`, 'E');
    expect(longEmail.status).toBe(400);
    expect(longEmail.body).toMatchObject({ code: 'EMAIL_TOO_LONG' });

    const atLimits = await signUpWith(emailOf(LIMITS.maxEmailLength), 'n'.repeat(LIMITS.maxNameLength));
    expect(atLimits.status, JSON.stringify(atLimits.body)).toBe(200);
  });

  it('bounds names on update-user with a 400, and keeps the old name', async () => {
    const user = await signUp('Named');
    const huge = await call('/api/auth/update-user', { method: 'POST', token: user.token, body: { name: 'x'.repeat(500_000) } });
    expect(huge.status).toBe(400);
    expect(huge.body).toMatchObject({ code: 'NAME_TOO_LONG' });
    expect((await call('/api/me', { token: user.token })).body.user.name).toBe('Named');

    const atLimit = 'y'.repeat(LIMITS.maxNameLength);
    expect((await call('/api/auth/update-user', { method: 'POST', token: user.token, body: { name: atLimit } })).status).toBe(200);
    expect((await call('/api/me', { token: user.token })).body.user.name).toBe(atLimit);
  });

  it('refuses a wrong password', async () => {
    const user = await signUp('Bob');
    const res = await call('/api/auth/sign-in/email', { method: 'POST', body: { email: user.email, password: 'nope nope nope' } });
    expect(res.status).toBe(401);
  });

  it('answers 401 AUTH_REQUIRED without a token, with a bogus token and after sign-out', async () => {
    expectError(await call('/api/me'), 'AUTH_REQUIRED', 401);
    expectError(await call('/api/me', { token: 'not-a-token' }), 'AUTH_REQUIRED', 401);
    const user = await signUp('Cy');
    expect((await call('/api/me', { token: user.token })).status).toBe(200);
    const out = await call('/api/auth/sign-out', { method: 'POST', token: user.token, body: {} });
    expect(out.status).toBe(200);
    expectError(await call('/api/me', { token: user.token }), 'AUTH_REQUIRED', 401);
  });

  it('answers unknown API routes with the error body', async () => {
    const user = await signUp('Di');
    expectError(await call('/api/nope', { token: user.token }), 'NOT_FOUND', 404);
  });
});
