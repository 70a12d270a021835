import { drizzle } from 'drizzle-orm/d1';
import { Hono } from 'hono';
import { cors } from 'hono/cors';
import { config as zodConfig } from 'zod/v4/core';
import en from 'zod/v4/locales/en.js';
import { LIMITS } from '../shared/index.js';
import { createAuth } from './auth/create-auth.js';
import { requireUser } from './auth/require-user.js';
import * as schema from './db/schema.js';
import type { AppEnv } from './env.js';
import { bodyLimit } from './http/body-limit.js';
import { HttpError, errorBody } from './http/http-error.js';
import { idempotency } from './http/idempotency.js';
import { log } from './http/log.js';
import { onError } from './http/on-error.js';
import { isAllowedOrigin } from './http/origins.js';
import { liveRoute } from './live/route.js';
import { orgRoutes } from './routes/orgs.js';
import { projectRoutes } from './routes/projects.js';
import { orgSettingsRoutes, userSettingsRoutes } from './routes/settings.js';

/**
 * The Worker's Hono app. Order matters: log → CORS → body limit → db → (auth routes | user → idempotency →
 * routes). Everything under /api answers JSON; other paths are the app's static assets (wrangler's [assets]).
 */
export const app = new Hono<AppEnv>();

// The shared schemas use zod/mini, which carries no locale (it keeps the client bundle small): the Worker is the
// app here, so it loads zod's English messages for its VALIDATION_FAILED details.
zodConfig(en());

app.use('/api/*', async (c, next) => {
  const started = Date.now();
  c.set('now', started);
  c.set('requestId', crypto.randomUUID());
  await next();
  log({
    requestId: c.var.requestId,
    method: c.req.method,
    route: c.req.routePath,
    path: new URL(c.req.url).pathname,
    status: c.res.status,
    user: c.var.user?.id ?? null,
    idempotency: c.var.idempotency ?? 'none',
    ms: Date.now() - started,
  });
});

app.use(
  '/api/*',
  cors({
    origin: (origin, c) => (isAllowedOrigin(c.env, origin) ? origin : null),
    allowMethods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'],
    allowHeaders: ['Authorization', 'Content-Type', 'Idempotency-Key', 'If-Match'],
    exposeHeaders: ['Idempotent-Replayed', 'set-auth-token', 'Retry-After'],
    credentials: true,
    maxAge: 600,
  }),
);

app.use('/api/*', bodyLimit({ maxBytes: LIMITS.maxBodyBytes, drainBytes: 8 * LIMITS.maxBodyBytes }));

app.use('/api/*', async (c, next) => {
  c.set('db', drizzle(c.env.DB, { schema }));
  await next();
});

app.get('/api/health', (c) => c.json({ ok: true, serverTime: c.var.now }));

app.on(['GET', 'POST'], '/api/auth/*', (c) => createAuth(c.env, c.req.url).handler(c.req.raw));

// The live socket authenticates itself (its token may arrive as a subprotocol) and has no idempotency.
app.get('/api/live', liveRoute);

app.use('/api/*', requireUser, idempotency);

app.get('/api/me', (c) => c.json({ user: c.var.user, serverTime: c.var.now }));
app.route('/api/orgs', orgRoutes);
app.route('/api/orgs', projectRoutes);
app.route('/api/orgs', orgSettingsRoutes);
app.route('/api/settings', userSettingsRoutes);

app.all('/api/*', () => {
  throw new HttpError('NOT_FOUND', 'no such route');
});

app.notFound((c) => {
  const assets = (c.env as { ASSETS?: Fetcher }).ASSETS;
  if (assets && !new URL(c.req.url).pathname.startsWith('/api/')) return assets.fetch(c.req.raw);
  return c.json(errorBody('NOT_FOUND', 'no such route'), 404);
});

app.onError(onError);
