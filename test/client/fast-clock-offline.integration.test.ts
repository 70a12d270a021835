import { describe, expect, it } from 'vitest';
import { createSyncEngine, type SyncEngine } from '../../client/index.js';
import { api, signUp } from './worker-harness.js';
import { workerForFile } from './worker-for-file.js';
import { nodeEngine } from './node-engine.js';

/**
 * Issue 17, item 1, against the real Worker. Two devices of one account: a fresh install that has never reached
 * the server, its clock an hour ahead, writes `theme = dark` offline; half a second later in real time the other
 * device (correct clock, online) writes `theme = light`. Before the fix, when the first device came online its
 * stamp was refused as CLOCK_DRIFT and re-stamped at reconnect time, so `dark` won everywhere although `light`
 * was written last. Now the register is moved to its write's time on the server's clock once the first answer
 * has measured the offset (before the push), and `light` holds.
 */
const worker = workerForFile();
const HOUR = 60 * 60_000;

describe('a fast fresh install that wrote offline', () => {
  it('loses to the write made half a second later on a device with a correct clock, on the server and both devices', async () => {
    const { baseUrl } = worker();
    const account = await signUp(baseUrl, 'TwoDevices');
    let fastOffline = true;
    const engine = (name: string, skew: number, fetch: typeof globalThis.fetch): SyncEngine =>
      createSyncEngine({
        baseUrl,
        userId: account.id,
        getToken: () => account.token,
        fetch,
        now: () => Date.now() + skew,
        ...nodeEngine,
        appName: `${name}-${Date.now()}`,
        pullIntervalMs: 3_600_000,
      });
    const fast = engine('fast-offline', HOUR, (input, init) => (fastOffline ? Promise.reject(new TypeError('Failed to fetch')) : fetch(input, init)));
    const right = engine('right-online', 0, (input, init) => fetch(input, init));
    const theme = async (e: SyncEngine) => (await e.db.settings.get(['user', account.id, 'theme']))?.value;
    try {
      await right.start();
      await right.syncNow();
      await fast.start();

      await fast.settings.set('user', 'theme', 'dark');
      await new Promise((resolve) => setTimeout(resolve, 500));
      await right.settings.set('user', 'theme', 'light');
      await right.syncNow();
      expect((await api(baseUrl, account.token, 'GET', '/api/settings')).body.items).toEqual([expect.objectContaining({ key: 'theme', value: 'light' })]);

      fastOffline = false;
      await fast.syncNow();
      await fast.syncNow();
      await right.syncNow();

      const server = (await api(baseUrl, account.token, 'GET', '/api/settings')).body.items as { key: string; value: unknown; hlc: string }[];
      expect(server).toEqual([expect.objectContaining({ key: 'theme', value: 'light' })]);
      expect(await theme(fast)).toBe('light');
      expect(await theme(right)).toBe('light');
      for (const e of [fast, right]) expect(await e.db.settings.where('dirty').equals(1).count()).toBe(0);
      // The fast device now runs on the server's clock.
      expect(Math.abs((await fast.status()).clockOffsetMs + HOUR)).toBeLessThan(60_000);
    } finally {
      await fast.close();
      await right.close();
    }
  }, 240_000);
});
