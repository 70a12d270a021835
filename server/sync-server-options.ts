import type { Context } from 'hono';
import type { AuthUser, SyncEnv } from './env.js';
import type { LogSink } from './http/log.js';
import type { StorageMode } from './store/storage-mode.js';

/**
 * What an option callback receives: the request's context with the app's bindings. Read bindings and the
 * request only: the sync variables are not all set yet when `database`, `hub`, `auth` and `getUser` run.
 */
export type OptionContext<B extends object> = Context<SyncEnv<B>>;

/** The bindings the defaults read: `DB`, the D1 database. */
export interface DefaultBindings {
  DB: D1Database;
}

/** What the sync server uses of a Better Auth instance: its session lookup (`auth.api.getSession`). */
export interface SessionAuth {
  api: {
    getSession(input: { headers: Headers }): Promise<{ user: { id: string; email: string; name: string } } | null>;
  };
}

/** The app origins allowed to call the sync routes from a browser, with credentials. */
export interface SyncCorsOptions<B extends object> {
  /** A list of origins (`https://app.example`), or a test of each one (e.g. one that reads the bindings). */
  origins: readonly string[] | ((origin: string, c: OptionContext<B>) => boolean);
  /** How long a browser may cache a preflight, seconds (default 600). */
  maxAge?: number;
}

/**
 * The options of createSyncServer (and createSyncMiddleware). Exactly one of `auth` and `getUser` says who the
 * caller is; everything else has a default.
 */
export interface SyncServerOptions<B extends object = DefaultBindings> {
  /**
   * A Better Auth instance, or a function of the request returning one (apps often build Better Auth per
   * request from the D1 binding; cache it: building one is not cheap). Its `api.getSession({ headers })`
   * resolves the caller from `Authorization: Bearer` or its session cookie.
   */
  auth?: SessionAuth | ((c: OptionContext<B>) => SessionAuth);
  /**
   * Any other auth: the caller of this request, or null (401 AUTH_REQUIRED). Read credentials from `c.req`
   * (headers, cookies): on `/live` a `bearer.<token>` WebSocket subprotocol arrives there as
   * `Authorization: Bearer <token>`, the token as the client sent it (browsers cannot set headers on a
   * WebSocket). `id` must be 1-255 characters; `email` is stored lowercased.
   */
  getUser?: (c: OptionContext<B>) => AuthUser | null | Promise<AuthUser | null>;
  /**
   * Where the users live that member lists name and member requests look up by email or id (the `user` table
   * of the sync database, which org and project memberships reference):
   * - `shared`: the auth writes that table itself (Better Auth on the same D1 with this repo's schema); nothing
   *   is written;
   * - `mirror`: the sync server writes each caller there (id, email, name) the first time an instance sees them
   *   and whenever their email or name changes. A user is found by email once they have made one request.
   * Default: `shared` with `auth`, `mirror` with `getUser`.
   */
  users?: 'shared' | 'mirror';
  /** The D1 database with the sync tables (server/migrations). Default: the `DB` binding. */
  database?: (c: OptionContext<B>) => D1Database;
  /**
   * The namespace of the Hub Durable Object (export the Hub class from your Worker under the class name your
   * wrangler config binds). Without one: no live pokes, `/live` answers 404 NOT_FOUND, clients poll.
   */
  hub?: (c: OptionContext<B>) => DurableObjectNamespace | undefined;
  /**
   * CORS for the sync routes: the allowed origins, or `false` for an app that configures CORS itself (allow
   * SYNC_CORS_ALLOW_HEADERS and expose SYNC_CORS_EXPOSE_HEADERS there). Default `false`: no CORS headers, so
   * browsers allow only same-origin calls.
   */
  cors?: false | SyncCorsOptions<B>;
  /** The largest request body accepted, bytes; larger is 413 BODY_TOO_LARGE. Default LIMITS.maxBodyBytes (1 MiB). */
  maxBodyBytes?: number;
  /** Where the sync server's log lines go (requests, unapplied merge entries, hub trouble, unhandled errors). Default: JSON lines on stdout. */
  log?: LogSink;
  /** One line per sync request to `log` (default true). `false` for an app that logs every request itself. */
  requestLog?: boolean;
  /** The server's clock, read once per request (the `now` variable). Default Date.now. */
  now?: () => number;
}

/**
 * Not public yet (issue 19 in progress: the org list does not show object orgs until the directory is written
 * from the objects): where org rows live, for this repo's tests and Worker. Default `d1`.
 */
export interface StorageOption<B extends object = DefaultBindings> {
  storage?: StorageMode | ((c: OptionContext<B>) => StorageMode | undefined);
  /** The bearer token of the operator routes (`<mount>/admin/...`: moving an org); none: no such routes. */
  adminToken?: (c: OptionContext<B>) => string | undefined;
}
