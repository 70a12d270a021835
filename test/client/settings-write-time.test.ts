import { IDBKeyRange, indexedDB } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import { ClientClock } from '../../client/settings/client-clock.js';
import { pullSettings, pushSettings, type SettingsDeps } from '../../client/settings/settings-sync.js';
import { writeSetting } from '../../client/settings/write-setting.js';
import { SyncDatabase } from '../../client/storage/sync-database.js';
import { withClockSampling } from '../../client/transport/clock-sampling.js';
import { createHttpClient } from '../../client/transport/http-client.js';
import { parseHlc } from '../../shared/index.js';
import { FakeSettingsServer } from './fake-settings-server.js';

/**
 * Last writer wins means the write made last, not the write synced last: a register stamped on a clock that
 * turns out to be off is moved to its write's time on the server's clock (its stamp minus the offset it ran on,
 * plus the offset measured), above what the device knew when it wrote. Examples of issue 17, item 1, against the
 * in-memory merge endpoint; the real Worker runs the same scenario in fast-clock-offline.integration.test.ts.
 */
const T0 = 1_800_000_000_000;
const HOUR = 60 * 60_000;
const MIN = 60_000;
let dbs = 0;

/** A simulated world: the server's wall clock is `t`, each device's is `t + skew`. */
function world() {
  const state = { t: T0 };
  const server = new FakeSettingsServer(() => state.t);
  const device = (skew: number, fetch: typeof globalThis.fetch = server.fetch): SettingsDeps => {
    const wall = () => state.t + skew;
    const clock = new ClientClock({ wall });
    const http = withClockSampling(createHttpClient({ baseUrl: 'http://server.test', getToken: () => 't', fetch }), () => clock, wall);
    return { db: new SyncDatabase(`settings-write-time-${dbs++}`, { indexedDB, IDBKeyRange }), http, clock, now: wall };
  };
  return { state, server, device };
}

const theme = async (d: SettingsDeps) => (await d.db.settings.get(['user', 'u', 'theme']))?.value;

