import { IDBKeyRange, indexedDB } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import { createSyncEngine } from '../../client/index.js';
import { noLocks } from '../../client/tabs/locks.js';
import { frozenTimers } from './node-engine.js';
import { FakeServer } from './fake-server.js';

const ORG = '11111111-1111-4111-8111-111111111111';

describe('writes queued offline', () => {
  it('a write while offline sends only its own op, not every waiting one; the first answer from the server wakes the rest', async () => {
    const server = new FakeServer();
    const sent: string[] = [];
    let offline = false;
    const fetch = async (input: RequestInfo | URL, init?: RequestInit) => {
      const request = input instanceof Request ? input : new Request(input, init);
      if (request.method !== 'GET') sent.push(`${request.method} ${new URL(request.url).pathname}`);
      if (offline) throw new TypeError('Failed to fetch');
      return server.fetch(request);
    };
    const engine = createSyncEngine({
      baseUrl: 'http://server.test', userId: 'user-1', getToken: () => server.validToken, fetch, indexedDB, IDBKeyRange,
      locks: noLocks, channel: null, events: null, appName: 'offline-queue', timers: frozenTimers, now: () => 1_800_000_000_000, pullIntervalMs: 3_600_000,
      // Fixed jitter: with the clock frozen, a full-jitter delay of 0 (1 in 1,000 per op) would leave an op due
      // at once, and the next write's cycle would rightly send it too.
      random: () => 0.5,
    });
    await engine.start();
    await engine.syncNow();
    offline = true;
    const queued = [];
    for (let i = 0; i < 20; i++) {
      queued.push(await engine.projects.create(ORG, { name: `Offline ${i}` }));
      // Each write's own cycle tries its own op once (each project is its own lane), and records that it waits.
      await expect.poll(() => sent.length).toBe(i + 1);
      const id = queued[i]!.id;
      await expect.poll(async () => (await engine.db.ops.where('entity').equals(`projects:${id}`).first())?.offlineWaits).toBe(1);
    }
    // No write re-sent the ops already waiting for the network: 20 writes, 20 sends (it was 210 when every write
    // woke every waiting op).
    expect(sent).toHaveLength(20);
    const waiting = await engine.db.ops.toArray();
    expect(waiting.map((op) => [op.status, op.error?.code, op.offlineWaits])).toEqual(waiting.map(() => ['pending', 'OFFLINE', 1]));

    // Back online: one more write; its answer wakes the 20 waiting ops and the same drain sends them.
    offline = false;
    const last = await engine.projects.create(ORG, { name: 'Online again' });
    await expect.poll(() => server.alive().length, { timeout: 10_000 }).toBe(21);
    expect(new Set(server.alive().map((p) => p.id))).toEqual(new Set([...queued, last].map((p) => p.id)));
    expect(await engine.db.ops.count()).toBe(0);
    await engine.close();
  });
});
