import fc from 'fast-check';
import { IDBKeyRange, indexedDB } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import { CLOCK_CORRECTION_THRESHOLD_MS, ClientClock } from '../../client/settings/client-clock.js';
import { pullSettings, pushSettings, type SettingsDeps } from '../../client/settings/settings-sync.js';
import { writeSetting } from '../../client/settings/write-setting.js';
import { SyncDatabase } from '../../client/storage/sync-database.js';
import { withClockSampling } from '../../client/transport/clock-sampling.js';
import { createHttpClient } from '../../client/transport/http-client.js';
import { FakeSettingsServer } from './fake-settings-server.js';

/**
 * Devices whose clocks are off by anything within ±48 h write settings in simulated real time, each write made
 * right after syncing. The offset each device measures from `serverTime` (midpoint of send and receive) puts
 * its clock on the server's, so:
 * - no write made after seeing a register loses to it (its stamp is above the register's);
 * - once everyone has synced, every device and the server hold, per key, the write made last in real time.
 * Writes that did not see each other are ordered correctly when they are further apart in real time than the
 * clocks' residual error (threshold + half a round trip on each side); writes closer than that are made only
 * after the earlier writes were pushed, i.e. after seeing them.
 */
const HOUR = 60 * 60_000;
const KEYS = ['theme', 'locale', 'custom.layout'] as const;
const valueOf = (key: (typeof KEYS)[number], n: number): unknown =>
  key === 'theme' ? ['light', 'dark', 'system'][n % 3] : key === 'locale' ? ['en', 'fr', 'de'][n % 3] : { n };
const MAX_LATENCY_MS = 200;
/** Two writes that did not see each other are this far apart at least (twice the worst residual skew). */
const INDEPENDENT_GAP_MS = 2 * (CLOCK_CORRECTION_THRESHOLD_MS + MAX_LATENCY_MS) + 1;

interface Write {
  device: number;
  key: (typeof KEYS)[number];
  n: number;
  /** Real time that passes before the write. */
  gapMs: number;
  /** Whether the device pushes right after writing (otherwise the write waits for its next sync). */
  push: boolean;
}

const writeArb: fc.Arbitrary<Write> = fc.record({
  device: fc.nat(2),
  key: fc.constantFrom(...KEYS),
  n: fc.nat(30),
  gapMs: fc.oneof(fc.integer({ min: 0, max: 50 }), fc.integer({ min: INDEPENDENT_GAP_MS, max: 6 * HOUR })),
  push: fc.boolean(),
});

let runs = 0;

describe('client clock against skewed device clocks', () => {
  it('the last write in real time wins everywhere, and no write made after seeing a register loses to it', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: -48 * HOUR, max: 48 * HOUR }), { minLength: 3, maxLength: 3 }),
        fc.array(writeArb, { minLength: 1, maxLength: 12 }),
        fc.integer({ min: 0, max: MAX_LATENCY_MS }),
        async (skews, writes, latency) => {
          let t = 1_800_000_000_000; // simulated real time, the server's wall clock
          const server = new FakeSettingsServer(() => t);
          const network: typeof fetch = async (input, init) => {
            t += Math.floor(latency / 2);
            const response = await server.fetch(input, init);
            t += Math.ceil(latency / 2);
            return response;
          };
          const devices = skews.map((skew, i) => {
            const wall = () => t + skew;
            const clock = new ClientClock({ wall });
            const http = withClockSampling(createHttpClient({ baseUrl: 'http://server.test', getToken: () => 't', fetch: network }), () => clock, wall);
            const db = new SyncDatabase(`settings-clock-${runs}-${i}`, { indexedDB, IDBKeyRange });
            const deps: SettingsDeps = { db, http, clock, now: wall };
            return { deps, unpushed: 0 };
          });
          runs++;
          const sync = async (d: (typeof devices)[number]) => {
            expect(await pushSettings(d.deps, 'user', 'u')).toEqual({ state: 'done' });
            expect(await pullSettings(d.deps, 'user', 'u')).toEqual({ state: 'done' });
            d.unpushed = 0;
          };

          const lastInRealTime = new Map<string, unknown>();
          for (const w of writes) {
            const device = devices[w.device]!;
            const unseenElsewhere = devices.some((d) => d !== device && d.unpushed > 0);
            t += unseenElsewhere && w.gapMs < INDEPENDENT_GAP_MS ? INDEPENDENT_GAP_MS + w.gapMs : w.gapMs;
            await sync(device);
            const seen = await device.deps.db.settings.get(['user', 'u', w.key]);
            const written = await writeSetting(device.deps, 'user', 'u', w.key, valueOf(w.key, w.n));
            if (seen) expect(written.hlc > seen.hlc, `${written.hlc} written after seeing ${seen.hlc}`).toBe(true);
            lastInRealTime.set(w.key, valueOf(w.key, w.n));
            device.unpushed++;
            if (w.push) await sync(device);
          }

          for (const d of devices) await sync(d);
          for (const d of devices) await sync(d);
          for (const [key, value] of lastInRealTime) {
            expect(server.registers.get(key)?.value, `server ${key}`).toEqual(value);
            for (const [i, d] of devices.entries()) expect((await d.deps.db.settings.get(['user', 'u', key]))?.value, `device ${i} ${key}`).toEqual(value);
          }
          // Each clock runs on the server's time, within what a measurement can tell.
          for (const [i, d] of devices.entries()) {
            expect(Math.abs(d.deps.clock.offsetMs + skews[i]!)).toBeLessThanOrEqual(CLOCK_CORRECTION_THRESHOLD_MS + latency);
          }
          for (const d of devices) d.deps.db.close();
        },
      ),
      { numRuns: 60 },
    );
  }, 120_000);
});
