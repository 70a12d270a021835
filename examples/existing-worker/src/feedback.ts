import { desc, eq } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/d1';
import { Hono } from 'hono';
import { authFor } from './auth.js';
import { feedback } from './auth-schema.js';
import type { Env } from './env.js';

/**
 * The app's own route, from before the sync engine: signed-in users send feedback and list what they sent. It
 * keeps working beside the mounted sync server, on the same D1 and the same Better Auth sessions.
 */
export const feedbackRoutes = new Hono<{ Bindings: Env; Variables: { userId: string } }>();

feedbackRoutes.use('*', async (c, next) => {
  const session = await authFor(c.env, c.req.url).api.getSession({ headers: c.req.raw.headers });
  if (!session) return c.json({ error: 'sign in first' }, 401);
  c.set('userId', session.user.id);
  await next();
});

feedbackRoutes.post('/', async (c) => {
  const body = (await c.req.json().catch(() => null)) as { message?: unknown } | null;
  const message = typeof body?.message === 'string' ? body.message.trim() : '';
  if (message.length === 0 || message.length > 2000) return c.json({ error: 'message must be 1-2000 characters' }, 400);
  const row = { id: crypto.randomUUID(), userId: c.get('userId'), message, createdAt: Date.now() };
  await drizzle(c.env.DB).insert(feedback).values(row);
  return c.json({ id: row.id, message: row.message, createdAt: row.createdAt }, 201);
});

feedbackRoutes.get('/', async (c) => {
  const items = await drizzle(c.env.DB)
    .select({ id: feedback.id, message: feedback.message, createdAt: feedback.createdAt })
    .from(feedback)
    .where(eq(feedback.userId, c.get('userId')))
    .orderBy(desc(feedback.createdAt))
    .limit(50);
  return c.json({ items });
});
