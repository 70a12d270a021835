/**
 * The server's public entry: the sync server an app mounts, and the pieces for an app that keeps its own routes.
 *
 *   import { Hub, createSyncServer } from '<package>/server';
 *   export { Hub };                                   // under the class name your wrangler config binds
 *   app.route('/api', createSyncServer<Env>({ auth: (c) => authFor(c.env), hub: (c) => c.env.HUB, cors: false }));
 *
 * The D1 database needs the tables of server/migrations. zod's issue messages are the app's choice (a
 * process-wide setting): call `config(en())` from zod/v4/core once for English VALIDATION_FAILED details.
 *
 * What each piece reads from the context is in its comment; createSyncMiddleware's `context` sets the
 * variables they share (`now`, `requestId`, `db`, `store`, `hub`, `log`, `serverNodeId`), its `requireUser` sets
 * `user`. The pieces read and write the sync tables through a `SqlStore` (`store`); those that take one as an
 * argument also take a drizzle `Db`, read as `d1SqlStore(db)`.
 */

// The factory, its options and middleware.
export { createSyncServer, type SyncServer } from './create-sync-server.js';
export { createSyncMiddleware, type SyncMiddleware } from './create-sync-middleware.js';
export type { DefaultBindings, OptionContext, SessionAuth, SyncCorsOptions, SyncServerOptions } from './sync-server-options.js';
export type { AppEnv, AuthUser, Db, SyncEnv, Vars } from './env.js';

// Live pokes: the Durable Object class, and the hook that pokes after a write.
export { Hub, CLOSE_ACCESS_REVOKED } from './live/hub.js';
export { hubStub, notifyHubs, orgScope, userScope, type LiveEffect, type LiveScope, type NotifyOptions } from './live/notify.js';

// Writes: idempotency, the one-batch commit, change heads.
export { idempotency } from './http/idempotency.js';
export { commit, type IdempotencyClaim, type Mutation } from './sync/commit.js';
export { commitPlanned, type Planned } from './sync/commit-planned.js';
export { BUMP_SEQ, currentSeq } from './sync/seq.js';
export { HEADS_OF, moveHeads, type HeadName } from './sync/org-heads.js';

// Storage: the SQL a piece runs goes through a store; D1's wraps a drizzle `Db`.
export { d1SqlStore, type D1SqlStore } from './store/d1-sql-store.js';
export type { SqlStore, StatementResult } from './store/sql-store.js';
export type { CursorSpace } from './sync/cursor-space.js';

// Reads: cursor pages.
export { runPage, type CursorExpiry } from './sync/run-page.js';
export { pageRowsAfter, toPage, type PageOptions, type PageRow } from './sync/page.js';

// Settings and access.
export { mergeSettings } from './routes/merge-settings.js';
export type { SettingsScope } from './services/settings.js';
export { requireOrgRole, type OrgAccess } from './services/access.js';

// HTTP: errors, validation, CORS, limits, logs, the cron purge.
export { HttpError, errorBody, forbidden, notFound } from './http/http-error.js';
export { onError } from './http/on-error.js';
export { validate } from './http/validate.js';
export { SYNC_CORS_ALLOW_HEADERS, SYNC_CORS_EXPOSE_HEADERS, SYNC_CORS_METHODS, syncCors } from './http/sync-cors.js';
export { bodyLimit, type BodyLimitOptions } from './http/body-limit.js';
export { requestLog } from './http/request-log.js';
export { log as jsonLineLog, type LogSink } from './http/log.js';
export { purgeExpired } from './scheduled/purge.js';

// The Drizzle schema of the sync tables (drizzle(d1, { schema: syncSchema }) gives the `Db` the pieces take).
export * as syncSchema from './db/schema.js';
