import type { SettingScope } from '../../shared/index.js';
import { validateSetting } from '../../shared/settings/registry.js';
import { ClientValidationError } from '../errors.js';
import type { SettingRow } from '../storage/rows.js';
import type { SyncDatabase } from '../storage/sync-database.js';
import type { ClientClock } from './client-clock.js';
import { readPushEpoch, stampBasis } from './stamp-basis.js';

/** What a local write needs: no transport, so a page that only writes never loads the push and pull code. */
export interface WriteSettingDeps {
  readonly db: SyncDatabase;
  readonly clock: ClientClock;
  readonly now: () => number;
}

/**
 * A local write: validated with the shared registry, stamped by the clock, stored dirty with the clock's new
 * last stamp in ONE transaction. No op is queued: a thousand writes to one key while offline push as one entry.
 * The row keeps the basis of its stamp (the offset it ran on, and what it must stay above), so a stamp made on
 * a clock that turns out to be off can be moved to the write's time on the server's clock (see pushSettings).
 */
export async function writeSetting(deps: WriteSettingDeps, scope: SettingScope, scopeId: string, key: string, value: unknown) {
  const check = validateSetting(scope, key, value);
  if (!check.ok) throw new ClientValidationError(check.message);
  const { db, clock } = deps;
  // Read with the stamp, synchronously: a re-base between the two would give the stamp a basis it was not made on.
  const hlc = clock.next();
  const offsetMs = clock.offsetMs;
  const measured = clock.measured;
  const updatedAt = deps.now();
  return db.transaction('rw', db.settings, db.meta, async () => {
    const previous = await db.settings.get([scope, scopeId, key]);
    const basis = stampBasis(previous, offsetMs, measured, await readPushEpoch(db));
    const row: SettingRow = { scope, scopeId, key, value: check.value, hlc, updatedAt, dirty: 1, basis };
    await db.settings.put(row);
    await db.meta.put({ key: 'hlcLast', value: clock.last() });
    return row;
  });
}
