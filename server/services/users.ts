import { sql } from 'drizzle-orm';
import type { AuthUser } from '../env.js';
import type { SqlStore } from '../store/sql-store.js';
import { notFound } from '../http/http-error.js';

/** Finds the user a member request names, by email or by id. */
export async function resolveUser(store: SqlStore, target: { email?: string | undefined; userId?: string | undefined }): Promise<string> {
  const rows =
    target.userId !== undefined
      ? await store.all<{ id: string }>(sql`SELECT id FROM user WHERE id = ${target.userId}`)
      : await store.all<{ id: string }>(sql`SELECT id FROM user WHERE email = ${(target.email ?? '').toLowerCase()}`);
  const row = rows[0];
  if (!row) throw notFound('user');
  return row.id;
}

/**
 * The user a member request names: `resolved` as the directory found them (an org's object, whose own user rows
 * are a cache: null when the directory has no such user), else looked up in `store` (resolveUser). Called after
 * the caller's access was checked, so a stranger learns nothing of who exists.
 */
export async function resolveTarget(
  store: SqlStore,
  target: { email?: string | undefined; userId?: string | undefined },
  resolved: AuthUser | null | undefined,
): Promise<string> {
  if (resolved === undefined) return resolveUser(store, target);
  if (resolved === null) throw notFound('user');
  return resolved.id;
}
