import { cors } from 'hono/cors';
import type { SyncCorsOptions } from '../sync-server-options.js';

/** The request headers a sync client sends beyond the simple ones: allow them in an app's own CORS. */
export const SYNC_CORS_ALLOW_HEADERS = ['Authorization', 'Content-Type', 'Idempotency-Key', 'If-Match'] as const;

/**
 * The response headers a sync client reads: expose them in an app's own CORS. `Idempotent-Replayed` marks a
 * replayed response, `Retry-After` paces retries (409 IDEMPOTENCY_IN_PROGRESS, 429), `set-auth-token` is Better
 * Auth's bearer token on sign-in.
 */
export const SYNC_CORS_EXPOSE_HEADERS = ['Idempotent-Replayed', 'Retry-After', 'set-auth-token'] as const;

/** The methods the sync routes answer. */
export const SYNC_CORS_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;

/**
 * CORS for the sync routes: credentialed calls from the allowed origins only (an origin that is not allowed gets
 * no Access-Control-Allow-Origin, and the browser refuses the response), the sync headers allowed and exposed.
 */
export function syncCors<B extends object>(options: SyncCorsOptions<B>) {
  const { origins } = options;
  return cors({
    origin: (origin, c) => ((typeof origins === 'function' ? origins(origin, c) : origins.includes(origin)) ? origin : null),
    allowMethods: [...SYNC_CORS_METHODS],
    allowHeaders: [...SYNC_CORS_ALLOW_HEADERS],
    exposeHeaders: [...SYNC_CORS_EXPOSE_HEADERS],
    credentials: true,
    maxAge: options.maxAge ?? 600,
  });
}
