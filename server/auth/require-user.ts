import { createMiddleware } from 'hono/factory';
import type { AppEnv } from '../env.js';
import { HttpError } from '../http/http-error.js';
import { createAuth } from './create-auth.js';

/**
 * Resolves the caller from `Authorization: Bearer <token>` or Better Auth's session cookie, or answers
 * 401 AUTH_REQUIRED. A signed-out or expired session resolves to nobody.
 */
export const requireUser = createMiddleware<AppEnv>(async (c, next) => {
  const auth = createAuth(c.env, c.req.url);
  const session = await auth.api.getSession({ headers: c.req.raw.headers });
  if (!session) throw new HttpError('AUTH_REQUIRED', 'sign in first');
  c.set('user', { id: session.user.id, email: session.user.email, name: session.user.name });
  await next();
});
