import { isInitialized } from './migrate-org-object.js';

/** The org an object holds, from its one meta row: its id and its cursor space's id. */
export interface HeldOrg {
  readonly orgId: string;
  readonly spaceId: string;
}

/**
 * The org this object holds (its meta row says `active`, with a space), or null: an object nobody created an
 * org in (it has no tables: isInitialized only reads), or one whose copy has not committed.
 */
export function heldOrgOf(storage: DurableObjectStorage): HeldOrg | null {
  if (!isInitialized(storage)) return null;
  const row = storage.sql
    .exec<{ state: string; space_id: string | null; org_id: string }>('SELECT state, space_id, org_id FROM object_meta WHERE id = 1')
    .toArray()[0];
  if (!row || row.state !== 'active' || row.space_id === null) return null;
  return { orgId: row.org_id, spaceId: row.space_id };
}

/** The object's change sequence now (read synchronously: it is the object's own SQLite). */
export function objectSeq(storage: DurableObjectStorage): number {
  return storage.sql.exec<{ value: number }>("SELECT value FROM sync_meta WHERE name = 'seq'").one().value;
}
