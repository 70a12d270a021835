import type { SyncDatabase } from '../storage/sync-database.js';
import { ClientClock } from './client-clock.js';

/**
 * The client clock with its state in the user's database: it resumes above the last stamp issued or received
 * (`hlcLast`, written with every settings write and every merge of server registers) and on the last measured
 * offset (`clockOffset`, written on every re-base and on the first measurement that needed none), so writes made
 * offline after a reload are stamped on corrected time too.
 *
 * `clockOffset` is present only once the offset has been measured from the server (every value ever written is
 * a measurement, older databases included: they wrote it on re-bases only), so its presence is what tells a
 * measured clock from a fresh install running on an assumed 0.
 */
export async function openClientClock(db: SyncDatabase, wall: () => number, onRebase: (offsetMs: number) => void): Promise<ClientClock> {
  const [last, offset] = await db.meta.bulkGet(['hlcLast', 'clockOffset']);
  const persisted = offset?.value;
  const measured = typeof persisted === 'number' && Number.isFinite(persisted);
  // Outside any transaction, fire and forget: a lost write only means measuring again after a reload.
  const persist = (offsetMs: number) => void db.meta.put({ key: 'clockOffset', value: offsetMs }).catch(() => {});
  return new ClientClock({
    wall,
    last: (last?.value as string | undefined) ?? null,
    offsetMs: measured ? persisted : 0,
    measured,
    onRebase: (offsetMs) => {
      onRebase(offsetMs);
      persist(offsetMs);
    },
    onMeasured: persist,
  });
}
