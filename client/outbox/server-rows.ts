import type { EntityKey, EntityTable, ShadowRow } from '../storage/rows.js';
import type { SyncDatabase } from '../storage/sync-database.js';
import { entityId } from './effects.js';
import { recompute } from './outbox-store.js';

/**
 * Server rows landing under the outbox's queued ops: a pulled row becomes the server state of its entity and the
 * ops are re-applied on top (applyServerRow, through outbox-store.ts's recompute, in the caller's transaction),
 * which rows of a page need that (shadowedEntities, onlyQueued), and the version an answer or item carries
 * (versionOf, read by the replay's completeOp too). A module of its own because only the leading tab pulls and
 * replays: it is part of the lazy leader runtime's chunk, so a page that only reads and writes locally never
 * loads it.
 */

/** The version a server answer or page item carries (tombstones included), if any. */
export const versionOf = (body: unknown): number | undefined => {
  const version = (body as { version?: unknown } | null)?.version;
  return typeof version === 'number' ? version : undefined;
};

/** The version of the server state a shadow holds, if known. */
export const shadowVersion = (shadow: ShadowRow): number | undefined => shadow.version ?? versionOf(shadow.row);

/**
 * A pull brought the server's row (or its tombstone: null) for an entity. With ops queued on it, the row
 * becomes the server state and the ops are re-applied on top, so a pull never hides a local change.
 */
export async function applyServerRow(db: SyncDatabase, table: EntityTable, key: EntityKey, row: Record<string, unknown> | null, version = versionOf(row)) {
  await recompute(db, { entity: entityId(table, key), table, key }, () => ({ row, ...(version !== undefined ? { version } : {}) }));
}

/**
 * The entities of a table whose server rows must go through applyServerRow: those with ops queued (their
 * visible row is not the server's) or a shadow. Two key reads, not one per row.
 */
export async function shadowedEntities(db: SyncDatabase, table: EntityTable): Promise<Set<string>> {
  const prefix = `${table}:`;
  const [shadows, queued] = await Promise.all([db.shadows.where('entity').startsWith(prefix).primaryKeys(), db.ops.where('entity').startsWith(prefix).uniqueKeys()]);
  return new Set([...shadows, ...queued] as string[]);
}

/** A row only the outbox knows: ops are queued on it and the server has no row of it (created offline). */
export async function onlyQueued(db: SyncDatabase, entity: string): Promise<boolean> {
  const [shadow, queued] = await Promise.all([db.shadows.get(entity), db.ops.where('entity').equals(entity).count()]);
  return queued > 0 && !shadow?.row;
}
