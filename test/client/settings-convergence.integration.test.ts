import fc from 'fast-check';
import { IDBKeyRange, indexedDB } from 'fake-indexeddb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canonicalJson } from '../../shared/index.js';
import { createSyncEngine, type SyncEngine } from '../../client/index.js';
import { noLocks } from '../../client/tabs/locks.js';
import { FaultyFetch } from './faulty-fetch.js';
import { api, signUp, startWorker, type RunningWorker } from './worker-harness.js';

/**
 * Several devices of one user (separate IndexedDB databases) and the real Worker: random setting writes while
 * randomly offline. Once everyone has synced, every device and the server hold the same registers, and each
 * is the write with the greatest stamp. One device's clock runs an hour ahead (until it re-bases on server time
 * its stamps would be refused as CLOCK_DRIFT), one a day behind.
 */
let worker: RunningWorker;
let runs = 0;

beforeAll(async () => {
  worker = await startWorker();
}, 90_000);
afterAll(async () => {
  await worker?.stop();
});

const KEYS = ['theme', 'locale', 'notifications.email', 'custom.layout'] as const;
const valueFor = (key: (typeof KEYS)[number], n: number): unknown =>
  key === 'theme' ? ['light', 'dark', 'system'][n % 3] : key === 'locale' ? ['en', 'fr', 'de-CH'][n % 3] : key === 'notifications.email' ? n % 2 === 0 : { columns: n % 4, n };
const SKEWS = [0, 60 * 60_000, -24 * 60 * 60_000, 30_000];

type Action = { device: number; kind: 'write'; key: (typeof KEYS)[number]; n: number } | { device: number; kind: 'offline' | 'online' | 'sync' };

const actionArb: fc.Arbitrary<Action> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ device: fc.nat(SKEWS.length - 1), kind: fc.constant('write' as const), key: fc.constantFrom(...KEYS), n: fc.nat(20) }) },
  { weight: 1, arbitrary: fc.record({ device: fc.nat(SKEWS.length - 1), kind: fc.constantFrom('offline' as const, 'online' as const) }) },
  { weight: 2, arbitrary: fc.record({ device: fc.nat(SKEWS.length - 1), kind: fc.constant('sync' as const) }) },
);

describe('settings convergence against the real Worker', () => {
  it('devices with skewed clocks converge to the per-key maximum stamp', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(actionArb, { minLength: 5, maxLength: 25 }), async (actions) => {
        const account = await signUp(worker.baseUrl, 'Dev');
        const devices = SKEWS.map((skew, i) => {
          const net = new FaultyFetch();
          const engine: SyncEngine = createSyncEngine({
            baseUrl: worker.baseUrl,
            userId: account.id,
            getToken: () => account.token,
            fetch: net.fetch,
            now: () => Date.now() + skew,
            indexedDB,
            IDBKeyRange,
            locks: noLocks,
            channel: null,
            events: null,
            appName: `conv-${runs}-${i}`,
          });
          return { engine, net };
        });
        runs++;
        for (const d of devices) await d.engine.start();
        // The fast device learns it is fast from the server's answers. Its first write, stamped an hour ahead if
        // made before the first answer measured the offset, lands at its write's time on the server's clock: moved
        // there before the push, or when refused as CLOCK_DRIFT.
        const setupAt = Date.now();
        await devices[1]?.engine.settings.set('user', 'custom.setup', 1);
        await devices[1]?.engine.syncNow();
        expect(Math.abs((await devices[1]!.engine.status()).clockOffsetMs + 60 * 60_000)).toBeLessThan(60_000);
        const setup = ((await api(worker.baseUrl, account.token, 'GET', '/api/settings?limit=1000')).body.items as { key: string; hlc: string }[]).find((r) => r.key === 'custom.setup');
        expect(Math.abs(Date.parse(setup!.hlc.slice(0, 24)) - setupAt)).toBeLessThan(60_000);

        const written: { key: string; value: unknown; hlc: string }[] = [];
        for (const a of actions) {
          const d = devices[a.device]!;
          if (a.kind === 'write') written.push(await d.engine.settings.set('user', a.key, valueFor(a.key, a.n)));
          else if (a.kind === 'offline') d.net.offline = true;
          else if (a.kind === 'online') d.net.offline = false;
          else await d.engine.syncNow();
        }
        for (const d of devices) d.net.offline = false;
        for (let round = 0; round < 2; round++) for (const d of devices) await d.engine.syncNow();

        const server = (await api(worker.baseUrl, account.token, 'GET', '/api/settings?limit=1000')).body.items as { key: string; value: unknown; hlc: string }[];
        const text = (rows: { key: string; value: unknown; hlc: string }[]) =>
          rows
            .filter((r) => r.key !== 'custom.setup')
            .map((r) => `${r.key}=${canonicalJson(r.value)}@${r.hlc}`)
            .sort();
        const expected = new Map<string, { key: string; value: unknown; hlc: string }>();
        for (const w of written) if (!expected.has(w.key) || w.hlc > (expected.get(w.key) as { hlc: string }).hlc) expected.set(w.key, w);
        expect(text(server)).toEqual(text([...expected.values()]));
        for (const d of devices) {
          const local = (await d.engine.db.settings.where('[scope+scopeId]').equals(['user', account.id]).toArray()).map((r) => ({ key: r.key, value: r.value, hlc: r.hlc }));
          expect(text(local)).toEqual(text(server));
          expect(await d.engine.db.settings.where('dirty').equals(1).count()).toBe(0);
        }
        for (const d of devices) await d.engine.close();
      }),
      { numRuns: 6 },
    );
  }, 240_000);
});
