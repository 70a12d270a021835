import { sql } from 'drizzle-orm';
import { LIMITS } from '../../shared/index.js';
import type { Db } from '../env.js';
import { asSqlStore } from '../store/d1-sql-store.js';
import type { SqlStore } from '../store/sql-store.js';

/**
 * The cron purge: expired idempotency records, and row tombstones older than the retention window. The highest
 * seq it removes becomes the `purged_seq` watermark, so a cursor from before it answers 410 CURSOR_EXPIRED
 * instead of silently missing a delete. Settings registers holding null are CRDT tombstones: they are kept, or
 * a replica that was offline could resurrect the deleted value. A drizzle `Db` is purged as the D1 store.
 */
export async function purgeExpired(source: SqlStore | Db, now: number): Promise<{ idempotency: number; tombstones: number }> {
  const horizon = now - LIMITS.tombstoneRetentionMs;
  const tombstoned = sql`
    SELECT seq FROM project_members WHERE deleted_at IS NOT NULL AND deleted_at < ${horizon}
    UNION ALL SELECT seq FROM projects WHERE deleted_at IS NOT NULL AND deleted_at < ${horizon}
    UNION ALL SELECT seq FROM org_members WHERE deleted_at IS NOT NULL AND deleted_at < ${horizon}
    UNION ALL SELECT seq FROM orgs WHERE deleted_at IS NOT NULL AND deleted_at < ${horizon}`;
  const results = await asSqlStore(source).batch([
    sql`DELETE FROM idempotency_keys WHERE expires_at <= ${now}`,
    sql`UPDATE sync_meta SET value = MAX(value, COALESCE((SELECT MAX(seq) FROM (${tombstoned})), 0)) WHERE name = 'purged_seq'`,
    // Members of a purged project go with it (foreign keys), alive or not.
    sql`DELETE FROM project_members WHERE (deleted_at IS NOT NULL AND deleted_at < ${horizon})
               OR project_id IN (SELECT id FROM projects WHERE deleted_at IS NOT NULL AND deleted_at < ${horizon})`,
    sql`DELETE FROM projects WHERE deleted_at IS NOT NULL AND deleted_at < ${horizon}`,
    sql`DELETE FROM org_members WHERE deleted_at IS NOT NULL AND deleted_at < ${horizon}`,
  ]);
  const changes = (i: number) => results[i]?.changes ?? 0;
  return { idempotency: changes(0), tombstones: changes(2) + changes(3) + changes(4) };
}
