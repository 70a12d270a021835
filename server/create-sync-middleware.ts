import { drizzle } from 'drizzle-orm/d1';
import type { Context, MiddlewareHandler } from 'hono';
import { createMiddleware } from 'hono/factory';
import { createNodeId } from '../shared/index.js';
import { requireUser } from './auth/require-user.js';
import { createUserDirectory } from './auth/user-directory.js';
import { userResolver } from './auth/user-resolver.js';
import * as schema from './db/schema.js';
import { d1SqlStore } from './store/d1-sql-store.js';
import type { AuthUser, SyncEnv } from './env.js';
import { log as jsonLines, type LogSink } from './http/log.js';
import { STORAGE_MODES } from './store/storage-mode.js';
import type { DefaultBindings, OptionContext, StorageOption, SyncServerOptions } from './sync-server-options.js';

/** The middleware of one sync server instance, for an app's own routes that use the exported pieces. */
export interface SyncMiddleware<B extends object> {
  /**
   * Sets the variables every piece reads: `now` (the options' clock), `requestId` (unless a middleware before
   * it set one), `db` (drizzle over `database`), `store` (the D1 store over `db`), `hub`, `log` and
   * `serverNodeId` (this instance's clock node).
   */
  readonly context: MiddlewareHandler<SyncEnv<B>>;
  /** Sets `user` to the caller, or answers 401 AUTH_REQUIRED. Runs after `context`. */
  readonly requireUser: MiddlewareHandler<SyncEnv<B>>;
  /** The caller or null, by the same resolution requireUser uses (and, in `mirror` mode, written to the directory). Runs after `context`. */
  readonly authenticate: (c: Context<SyncEnv<B>>) => Promise<AuthUser | null>;
  /** This instance's log sink (the `log` option, or JSON lines on stdout), also the `log` variable `context` sets. */
  readonly log: LogSink;
}

/**
 * The state of one sync server instance, and the middleware that hands it to each request. Everything an
 * instance keeps lives in this closure, never in a module: its server-clock node id, its user directory's
 * memory. Two instances in one isolate (two mounts, two databases, two auths) share nothing.
 */
export function createSyncMiddleware<B extends object = DefaultBindings>(options: SyncServerOptions<B> & StorageOption<B>): SyncMiddleware<B> {
  const resolve = userResolver(options);
  const users = options.users ?? (options.getUser ? 'mirror' : 'shared');
  if (users !== 'shared' && users !== 'mirror') throw new TypeError("createSyncServer: `users` must be 'shared' or 'mirror'");
  const directory = users === 'mirror' ? createUserDirectory() : undefined;
  const database = options.database ?? ((c: OptionContext<B>) => (c.env as Partial<DefaultBindings> | undefined)?.DB);
  const hub = options.hub;
  const storage = options.storage ?? 'd1';
  const clock = options.now ?? Date.now;
  const log = options.log ?? jsonLines;
  // One server-clock node per instance, made on first use: workerd forbids random values in global scope, where
  // an app may well create its sync server.
  let nodeId: string | undefined;

  const context = createMiddleware<SyncEnv<B>>(async (c, next) => {
    c.set('now', clock());
    if (c.var.requestId === undefined) c.set('requestId', crypto.randomUUID());
    c.set('log', log);
    c.set('serverNodeId', (nodeId ??= createNodeId()));
    const d1 = database(c);
    if (!d1) throw new Error('createSyncServer: no D1 database for this request (set the `database` option, or bind DB)');
    const db = drizzle(d1, { schema });
    c.set('db', db);
    c.set('store', d1SqlStore(db));
    c.set('hub', hub?.(c));
    const mode = typeof storage === 'function' ? (storage(c) ?? 'd1') : storage;
    if (!STORAGE_MODES.includes(mode)) throw new Error(`createSyncServer: storage must be 'd1' or 'org-objects', not ${String(mode)}`);
    if (mode === 'org-objects' && !c.var.hub) throw new Error("createSyncServer: 'org-objects' storage needs the `hub` option (each org's object is its hub)");
    c.set('storage', mode);
    await next();
  });

  const authenticate = async (c: Context<SyncEnv<B>>): Promise<AuthUser | null> => {
    const user = await resolve(c);
    // The directory is D1's user table, whatever store the request's other rows live in.
    if (user && directory) await directory(d1SqlStore(c.var.db), user, c.var.now);
    return user;
  };

  return { context, requireUser: requireUser(authenticate), authenticate, log };
}
