import { betterAuth } from 'better-auth';
import { drizzleAdapter } from 'better-auth/adapters/drizzle';
import { bearer } from 'better-auth/plugins/bearer';
import { drizzle } from 'drizzle-orm/d1';
import * as schema from '../db/schema.js';
import type { Env } from '../env.js';
import { trustedOriginPatterns } from '../http/origins.js';
import { boundUserFields } from './bound-user-fields.js';

/**
 * Better Auth, created per request: the D1 binding only exists inside a request. Email/password sign-up and
 * sign-in; the bearer plugin answers sign-in with `set-auth-token` and accepts `Authorization: Bearer`.
 * A bearer token must carry its signature (`token.signature`, as `set-auth-token` gives it): the bare session
 * token is what the session table stores, so accepting it would turn a leaked row into a credential.
 */
export function createAuth(env: Env, requestUrl: string) {
  const origin = new URL(requestUrl).origin;
  const secret = env.BETTER_AUTH_SECRET;
  if (!secret) throw new Error('BETTER_AUTH_SECRET is not set: run `npm start` once to create .dev.vars');
  return betterAuth({
    secret,
    baseURL: env.BETTER_AUTH_URL ?? origin,
    basePath: '/api/auth',
    database: drizzleAdapter(drizzle(env.DB, { schema }), { provider: 'sqlite', schema }),
    emailAndPassword: { enabled: true },
    plugins: [bearer({ requireSignature: true })],
    hooks: { before: boundUserFields },
    // The Worker's own origin, the configured app origins, and local dev servers only in local development.
    trustedOrigins: [origin, ...trustedOriginPatterns(env)],
    telemetry: { enabled: false },
  });
}

export type Auth = ReturnType<typeof createAuth>;
