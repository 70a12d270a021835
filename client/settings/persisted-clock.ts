import type { SyncDatabase } from '../storage/sync-database.js';
import { ClientClock } from './client-clock.js';

/**
 * The client clock with its state in the user's database: it resumes above the last stamp issued or received
 * (`hlcLast`, written with every settings write and every merge of server registers) and on the last measured
 * offset (`clockOffset`, written on every re-base), so writes made offline after a reload are stamped on
 * corrected time too.
 */
export async function openClientClock(db: SyncDatabase, wall: () => number, onRebase: (offsetMs: number) => void): Promise<ClientClock> {
  const [last, offset] = await db.meta.bulkGet(['hlcLast', 'clockOffset']);
  return new ClientClock({
    wall,
    last: (last?.value as string | undefined) ?? null,
    offsetMs: (offset?.value as number | undefined) ?? 0,
    onRebase: (offsetMs) => {
      onRebase(offsetMs);
      // Outside any transaction, fire and forget: a lost write only means measuring again after a reload.
      db.meta.put({ key: 'clockOffset', value: offsetMs }).catch(() => {});
    },
  });
}
