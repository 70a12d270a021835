import { sql } from 'drizzle-orm';
import { check, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';

/*
 * An org object's schema (issue 19: one org's data in its own SQLite Durable Object). drizzle-kit generates
 * ./migrations from this file (`npx drizzle-kit generate --config drizzle.org-object.config.ts`, then
 * `node scripts/gen-org-object-migrations.mjs` for migrations.gen.ts).
 *
 * The sync tables are D1's own table objects, re-exported: every service, commit, page and guard runs the same
 * SQL on either store, so a column the services use exists in both by construction
 * (test/server/org-object-store.test.ts compares the two databases' tables, in case a migration drifts).
 * In an object they hold one org: its orgs row (with its change heads), org_members, projects,
 * project_members, its org-scope settings, the idempotency records of writes made to it, and its own sync_meta
 * (seq, purged_seq, server_hlc: the object's own sequence space and clock).
 */
export { idempotencyKeys, orgMembers, orgs, projectMembers, projects, settings, syncMeta } from '../../db/schema.js';

/**
 * The object's profiles of the org's members: what member lists name (row-json.ts `JOIN user u`: name and
 * email) and what the memberships' foreign keys (`user_id REFERENCES user(id)`) point at. A cache, refreshed
 * from the caller's session when they call into the org and from the Worker's D1 lookup when a member is added,
 * so its rows can go stale:
 * - no UNIQUE on email: two cached profiles may both hold an email one of them has given up. The directory
 *   (D1's `user`) is where a user is found by email; the object is only ever asked by id.
 * - none of Better Auth's columns beyond what a member row shows: the object authenticates nobody.
 * - never delete a row: the memberships reference it ON DELETE CASCADE (the shared tables' D1 definition).
 */
export const user = sqliteTable('user', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  email: text('email').notNull(),
  /** When this profile was last written from a session or the directory (ms). */
  updatedAt: integer('updated_at').notNull(),
});

/**
 * The object's one row of its own state (design section 5), absent until the object holds an org: an object
 * addressed for a random org id writes nothing, so "no row" is the uninitialized (or still-`d1`) object.
 * - `state`: `moving` while an org's D1 rows are being copied in (reads still served by D1), `active` once the
 *   object is the org's authority.
 * - `spaceId`: this object's cursor space (`o:<spaceId>`, sync/cursor-space.ts). Chosen when the object becomes
 *   active (created, or a move activated) and changed by a restore, since a restore rewinds seq and every older
 *   cursor must then be 410. Required once active.
 * - `orgId`: the org this object holds (its name is `org:<orgId>`, but the object is never told its name).
 * - `moveCursor`: a move's copy progress (JSON keyset position), so a restarted copy resumes; null otherwise.
 */
export const objectMeta = sqliteTable(
  'object_meta',
  {
    id: integer('id').primaryKey(),
    state: text('state', { enum: ['moving', 'active'] }).notNull(),
    spaceId: text('space_id'),
    orgId: text('org_id').notNull(),
    moveCursor: text('move_cursor'),
  },
  (t) => [
    check('object_meta_one_row', sql`${t.id} = 1`),
    check('object_meta_state', sql`${t.state} IN ('moving', 'active')`),
    check('object_meta_active_has_space', sql`${t.state} <> 'active' OR ${t.spaceId} IS NOT NULL`),
  ],
);

/**
 * The directory outbox (design section 4): a row says D1's directory (orgs, org_members there) must learn of a
 * write here; queued inside that write's transaction and delivered later (right away for a create or an add,
 * else by the alarm). A delivery sends the org's directory rows as they are then (a snapshot at the object's
 * seq, directory-outbox.ts), which supersedes every row queued before it; D1 applies a row only over an older
 * one, so a delivery repeated or overtaken changes nothing.
 */
export const outbox = sqliteTable('outbox', {
  /** The object seq of the write that queued it (INTEGER PRIMARY KEY: the rowid). */
  seq: integer('seq').primaryKey(),
  /** JSON array naming what the write changed (`org`, `member:<userId>`), for the logs: delivery sends a snapshot. */
  entries: text('entries').notNull(),
  createdAt: integer('created_at').notNull(),
  /** Failed deliveries so far, and the last one's error: logged, never a reason to drop the row. */
  attempts: integer('attempts').notNull().default(0),
  lastError: text('last_error'),
});
