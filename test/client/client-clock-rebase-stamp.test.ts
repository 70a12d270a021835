import { IDBKeyRange, indexedDB } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import { ClientClock } from '../../client/settings/client-clock.js';
import { openClientClock } from '../../client/settings/persisted-clock.js';
import { SyncDatabase } from '../../client/storage/sync-database.js';
import { DEFAULT_MAX_DRIFT_MS, formatHlc, parseHlc } from '../../shared/index.js';

/**
 * ClientClock.rebaseStamp: a stamp issued on one offset moved to its write's time on the current offset, above
 * its floor (unless that floor is beyond what the server takes), falling back to the current time only when the
 * result would be refused; and the clock knowing whether its offset was ever measured.
 */
const T0 = 1_800_000_000_000;
const HOUR = 60 * 60_000;
const node = 'aaaaaaaaaaaaaaaa';

describe('ClientClock.rebaseStamp', () => {
  it('moves a stamp made an hour fast to its write time on the server clock, and later stamps stay above it', () => {
    let wall = T0 + HOUR;
    const clock = new ClientClock({ wall: () => wall });
    const written = clock.next();
    wall += 60_000; // a minute later the first answer says the device is an hour fast
    clock.rebase(-HOUR, true);
    const moved = clock.rebaseStamp(written, 0, null);
    expect(parseHlc(moved).ms).toBe(T0);
    expect(parseHlc(moved).node).not.toBe(parseHlc(written).node);
    expect(clock.next() > moved).toBe(true);
  });

  it('stays above its floor, the smallest stamp above it when the write time is below', () => {
    const clock = new ClientClock({ wall: () => T0 + HOUR });
    const written = clock.next();
    clock.rebase(-HOUR, true);
    const floor = formatHlc({ ms: T0 + 5_000, counter: 7, node });
    const moved = parseHlc(clock.rebaseStamp(written, 0, floor));
    expect({ ms: moved.ms, counter: moved.counter }).toEqual({ ms: T0 + 5_000, counter: 8 });
    // A floor below the write time changes nothing.
    expect(parseHlc(clock.rebaseStamp(written, 0, formatHlc({ ms: T0 - 5_000, counter: 7, node }))).ms).toBe(T0);
  });

  it('drops a floor beyond the drift limit (the server refuses such stamps, so none is there to beat)', () => {
    const clock = new ClientClock({ wall: () => T0 + HOUR });
    const written = clock.next();
    clock.rebase(-HOUR, true);
    const refusedByServer = formatHlc({ ms: T0 + DEFAULT_MAX_DRIFT_MS + 10_000, counter: 0, node });
    expect(parseHlc(clock.rebaseStamp(written, 0, refusedByServer)).ms).toBe(T0);
  });

  it('takes the current time only when the moved stamp would itself be refused', () => {
    let wall = T0;
    const clock = new ClientClock({ wall: () => wall });
    const written = clock.next();
    wall = T0 + 60_000;
    // Said to be made on an offset an hour below the current one: its "write time" is an hour ahead.
    expect(parseHlc(clock.rebaseStamp(written, -HOUR, null)).ms).toBe(T0 + 60_000);
  });

  it('keeps a stamp whose offset did not change and that is above its floor', () => {
    const clock = new ClientClock({ wall: () => T0 });
    const written = clock.next();
    expect(clock.rebaseStamp(written, 0, formatHlc({ ms: T0 - 1, counter: 0, node }))).toBe(written);
  });
});

describe('ClientClock.measured', () => {
  it('is false on a fresh install, true after the first measurement even when it moved nothing, and persisted', async () => {
    const db = new SyncDatabase(`client-clock-measured-${Date.now()}`, { indexedDB, IDBKeyRange });
    const fresh = await openClientClock(db, () => T0, () => {});
    expect(fresh.measured).toBe(false);
    expect(fresh.sample(T0 + 100, T0, T0 + 200)).toBe(false); // within the threshold: no re-base
    expect(fresh.measured).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 20)); // the offset is persisted fire-and-forget
    const reopened = await openClientClock(db, () => T0, () => {});
    expect(reopened.measured).toBe(true);
    expect(reopened.offsetMs).toBe(0);
    db.close();
  });

  it('a re-base is a measurement', () => {
    const clock = new ClientClock({ wall: () => T0 });
    clock.rebase(HOUR);
    expect(clock.measured).toBe(true);
  });
});