describe('a register keeps its write time on the server clock', () => {
  for (const fastFirst of [true, false]) {
    it(`an hour fast, written offline, refused as CLOCK_DRIFT: it loses to the write made half a second later (${fastFirst ? 'it' : 'the other'} syncs first)`, async () => {
      const { state, server, device } = world();
      const fast = device(HOUR);
      const right = device(0);
      await writeSetting(fast, 'user', 'u', 'theme', 'dark');
      state.t += 500;
      await writeSetting(right, 'user', 'u', 'theme', 'light');
      state.t += 60_000;
      // The fast device's first request is the push: the server refuses its stamp, the answer measures the offset.
      for (const d of fastFirst ? [fast, right] : [right, fast]) expect(await pushSettings(d, 'user', 'u')).toEqual({ state: 'done' });
      expect((await fast.db.counters.get('clockDrift'))?.value).toBe(1);
      for (const d of [fast, right]) expect(await pullSettings(d, 'user', 'u')).toEqual({ state: 'done' });
      expect(server.registers.get('theme')?.value).toBe('light');
      expect(await theme(fast)).toBe('light');
      expect(await theme(right)).toBe('light');
    });
  }

  it('an hour fast, written offline, refused as CLOCK_DRIFT: it still wins over the write it was made after', async () => {
    const { state, server, device } = world();
    const fast = device(HOUR);
    const right = device(0);
    await writeSetting(right, 'user', 'u', 'theme', 'light');
    expect(await pushSettings(right, 'user', 'u')).toEqual({ state: 'done' });
    state.t += 500;
    await writeSetting(fast, 'user', 'u', 'theme', 'dark');
    state.t += 60_000;
    expect(await pushSettings(fast, 'user', 'u')).toEqual({ state: 'done' });
    expect((await fast.db.counters.get('clockDrift'))?.value).toBe(1);
    expect(server.registers.get('theme')?.value).toBe('dark');
    // On the server's clock, at its write time (not the reconnect time, a minute later).
    expect(Math.abs(parseHlc(server.registers.get('theme')!.hlc).ms - (T0 + 500))).toBeLessThanOrEqual(5);
  });

  it('an hour behind, written offline: it wins over the write made half a second before', async () => {
    const { state, server, device } = world();
    const slow = device(-HOUR);
    const right = device(0);
    await writeSetting(right, 'user', 'u', 'theme', 'light');
    expect(await pushSettings(right, 'user', 'u')).toEqual({ state: 'done' });
    state.t += 500;
    await writeSetting(slow, 'user', 'u', 'theme', 'dark');
    state.t += 60_000;
    // As the engine syncs: a request that measures the offset (here the pull), then the push.
    expect(await pullSettings(slow, 'user', 'u')).toEqual({ state: 'done' });
    expect(await pushSettings(slow, 'user', 'u')).toEqual({ state: 'done' });
    expect(server.registers.get('theme')?.value).toBe('dark');
    expect(await theme(slow)).toBe('dark');
  });

  it('three minutes fast (accepted as stamped): its own earlier write is a floor only when it may be on the server', async () => {
    // Never sent: the rewrite keeps its own write time, and the other device's later write wins.
    {
      const { state, server, device } = world();
      const fast = device(3 * MIN);
      const right = device(0);
      await writeSetting(fast, 'user', 'u', 'theme', 'system');
      state.t += 10_000;
      await writeSetting(fast, 'user', 'u', 'theme', 'dark');
      state.t += 50_000;
      await writeSetting(right, 'user', 'u', 'theme', 'light');
      expect(await pushSettings(right, 'user', 'u')).toEqual({ state: 'done' });
      state.t += 60_000;
      expect(await pullSettings(fast, 'user', 'u')).toEqual({ state: 'done' });
      expect(await pushSettings(fast, 'user', 'u')).toEqual({ state: 'done' });
      expect(server.registers.get('theme')?.value).toBe('light');
      expect(await theme(fast)).toBe('light');
    }
    // Sent, the answer lost (the server took it): the rewrite must land above it, or the user's later write
    // would lose to their earlier one.
    {
      const { state, server, device } = world();
      let lose = true;
      const lossy = device(3 * MIN, async (input, init) => {
        const response = await server.fetch(input, init);
        if (!lose) return response;
        lose = false;
        throw new TypeError('Failed to fetch');
      });
      await writeSetting(lossy, 'user', 'u', 'theme', 'system');
      expect((await pushSettings(lossy, 'user', 'u')).state).not.toBe('done');
      expect(server.registers.get('theme')?.value).toBe('system');
      state.t += 10_000;
      await writeSetting(lossy, 'user', 'u', 'theme', 'dark');
      state.t += 60_000;
      expect(await pullSettings(lossy, 'user', 'u')).toEqual({ state: 'done' });
      expect(await pushSettings(lossy, 'user', 'u')).toEqual({ state: 'done' });
      expect(server.registers.get('theme')?.value).toBe('dark');
      expect(await theme(lossy)).toBe('dark');
    }
  });
});

describe('a dirty register of an older build (no basis recorded)', () => {
  it('is pushed as stamped, re-stamped from the current time when refused, and is a floor for the next write', async () => {
    const { state, server, device } = world();
    const fast = device(HOUR);
    const old = { scope: 'user', scopeId: 'u', key: 'theme', value: 'dark', hlc: fast.clock.next(), updatedAt: T0 + HOUR, dirty: 1 } as const;
    await fast.db.settings.put(old);
    // Its answer may have been lost: the next write of the key stays above it.
    expect((await writeSetting(fast, 'user', 'u', 'theme', 'system')).basis).toEqual({ offsetMs: 0, measured: false, floor: old.hlc, epoch: 0 });
    await fast.db.settings.put(old);
    state.t += 60_000;
    expect(await pushSettings(fast, 'user', 'u')).toEqual({ state: 'done' });
    // Refused as an hour ahead, then stamped at the reconnect (as before bases were recorded).
    expect(Math.abs(parseHlc(server.registers.get('theme')!.hlc).ms - state.t)).toBeLessThanOrEqual(5);
    expect(server.registers.get('theme')?.value).toBe('dark');
  });
});
