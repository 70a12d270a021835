import { sql } from 'drizzle-orm';
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
