import { Dexie } from 'dexie';
import type { LocalOp } from '../storage/rows.js';
import { opsWithStatus } from '../storage/ops-with-status.js';
import type { SyncDatabase } from '../storage/sync-database.js';
import { groupOf, type GroupMode } from './op-group.js';

/**
 * Which earlier op of another lane holds an op back, by the rule op-group.ts states: what the replay asks
 * before it sends a lane's head (dueHeads, nextDueAt, markSyncing in replay-store.ts). A module of its own
 * because only the leading tab replays: it is part of the lazy leader runtime's chunk, while the group an op
 * belongs to (groupOf, recorded when it is queued) stays with the optimistic write a page loads first.
 */
const LIVE = new Set<LocalOp['status']>(['pending', 'syncing']);

/** A failed op's lane → its order: the ops after it wait for the user, not the server. */
async function heldLanes(db: SyncDatabase): Promise<Map<string, number>> {
  const held = new Map<string, number>();
  for (const op of await opsWithStatus(db, 'failed').toArray()) held.set(op.lane, Math.min(op.order, held.get(op.lane) ?? Infinity));
  return held;
}

/**
 * The earliest op of another lane that `op` must wait for (see the rule in op-group.ts), or undefined: it may
 * go. Reads [group+groupMode+order] from the group's first op up to `op`: a shared op reads only the (few)
 * exclusive ones.
 */
export async function groupBlocker(db: SyncDatabase, op: LocalOp): Promise<LocalOp | undefined> {
  // Ops written before v4 were filled in by its upgrade; an op without them is read the same way.
  const { group, groupMode } = op.group !== undefined && op.groupMode !== undefined ? { group: op.group, groupMode: op.groupMode } : groupOf(op);
  const modes: GroupMode[] = groupMode === 'exclusive' ? ['exclusive', 'shared'] : ['exclusive'];
  let held: Map<string, number> | undefined;
  for (const mode of modes) {
    const earlier = (skip: Map<string, number>) =>
      db.ops
        .where('[group+groupMode+order]')
        .between([group, mode, Dexie.minKey], [group, mode, op.order], true, false)
        .filter((o) => o.lane !== op.lane && LIVE.has(o.status) && !((skip.get(o.lane) ?? Infinity) < o.order))
        .first();
    // Failed ops are rare: read them only once something earlier is live at all.
    let blocker = await earlier(held ?? new Map());
    if (blocker && held === undefined) {
      held = await heldLanes(db);
      blocker = await earlier(held);
    }
    if (blocker) return blocker;
  }
  return undefined;
}
