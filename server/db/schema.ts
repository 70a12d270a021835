import { relations } from 'drizzle-orm';
import { index, integer, primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core';

/*
 * D1 schema. drizzle-kit generates server/migrations from this file (`npx drizzle-kit generate`).
 *
 * Synced tables carry createdAt/updatedAt/deletedAt (integer ms; deletedAt set = tombstone), `version` (grows on
 * every change, for If-Match) and `seq`: the change sequence, taken from the single counter row in sync_meta
 * inside the write's own batch, so it is monotonic in commit order. Pulls page by (seq, key), never by
 * updatedAt: two rows can share a millisecond, and a Worker can stamp T1 < T2 yet commit T2 first.
 */

// ── Better Auth core tables (written by hand: its CLI needs Node 22) ────────────────────────────────────────
export const user = sqliteTable('user', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  email: text('email').notNull().unique(),
  emailVerified: integer('email_verified', { mode: 'boolean' }).notNull().default(false),
  image: text('image'),
  createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
  updatedAt: integer('updated_at', { mode: 'timestamp_ms' }).notNull(),
});

export const session = sqliteTable(
  'session',
  {
    id: text('id').primaryKey(),
    expiresAt: integer('expires_at', { mode: 'timestamp_ms' }).notNull(),
    token: text('token').notNull().unique(),
    createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
    updatedAt: integer('updated_at', { mode: 'timestamp_ms' }).notNull(),
    ipAddress: text('ip_address'),
    userAgent: text('user_agent'),
    userId: text('user_id')
      .notNull()
      .references(() => user.id, { onDelete: 'cascade' }),
  },
  (t) => [index('session_user_idx').on(t.userId)],
);

export const account = sqliteTable(
  'account',
  {
    id: text('id').primaryKey(),
    accountId: text('account_id').notNull(),
    providerId: text('provider_id').notNull(),
    userId: text('user_id')
      .notNull()
      .references(() => user.id, { onDelete: 'cascade' }),
    accessToken: text('access_token'),
    refreshToken: text('refresh_token'),
    idToken: text('id_token'),
    accessTokenExpiresAt: integer('access_token_expires_at', { mode: 'timestamp_ms' }),
    refreshTokenExpiresAt: integer('refresh_token_expires_at', { mode: 'timestamp_ms' }),
    scope: text('scope'),
    password: text('password'),
    createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
    updatedAt: integer('updated_at', { mode: 'timestamp_ms' }).notNull(),
  },
  (t) => [index('account_user_idx').on(t.userId)],
);

/*
 * Relations for Better Auth's joined reads (`advanced.database.joins` in create-auth.ts): a session's user, a
 * user's accounts, each in the same query as the row they hang from, so the session lookup every request makes
 * is one D1 query instead of two.
 */
export const userRelations = relations(user, ({ many }) => ({ sessions: many(session), accounts: many(account) }));
export const sessionRelations = relations(session, ({ one }) => ({ user: one(user, { fields: [session.userId], references: [user.id] }) }));
export const accountRelations = relations(account, ({ one }) => ({ user: one(user, { fields: [account.userId], references: [user.id] }) }));

export const verification = sqliteTable(
  'verification',
  {
    id: text('id').primaryKey(),
    identifier: text('identifier').notNull(),
    value: text('value').notNull(),
    expiresAt: integer('expires_at', { mode: 'timestamp_ms' }).notNull(),
    createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
    updatedAt: integer('updated_at', { mode: 'timestamp_ms' }).notNull(),
  },
  (t) => [index('verification_identifier_idx').on(t.identifier)],
);

// ── Synced app tables ───────────────────────────────────────────────────────────────────────────────────────
const syncColumns = {
  createdAt: integer('created_at').notNull(),
  updatedAt: integer('updated_at').notNull(),
  deletedAt: integer('deleted_at'),
  version: integer('version').notNull().default(1),
  seq: integer('seq').notNull(),
};

/**
 * Change heads: per sub-collection of the org, the seq of the last write that changed it (or may have changed
 * what some member sees of it), moved in that write's own batch. They move an org's row in `GET /api/orgs`, so
 * a client learns which of an org's collections to pull from one request.
 */
