import { Hono, type Context } from 'hono';
import { config as zodConfig } from 'zod/v4/core';
import en from 'zod/v4/locales/en.js';
import { LIMITS } from '../shared/index.js';
import { createAuthCache } from './auth/create-auth.js';
import { createSyncServer } from './create-sync-server.js';
import type { Env, WorkerEnv } from './env.js';
import { bodyLimit } from './http/body-limit.js';
import { HttpError, errorBody } from './http/http-error.js';
import { log } from './http/log.js';
import { onError } from './http/on-error.js';
import { isAllowedOrigin } from './http/origins.js';
import { requestLog } from './http/request-log.js';
import { syncCors } from './http/sync-cors.js';
import type { StorageMode } from './store/storage-mode.js';

// zod's issue messages are a process-wide setting (zod/v4/core's config), so the app chooses them, not the sync
// server: a library that set them would overwrite the locale of an app that has its own. The shared schemas use
// zod/mini, which carries no locale (it keeps the client bundle small); this repo's Worker is the app here, so
// it loads zod's English messages for its VALIDATION_FAILED details.
zodConfig(en());

/**
 * This repo's Worker app, the first user of createSyncServer, built the way any app would mount it. Order
 * matters: for every /api path a request log line and CORS (its own, covering Better Auth too, so the sync
 * server's is off); Better Auth at /api/auth/*; the sync server's routes at /api; then the JSON 404 for the rest
 * of /api. Other paths are the app's static assets (wrangler's [assets]).
 */
export function createApp(): Hono<WorkerEnv> {
  // One Better Auth per bindings and origin, in this app's closure: the auth routes and the sync server's user
  // resolution share it.
  const authFor = createAuthCache();
  const auth = (c: Context<WorkerEnv>) => authFor(c.env, c.req.url);
  const limit = bodyLimit({ maxBytes: LIMITS.maxBodyBytes, drainBytes: 8 * LIMITS.maxBodyBytes });

  const app = new Hono<WorkerEnv>();
  app.use('/api/*', requestLog(log));
  app.use('/api/*', syncCors<Env>({ origins: (origin, c) => isAllowedOrigin(c.env, origin) }));
  app.on(['GET', 'POST'], '/api/auth/*', limit, (c) => auth(c).handler(c.req.raw));
  app.route(
    '/api',
    createSyncServer<Env>({
      auth,
      database: (c) => c.env.DB,
      hub: (c) => c.env.HUB,
      // Unset is d1; any other value than the two modes fails each request loudly (createSyncMiddleware).
      storage: (c) => (c.env.SYNC_STORAGE || undefined) as StorageMode | undefined,
      adminToken: (c) => c.env.SYNC_ADMIN_TOKEN || undefined,
      cors: false,
      // The request log above already writes one line for every /api request.
      requestLog: false,
      log,
    }),
  );
  app.all('/api/*', limit, () => {
    throw new HttpError('NOT_FOUND', 'no such route');
  });
  app.notFound((c) => {
    const assets = (c.env as { ASSETS?: Fetcher }).ASSETS;
    if (assets && !new URL(c.req.url).pathname.startsWith('/api/')) return assets.fetch(c.req.raw);
    return c.json(errorBody('NOT_FOUND', 'no such route'), 404);
  });
  app.onError(onError);
  return app;
}

/** This repo's Worker app (server/worker.ts serves it). */
export const app = createApp();
