import { sql } from 'drizzle-orm';
import type { AuthUser } from '../env.js';
import { HttpError } from '../http/http-error.js';
import type { D1SqlStore } from '../store/d1-sql-store.js';

/** Callers remembered per database before the memory starts over (an isolate serves a bounded set of users). */
const REMEMBERED_USERS = 10_000;

/** Writes a caller into the sync database's `user` table, once per instance, database and (email, name). */
export type UserDirectory = (store: D1SqlStore, user: AuthUser, now: number) => Promise<void>;

/**
 * The `mirror` user directory (SyncServerOptions.users): memberships reference the `user` table, member lists
 * read names and emails from it and member requests look users up there, so a caller whose auth lives elsewhere
 * gets a row there. Upserted when this instance has not yet seen the caller with this email and name in this
 * database: one write per user and isolate, not one per request. An email that another id already holds is 409
 * CONFLICT: the directory finds users by email, so it cannot hold two with one email.
 */
export function createUserDirectory(): UserDirectory {
  // Keyed on the D1 binding, not the store: a request gets a new store over the same database.
  const seen = new WeakMap<D1Database, Map<string, string>>();
  return async (store, user, now) => {
    let known = seen.get(store.d1);
    if (!known) seen.set(store.d1, (known = new Map()));
    const fingerprint = `${user.email}\n${user.name}`;
    if (known.get(user.id) === fingerprint) return;
    try {
      await store.all(sql`INSERT INTO user (id, name, email, email_verified, image, created_at, updated_at)
        VALUES (${user.id}, ${user.name}, ${user.email}, 0, NULL, ${now}, ${now})
        ON CONFLICT (id) DO UPDATE SET name = excluded.name, email = excluded.email, updated_at = excluded.updated_at
        WHERE user.name IS NOT excluded.name OR user.email IS NOT excluded.email`);
    } catch (error) {
      if (isEmailTaken(error)) {
        throw new HttpError('CONFLICT', 'another user of the sync directory has this email', { reason: 'email taken' });
      }
      throw error;
    }
    if (known.size >= REMEMBERED_USERS) known.clear();
    known.set(user.id, fingerprint);
  };
}

/** D1's unique violation on user.email, also when drizzle wraps it (its message then names the query, its cause the violation). */
function isEmailTaken(error: unknown): boolean {
  for (let e = error; e instanceof Error; e = e.cause) {
    if (/UNIQUE constraint failed: user\.email/.test(e.message)) return true;
  }
  return false;
}
