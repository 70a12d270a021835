import { betterAuth } from 'better-auth';
import { drizzleAdapter } from 'better-auth/adapters/drizzle';
import { bearer } from 'better-auth/plugins/bearer';
import { drizzle } from 'drizzle-orm/d1';
import * as schema from './auth-schema.js';
import type { Env } from './env.js';

/**
 * The app's Better Auth (email and password at /api/auth/*). The bearer plugin answers sign-in with a
 * `set-auth-token` header and accepts `Authorization: Bearer`: the sync engine's client sends that token.
 */
function createAuth(env: Env, origin: string) {
  if (!env.BETTER_AUTH_SECRET) throw new Error('BETTER_AUTH_SECRET is not set: put it in .dev.vars');
  return betterAuth({
    secret: env.BETTER_AUTH_SECRET,
    baseURL: origin,
    basePath: '/api/auth',
    database: drizzleAdapter(drizzle(env.DB, { schema }), { provider: 'sqlite', schema }),
    emailAndPassword: { enabled: true },
    plugins: [bearer({ requireSignature: true })],
    telemetry: { enabled: false },
  });
}

export type Auth = ReturnType<typeof createAuth>;

// Building Better Auth is not cheap: one per bindings object (the isolate's) and origin.
const instances = new WeakMap<Env, Map<string, Auth>>();

export function authFor(env: Env, requestUrl: string): Auth {
  const origin = new URL(requestUrl).origin;
  let byOrigin = instances.get(env);
  if (!byOrigin) instances.set(env, (byOrigin = new Map()));
  let auth = byOrigin.get(origin);
  if (!auth) byOrigin.set(origin, (auth = createAuth(env, origin)));
  return auth;
}
