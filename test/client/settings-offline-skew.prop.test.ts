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
 * Fresh installs that have never reached the server, their clocks off by anything (hours either way, minutes
 * within the 5-minute drift limit, or seconds), write settings offline; then they come online in any order and
 * sync as the engine does (a request that measures the offset, the push, the pull). None of them saw another's
 * writes, so last writer wins must mean the write made last in real time (the server's clock), whichever synced
 * last and whatever the clocks said: a clock ahead must not win by its stamps or by syncing late, a clock behind
 * must not lose. Writes of different devices are further apart than the clocks' residual error after measuring
 * (threshold + half a round trip on each side); one device's writes may be as close as it likes.
 */
const HOUR = 60 * 60_000;
const MIN = 60_000;
const KEYS = ['theme', 'locale', 'custom.layout'] as const;
const valueOf = (key: (typeof KEYS)[number], n: number): unknown =>
  key === 'theme' ? ['light', 'dark', 'system'][n % 3] : key === 'locale' ? ['en', 'fr', 'de'][n % 3] : { n };
const MAX_LATENCY_MS = 200;
const INDEPENDENT_GAP_MS = 2 * (CLOCK_CORRECTION_THRESHOLD_MS + MAX_LATENCY_MS) + 1;
const DEVICES = 3;

const skewArb = fc.oneof(fc.integer({ min: -48 * HOUR, max: 48 * HOUR }), fc.integer({ min: -10 * MIN, max: 10 * MIN }), fc.integer({ min: -5_000, max: 5_000 }));
const writeArb = fc.record({
  device: fc.nat(DEVICES - 1),
  key: fc.constantFrom(...KEYS),
  n: fc.nat(30),
  /** Real time before the write; raised to INDEPENDENT_GAP_MS when the previous write was another device's. */
  gapMs: fc.oneof(fc.integer({ min: 0, max: 50 }), fc.integer({ min: INDEPENDENT_GAP_MS, max: 10 * MIN }), fc.integer({ min: INDEPENDENT_GAP_MS, max: 6 * HOUR })),
});

let runs = 0;

describe('fresh devices with skewed clocks writing offline', () => {
  it('converge, on the server and every device, to the write made last in server time', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(skewArb, { minLength: DEVICES, maxLength: DEVICES }),
        fc.array(writeArb, { minLength: 1, maxLength: 12 }),
        fc.array(fc.nat(), { minLength: DEVICES, maxLength: DEVICES }),
        fc.integer({ min: 0, max: MAX_LATENCY_MS }),
        async (skews, writes, onlineOrder, latency) => {
          let t = 1_800_000_000_000; // simulated real time: the server's wall clock
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
            const db = new SyncDatabase(`settings-offline-skew-${runs}-${i}`, { indexedDB, IDBKeyRange });
            const deps: SettingsDeps = { db, http, clock, now: wall };
            return deps;
          });
          runs++;
          // The engine's pass: its first request (the orgs page) measures the offset before any push.
          const sync = async (d: SettingsDeps) => {
            expect(await pullSettings(d, 'user', 'u')).toEqual({ state: 'done' });
            expect(await pushSettings(d, 'user', 'u')).toEqual({ state: 'done' });
            expect(await pullSettings(d, 'user', 'u')).toEqual({ state: 'done' });
          };

          const last = new Map<string, unknown>();
          let previous: number | null = null;
          for (const w of writes) {
            t += previous !== null && previous !== w.device ? Math.max(w.gapMs, INDEPENDENT_GAP_MS) : w.gapMs;
            previous = w.device;
            await writeSetting(devices[w.device]!, 'user', 'u', w.key, valueOf(w.key, w.n));
            last.set(w.key, valueOf(w.key, w.n));
          }

          t += INDEPENDENT_GAP_MS;
          const order = [...devices.keys()].sort((a, b) => onlineOrder[a]! - onlineOrder[b]! || a - b);
          for (const i of order) await sync(devices[i]!);
          for (const d of devices) await sync(d);

          for (const [key, value] of last) {
            expect(server.registers.get(key)?.value, `server ${key}`).toEqual(value);
            for (const [i, d] of devices.entries()) expect((await d.db.settings.get(['user', 'u', key]))?.value, `device ${i} ${key}`).toEqual(value);
          }
          for (const d of devices) expect(await d.db.settings.where('dirty').equals(1).count()).toBe(0);
          for (const d of devices) d.db.close();
        },
      ),
      { numRuns: 80 },
    );
  }, 120_000);
});