export const orgs = sqliteTable('orgs', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  ...syncColumns,
  membersHead: integer('members_head').notNull().default(0),
  projectsHead: integer('projects_head').notNull().default(0),
  settingsHead: integer('settings_head').notNull().default(0),
  projectMembersHead: integer('project_members_head').notNull().default(0),
  /**
   * Where the org's rows live (issue 19): `d1` (here), `object` (its Durable Object: this row is then the
   * directory's copy, written from the object's outbox) or `moving` (between the two).
   */
  storage: text('storage', { enum: ['d1', 'moving', 'object'] }).notNull().default('d1'),
  /** For a directory copy: the object's seq this row was delivered at. A delivery applies only if newer. */
  objectSeq: integer('object_seq').notNull().default(0),
  /**
   * For a directory copy: the object's change heads as last delivered (JSON). The heads above are this
   * database's positions: a delivery moves one to the current seq when the object's head for it moved.
   */
  objectHeads: text('object_heads'),
});

export const orgMembers = sqliteTable(
  'org_members',
  {
    orgId: text('org_id')
      .notNull()
      .references(() => orgs.id),
    userId: text('user_id')
      .notNull()
      .references(() => user.id, { onDelete: 'cascade' }),
    role: text('role', { enum: ['owner', 'admin', 'member'] }).notNull(),
    ...syncColumns,
    /** For a directory copy (the org lives in its object): the object's seq this row was delivered at. */
    objectSeq: integer('object_seq').notNull().default(0),
  },
  (t) => [
    primaryKey({ columns: [t.orgId, t.userId] }),
    index('org_members_user_idx').on(t.userId, t.seq),
    index('org_members_org_seq_idx').on(t.orgId, t.seq, t.userId),
  ],
);

export const projects = sqliteTable(
  'projects',
  {
    id: text('id').primaryKey(),
    orgId: text('org_id')
      .notNull()
      .references(() => orgs.id),
    name: text('name').notNull(),
    description: text('description').notNull().default(''),
    createdBy: text('created_by').notNull(),
    ...syncColumns,
  },
  (t) => [index('projects_org_seq_idx').on(t.orgId, t.seq, t.id)],
);

export const projectMembers = sqliteTable(
  'project_members',
  {
    projectId: text('project_id')
      .notNull()
      .references(() => projects.id),
    orgId: text('org_id')
      .notNull()
      .references(() => orgs.id),
    userId: text('user_id')
      .notNull()
      .references(() => user.id, { onDelete: 'cascade' }),
    role: text('role', { enum: ['owner', 'member'] }).notNull(),
    ...syncColumns,
  },
  (t) => [
    primaryKey({ columns: [t.projectId, t.userId] }),
    index('project_members_user_org_idx').on(t.userId, t.orgId),
    index('project_members_project_seq_idx').on(t.projectId, t.seq, t.userId),
    index('project_members_org_seq_idx').on(t.orgId, t.seq),
  ],
);

/** Settings registers: one row per (scope, scopeId, key); `value` is JSON text, NULL for a delete register. */
export const settings = sqliteTable(
  'settings',
  {
    scope: text('scope', { enum: ['user', 'org'] }).notNull(),
    scopeId: text('scope_id').notNull(),
    key: text('key').notNull(),
    value: text('value'),
    hlc: text('hlc').notNull(),
    updatedAt: integer('updated_at').notNull(),
    seq: integer('seq').notNull(),
  },
  (t) => [primaryKey({ columns: [t.scope, t.scopeId, t.key] }), index('settings_scope_seq_idx').on(t.scope, t.scopeId, t.seq, t.key)],
);

/**
 * Idempotency records, scoped per user. `state` is in_progress until the effect commits, in the same batch
 * as `status` and `body`. An in_progress record past `lockedUntil` was abandoned by a crashed request and may
 * be taken over.
 */
export const idempotencyKeys = sqliteTable(
  'idempotency_keys',
  {
    userId: text('user_id').notNull(),
    key: text('key').notNull(),
    fingerprint: text('fingerprint').notNull(),
    /** Random per claim: a request whose claim was taken over (it ran past lockedUntil) must not commit. */
    claim: text('claim').notNull().default(''),
    state: text('state', { enum: ['in_progress', 'done'] }).notNull(),
    status: integer('status'),
    body: text('body'),
    createdAt: integer('created_at').notNull(),
    lockedUntil: integer('locked_until').notNull(),
    expiresAt: integer('expires_at').notNull(),
    /** The org of an org-scoped request (its path's), so a move takes the org's records with it; null otherwise. */
    orgId: text('org_id'),
  },
  (t) => [primaryKey({ columns: [t.userId, t.key] }), index('idempotency_expires_idx').on(t.expiresAt)],
);

/**
 * Named counters and watermarks: `seq` (the change sequence), `purged_seq` (highest seq of a purged tombstone:
 * cursors below it are 410), `server_hlc` (the server clock's last stamp, as text in `text`).
 */
export const syncMeta = sqliteTable('sync_meta', {
  name: text('name').primaryKey(),
  value: integer('value').notNull().default(0),
  text: text('text'),
});
