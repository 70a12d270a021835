import { drizzle } from 'drizzle-orm/d1';
import { Hono } from 'hono';
import { Hub, createSyncServer, errorBody, jsonLineLog, onError, purgeExpired, syncSchema } from 'offline-sync-engine/server';
import { authFor } from './auth.js';
import type { Env } from './env.js';
import { feedbackRoutes } from './feedback.js';

/**
 * The app's Worker. Before the sync engine it had /api/health, Better Auth at /api/auth/* and its own
 * /api/feedback; adopting the engine added the lines marked "sync": the sync server mounted at /api (orgs,
 * projects, members, settings, /me, /live), its hub class, and its cron purge.
 */
const app = new Hono<{ Bindings: Env }>();

app.get('/api/health', (c) => c.json({ ok: true }));
app.on(['GET', 'POST'], '/api/auth/*', (c) => authFor(c.env, c.req.url).handler(c.req.raw));
app.route('/api/feedback', feedbackRoutes);

// sync: the engine's routes, answering as the caller's Better Auth session says. The page is same-origin, so no
// CORS; the hub namespace turns on live pokes (leave it out and clients poll).
app.route(
  '/api',
  createSyncServer<Env>({
    auth: (c) => authFor(c.env, c.req.url),
    hub: (c) => c.env.HUB,
  }),
);

app.notFound((c) => c.json(errorBody('NOT_FOUND', 'no such route'), 404));
// sync: the engine's error handler answers with its typed error body ({ code, message, statusCode, … }).
app.onError(onError);

// sync: the Durable Object class of the live hubs, under the class name wrangler.toml binds.
export { Hub as SyncHub };

export default {
  fetch: app.fetch,
  // sync: expired idempotency records and old tombstones go once a day (wrangler.toml's cron).
  async scheduled(controller, env) {
    const purged = await purgeExpired(drizzle(env.DB, { schema: syncSchema }), controller.scheduledTime);
    jsonLineLog({ msg: 'purge', ...purged });
  },
} satisfies ExportedHandler<Env>;
