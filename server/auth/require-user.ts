import type { Context } from 'hono';
import { createMiddleware } from 'hono/factory';
import type { AuthUser, SyncEnv } from '../env.js';
import { HttpError } from '../http/http-error.js';

/**
 * Sets the `user` variable to the caller `authenticate` finds, or answers 401 AUTH_REQUIRED. A signed-out or
 * expired session resolves to nobody.
 */
export function requireUser<B extends object>(authenticate: (c: Context<SyncEnv<B>>) => Promise<AuthUser | null>) {
  return createMiddleware<SyncEnv<B>>(async (c, next) => {
    const user = await authenticate(c);
    if (!user) throw new HttpError('AUTH_REQUIRED', 'sign in first');
    c.set('user', user);
    await next();
  });
}
