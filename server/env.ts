import type { DrizzleD1Database } from 'drizzle-orm/d1';
import type * as schema from './db/schema.js';
import type { IdempotencyClaim } from './sync/commit.js';

export interface Env {
  DB: D1Database;
  /** The live hubs (server/live/hub.ts): one Durable Object per scope name, `org:<orgId>` or `user:<userId>`. */
  HUB?: DurableObjectNamespace;
  /** Better Auth signing secret; `npm start` writes a random one to .dev.vars. */
  BETTER_AUTH_SECRET?: string;
  /** Public origin of the Worker (Better Auth's baseURL); defaults to the request's origin. */
  BETTER_AUTH_URL?: string;
  /** Comma-separated extra app origins allowed by CORS and Better Auth. */
  APP_ORIGINS?: string;
  /**
   * Local development only: "true" trusts `http://localhost:*` and `http://127.0.0.1:*` (CORS with credentials
   * and Better Auth's origin check). `npm start` and the test harnesses set it; wrangler.toml never does, so a
   * deployment trusts only its own origin and APP_ORIGINS.
   */
  TRUST_LOCALHOST_ORIGINS?: string;
}

export type Db = DrizzleD1Database<typeof schema> & { $client: D1Database };

export interface AuthUser {
  id: string;
  email: string;
  name: string;
}

/** Per-request variables set by middleware. */
export interface Vars {
  /**
   * The request's time, read once as it arrives: every service, page, cursor and stored row of this request
   * uses it, so one request never stamps two different "nows" (and tests can reason about one instant).
   */
  now: number;
  db: Db;
  user: AuthUser;
  requestId: string;
  /** Present while this request holds its Idempotency-Key. */
  idempotencyClaim?: IdempotencyClaim;
  /** Filled by the idempotency middleware for the request log. */
  idempotency?: 'new' | 'replayed' | 'in_progress' | 'key_reused' | 'none';
}

export type AppEnv = { Bindings: Env; Variables: Vars };
