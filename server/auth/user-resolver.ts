import type { AuthUser } from '../env.js';
import type { OptionContext, SyncServerOptions } from '../sync-server-options.js';

/** Who the caller of a request is, from its headers (`c.req`), or null for nobody. */
export type UserResolver<B extends object> = (c: OptionContext<B>) => Promise<AuthUser | null>;

const MAX_USER_ID_LENGTH = 255;

/** A getUser result, checked: a bug in the app's resolver is an INTERNAL error with a clear message, never a bad row. */
function checked(user: AuthUser | null): AuthUser | null {
  if (user === null) return null;
  const { id, email, name } = (user ?? {}) as Partial<AuthUser>;
  if (typeof id !== 'string' || id.length === 0 || id.length > MAX_USER_ID_LENGTH || typeof email !== 'string' || typeof name !== 'string') {
    throw new TypeError('getUser must return null or { id, email, name } (strings; id of 1-255 characters)');
  }
  return { id, email: email.toLowerCase(), name };
}

/**
 * The one user resolution of a sync server, used by every authenticated route and by the live socket: Better
 * Auth's session lookup over the request's headers (`auth`), or the app's own `getUser`. Exactly one of them
 * must be given: both or neither is a configuration error, thrown when the server is created.
 */
export function userResolver<B extends object>(options: Pick<SyncServerOptions<B>, 'auth' | 'getUser'>): UserResolver<B> {
  const { auth, getUser } = options;
  if ((auth === undefined) === (getUser === undefined)) {
    throw new TypeError(
      'createSyncServer: pass exactly one of `auth` (a Better Auth instance, or a function of the request returning one) ' +
        'and `getUser` (a function of the request returning { id, email, name } or null)',
    );
  }
  if (auth !== undefined) {
    return async (c) => {
      const instance = typeof auth === 'function' ? auth(c) : auth;
      const session = await instance.api.getSession({ headers: c.req.raw.headers });
      return session ? { id: session.user.id, email: session.user.email, name: session.user.name } : null;
    };
  }
  const resolve = getUser as NonNullable<typeof getUser>;
  return async (c) => checked(await resolve(c));
}
