import { createMiddleware } from 'hono/factory';
import type { AppEnv } from '../env.js';
import { log as jsonLines, type LogSink } from './log.js';

/**
 * One log line per request (DESIGN section 4, observability): route, status, user, idempotency outcome, ms.
 * It sets `requestId` unless a middleware before it did, so every line of one request carries the same id.
 * The user and idempotency outcome are read after the request ran: the sync server's middleware set them.
 */
export function requestLog(sink: LogSink = jsonLines) {
  return createMiddleware<AppEnv>(async (c, next) => {
    const started = Date.now();
    if (c.var.requestId === undefined) c.set('requestId', crypto.randomUUID());
    await next();
    sink({
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
}
