import type { EntityKey, EntityTable, OpEffect } from '../storage/rows.js';

/** The primary key of a row of each entity table, as Dexie stores it. */
export function rowKey(table: EntityTable, row: Record<string, unknown>): EntityKey {
  switch (table) {
    case 'orgs':
    case 'projects':
      return row.id as string;
    case 'orgMembers':
      return [row.orgId as string, row.userId as string];
    case 'projectMembers':
      return [row.projectId as string, row.userId as string];
  }
}

/** One string per row across tables: the shadow key and an op's `entity`. */
export function entityId(table: EntityTable, key: EntityKey): string {
  return `${table}:${typeof key === 'string' ? key : key.join(':')}`;
}

export function effectKey(effect: OpEffect): EntityKey {
  return effect.kind === 'put' ? rowKey(effect.table, effect.row) : effect.key;
}

/** What the row looks like after the effect (null: absent). Pure: used to apply, re-apply and roll back. */
export function applyEffect(row: Record<string, unknown> | null, effect: OpEffect): Record<string, unknown> | null {
  switch (effect.kind) {
    case 'put':
      return { ...effect.row };
    case 'patch':
      return row === null ? null : { ...row, ...effect.patch };
    case 'delete':
      return null;
    case 'none':
      return row;
  }
}

/** A row as the server returned it: tombstones (deletedAt set) mean the row is gone. */
export function serverRowOrNull(body: unknown): Record<string, unknown> | null {
  if (body === null || typeof body !== 'object') return null;
  const row = body as Record<string, unknown>;
  return row.deletedAt === null || row.deletedAt === undefined ? row : null;
}
