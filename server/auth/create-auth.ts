import { betterAuth } from 'better-auth';
import { drizzleAdapter } from 'better-auth/adapters/drizzle';
import { bearer } from 'better-auth/plugins/bearer';
import { drizzle } from 'drizzle-orm/d1';
import * as schema from '../db/schema.js';
import type { Env } from '../env.js';
import { trustedOriginPatterns } from '../http/origins.js';
import { boundUserFields } from './bound-user-fields.js';

/**
 * This repo's Better Auth: email/password sign-up and sign-in at /api/auth/*; the bearer plugin answers sign-in
 * with `set-auth-token` and accepts `Authorization: Bearer`. A bearer token must carry its signature
 * (`token.signature`, as `set-auth-token` gives it): the bare session token is what the session table stores,
 * so accepting it would turn a leaked row into a credential.
 *
 * Built from the bindings, which only exist inside a request: see createAuthCache for how often.
 */
export function createAuth(env: Env, origin: string) {
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
    // The session lookup every request makes reads its user in the same statement (session ⋈ user through the
    // relations in db/schema.ts): one D1 query instead of two.
    advanced: { database: { joins: true } },
  });
}

export type Auth = ReturnType<typeof createAuth>;

/**
 * One Better Auth per bindings and origin, kept in the closure of whoever creates the cache (this repo's app),
 * never in a module: building Better Auth (its endpoints, its schema check) cost every request, a replayed
 * duplicate most of all. The bindings live as long as the isolate (workerd hands every request the same env),
 * and the instance keeps no per-request state. Keyed weakly by the bindings object, so a test's changed
 * bindings get their own instance.
 */
export function createAuthCache(): (env: Env, requestUrl: string) => Auth {
  const instances = new WeakMap<Env, Map<string, Auth>>();
  return (env, requestUrl) => {
    const origin = new URL(requestUrl).origin;
    let byOrigin = instances.get(env);
    if (!byOrigin) instances.set(env, (byOrigin = new Map()));
    let auth = byOrigin.get(origin);
    if (!auth) byOrigin.set(origin, (auth = createAuth(env, origin)));
    return auth;
  };
}
