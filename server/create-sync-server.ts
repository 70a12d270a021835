import { Hono, type MiddlewareHandler } from 'hono';
import { LIMITS } from '../shared/index.js';
import { createSyncMiddleware } from './create-sync-middleware.js';
import type { SyncEnv } from './env.js';
import { bodyLimit } from './http/body-limit.js';
import { idempotency, orgIdempotency } from './http/idempotency.js';
import { orgRoute } from './http/org-route.js';
import { onError } from './http/on-error.js';
import { requestLog } from './http/request-log.js';
import { syncCors } from './http/sync-cors.js';
import { liveRoute } from './live/route.js';
import { adminRoutes } from './routes/admin.js';
import { orgRoutes } from './routes/orgs.js';
import { projectRoutes } from './routes/projects.js';
import { orgSettingsRoutes, userSettingsRoutes } from './routes/settings.js';
import type { DefaultBindings, OptionContext, StorageOption, SyncServerOptions } from './sync-server-options.js';

/** A sync server: a Hono sub-app to mount with `app.route(prefix, sync)`. */
export type SyncServer<B extends object = DefaultBindings> = Hono<SyncEnv<B>>;

/**
 * The sync server as a Hono sub-app that an existing app mounts under any prefix: `app.route('/api', sync)`.
 * Its routes are relative to the mount point: `/health`, `/me`, `/orgs/...`, `/settings...`, `/live`.
 *
 * Mounting rule: Hono applies a sub-app's `use('*', …)` to every path under the mount prefix, the app's own
 * included, whenever they were registered. So this sub-app registers its middleware only on the paths it owns
 * (`/health`, `/live`, `/me`, and `/orgs`, `/settings` with everything under them), and no catch-all: an app's
 * `/api/auth/*` or `/api/hello` runs none of it, and a route the app adds after mounting is never shadowed. The
 * app's 404 and asset fallback stay the app's (a path under `/orgs/` or `/settings/` is the server's, though: an
 * app route there runs its middleware). Its error handler (the typed error body) answers for its routes
 * only: Hono keeps a sub-app's onError for the handlers it mounts with route().
 *
 * Per request, in order: request log (unless `requestLog: false`), CORS (when configured), the context
 * variables, the body limit; on the authenticated routes then the caller (401 AUTH_REQUIRED) and the
 * Idempotency-Key. `/health` is open; `/live` authenticates itself (a WebSocket's token may come as a subprotocol).
 */
export function createSyncServer<B extends object = DefaultBindings>(options: SyncServerOptions<B> & StorageOption<B>): SyncServer<B> {
  const { context, requireUser, authenticate, log } = createSyncMiddleware(options);
  const maxBytes = options.maxBodyBytes ?? LIMITS.maxBodyBytes;
  // Any env: the pieces are typed by the variables they read, and this sub-app has the app's bindings besides.
  const open: MiddlewareHandler[] = [
    ...(options.requestLog === false ? [] : [requestLog(log)]),
    ...(options.cors ? [syncCors(options.cors)] : []),
    context,
    bodyLimit({ maxBytes, drainBytes: 8 * maxBytes }),
  ];
  const authed = [...open, requireUser, idempotency];
  // The orgs this instance has seen in their own objects (org-route.ts): where they stay.
  const inObjects = new Set<string>();
  // Org-scoped routes: routed to where the org's rows are, then their keys claimed there (D1, or the org's object).
  const orgScoped = [...open, requireUser, orgRoute(inObjects), orgIdempotency];

  const sync = new Hono<SyncEnv<B>>();
  sync.onError(onError);
  /**
   * Middleware on `path` alone, or (`tree`) on it and every path under it, never on a path the server does not
   * own. Once per request: Hono's `/orgs/*` matches `/orgs` itself, so a tree is that one pattern (registering
   * `/orgs` besides would run the chain twice, and the second idempotency claim would find the first's).
   */
  const own = (path: string, chain: MiddlewareHandler[], tree = false) => {
    sync.use(tree ? `${path}/*` : path, ...chain);
  };

  own('/health', open);
  sync.get('/health', (c) => c.json({ ok: true, serverTime: c.var.now }));
  own('/live', open);
  sync.get('/live', liveRoute(authenticate, inObjects));
  own('/me', authed);
  sync.get('/me', (c) => c.json({ user: c.var.user, serverTime: c.var.now }));
  own('/orgs', orgScoped, true);
  sync.route('/orgs', orgRoutes());
  sync.route('/orgs', projectRoutes());
  sync.route('/orgs', orgSettingsRoutes());
  own('/settings', authed, true);
  sync.route('/settings', userSettingsRoutes());
  // Operator routes: their own bearer token, no user session.
  own('/admin', open, true);
  sync.route('/admin', adminRoutes((c) => options.adminToken?.(c as OptionContext<B>)));
  return sync;
}
