import type { DrizzleD1Database } from 'drizzle-orm/d1';
import type * as schema from './db/schema.js';
import type { LogSink } from './http/log.js';
import type { IdempotencyIntent } from './http/idempotency.js';
import type { SqlStore } from './store/sql-store.js';
import type { StorageMode } from './store/storage-mode.js';
import type { IdempotencyClaim } from './sync/commit.js';

/**
 * This repo's Worker bindings (wrangler.toml, .dev.vars). The sync server itself reads no binding: its options
 * map the app's bindings to what it needs (create-sync-server.ts).
 */
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
  /**
   * Where org rows live: `d1` (default) or `org-objects` (each org in its hub's Durable Object; issue 19, in
   * progress: not for deployments yet, the org list does not show object orgs).
   */
  SYNC_STORAGE?: string;
  /** The bearer token of the operator routes (`/api/admin/...`: scripts/move-org.mjs); unset: no such routes. */
  SYNC_ADMIN_TOKEN?: string;
}

export type Db = DrizzleD1Database<typeof schema> & { $client: D1Database };

export interface AuthUser {
  id: string;
  email: string;
  name: string;
}

/**
 * Per-request variables. The sync server's context middleware (create-sync-middleware.ts) sets `now`,
 * `requestId`, `db`, `store`, `hub`, `log` and `serverNodeId` from its options; requireUser sets `user`; the idempotency middleware sets the
 * last two. An app's own route that uses one of the exported pieces needs the variables that piece documents.
 */
export interface Vars {
  /**
   * The request's time, read once as it arrives: every service, page, cursor and stored row of this request
   * uses it, so one request never stamps two different "nows" (and tests can reason about one instant).
   */
  now: number;
  /** Drizzle over the D1 database, for what needs drizzle itself (an app's own queries); the sync pieces use `store`. */
  db: Db;
  /** Where the sync tables are read and written (server/store/sql-store.ts): the D1 store over `db`. */
  store: SqlStore;
  user: AuthUser;
  requestId: string;
  /** The live hubs of this request; absent: no pokes (clients converge by polling). */
  hub?: DurableObjectNamespace | undefined;
  /** Where this request's log lines go; absent: one JSON line on stdout (http/log.ts). */
  log?: LogSink;
  /** The node id of the sync server instance, for the hlc stamps the server issues (settings PUT, merge). */
  serverNodeId?: string;
  /**
   * Where this request's org rows live: `d1` (the one database) or `org-objects` (each org's Durable Object);
   * absent is `d1`.
   */
  storage?: StorageMode;
  /**
   * A write to an org in D1 under `org-objects` storage (not moved yet): its commit checks that the org is still
   * in D1 (a move may have started since the request was routed).
   */
  orgFence?: string;
  /** With `org-objects` storage, the orgs this sync server instance knows are in their objects (org-route.ts). */
  orgsInObjects?: Set<string>;
  /** With `org-objects` storage, a keyed org request's key and fingerprint, for the org's object to check. */
  idempotencyIntent?: IdempotencyIntent;
  /** Present while this request holds its Idempotency-Key. */
  idempotencyClaim?: IdempotencyClaim;
  /** Filled by the idempotency middleware for the request log. */
  idempotency?: 'new' | 'replayed' | 'in_progress' | 'key_reused' | 'none';
}

/** The env of a sync server mounted in an app with bindings `B`: the app's bindings and the sync variables. */
export type SyncEnv<B extends object> = { Bindings: B; Variables: Vars };

/**
 * The env of the sync server's handlers and middleware: its variables, and no binding (they read none), so they
 * fit into an app of any bindings.
 */
export type AppEnv = { Variables: Vars };

/** This repo's Worker app: its bindings and the same variables. */
export type WorkerEnv = SyncEnv<Env>;
