import { Hono } from 'hono';

export interface Env {
  DB: D1Database;
}

/**
 * The Worker entry. Routes are mounted under /api; everything else is the app's static assets.
 */
const app = new Hono<{ Bindings: Env }>();

app.get('/api/health', (c) => c.json({ ok: true, serverTime: Date.now() }));

export default app;
