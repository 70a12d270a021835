import type { Env } from '../env.js';

/**
 * The origins a deployment trusts besides its own: APP_ORIGINS (comma-separated), plus local dev servers on any
 * port when TRUST_LOCALHOST_ORIGINS is "true". Localhost is never trusted by default: on a deployed Worker any
 * program on a visitor's machine could otherwise make credentialed calls with their session cookie.
 */
const LOCALHOST_ORIGIN = /^http:\/\/(127\.0\.0\.1|localhost)(:\d+)?$/;
/** The same origins in Better Auth's trustedOrigins wildcard syntax. */
const LOCALHOST_PATTERNS = ['http://localhost:*', 'http://127.0.0.1:*'];

function trustsLocalhost(env: Env): boolean {
  return env.TRUST_LOCALHOST_ORIGINS === 'true';
}

function appOrigins(env: Env): string[] {
  return (env.APP_ORIGINS ?? '')
    .split(',')
    .map((o) => o.trim())
    .filter(Boolean);
}

/** For Better Auth's `trustedOrigins` (the Worker's own origin is added there). */
export function trustedOriginPatterns(env: Env): string[] {
  return [...(trustsLocalhost(env) ? LOCALHOST_PATTERNS : []), ...appOrigins(env)];
}

/** For CORS: whether `origin` may call the API with credentials. */
export function isAllowedOrigin(env: Env, origin: string): boolean {
  return (trustsLocalhost(env) && LOCALHOST_ORIGIN.test(origin)) || appOrigins(env).includes(origin);
}
