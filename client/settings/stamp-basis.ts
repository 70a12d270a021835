import type { SettingRow, StampBasis } from '../storage/rows.js';
import type { SyncDatabase } from '../storage/sync-database.js';
import type { ClientClock } from './client-clock.js';

/**
 * Meta key of the settings push epoch: bumped in the transaction that reads the registers a push sends, before
 * it is sent. A dirty register written at an epoch below the current one may be on the server (its push's answer
 * may have been lost); one written at the current epoch was never sent.
 */
export const PUSH_EPOCH_KEY = 'settingsPushEpoch';

export async function readPushEpoch(db: SyncDatabase): Promise<number> {
  const value = (await db.meta.get(PUSH_EPOCH_KEY))?.value;
  return typeof value === 'number' && Number.isFinite(value) ? value : 0;
}

/** Within a transaction over meta: the next push may carry every register written until now. */
export async function bumpPushEpoch(db: SyncDatabase): Promise<void> {
  await db.meta.put({ key: PUSH_EPOCH_KEY, value: (await readPushEpoch(db)) + 1 });
}

const greatest = (stamps: readonly (string | null | undefined)[]): string | null =>
  stamps.reduce<string | null>((top, s) => (s != null && (top === null || s > top) ? s : top), null);

/**
 * The basis of a new local write of a key whose current row is `previous`, stamped on a clock running on
 * `offsetMs` (`measured` or assumed). Its floor is what the device knew of the key: an acknowledged or
 * server register as it is; for a dirty one, what that one had to stay above, its next floor, and its own stamp
 * unless it was written since the last push began (then it cannot be on the server). A dirty row of an older
 * build without a basis counts as possibly pushed.
 */
export function stampBasis(previous: SettingRow | undefined, offsetMs: number, measured: boolean, epoch: number): StampBasis {
  let floor: string | null = null;
  if (previous?.dirty === 0) floor = previous.hlc;
  else if (previous) floor = greatest([previous.basis?.floor, previous.nextFloor, mayBePushed(previous, epoch) ? previous.hlc : null]);
  return { offsetMs, measured, floor, epoch };
}

const mayBePushed = (row: SettingRow, epoch: number): boolean => row.basis === undefined || row.basis.epoch < epoch;

/**
 * A dirty register moved onto the clock's current offset (ClientClock.rebaseStamp), its basis now the
 * measured offset. A register without a basis is stamped from the current time, as before bases were recorded.
 * `epoch` is the current push epoch, or null when the stamp being moved is known not to be on the server (the
 * server just refused it): otherwise a stamp a push may have carried is kept as the next write's floor.
 */
export function rebaseRegister(row: SettingRow, clock: ClientClock, epoch: number | null): SettingRow {
  if (!row.basis) return { ...row, hlc: clock.next() };
  const hlc = clock.rebaseStamp(row.hlc, row.basis.offsetMs, row.basis.floor);
  const moved: SettingRow = { ...row, hlc, basis: { ...row.basis, offsetMs: clock.offsetMs, measured: true } };
  if (hlc === row.hlc || epoch === null || !mayBePushed(row, epoch)) return moved;
  return { ...moved, nextFloor: greatest([row.nextFloor, row.hlc]) as string };
}
