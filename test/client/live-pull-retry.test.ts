import { IDBKeyRange, indexedDB } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import { createSyncEngine, type Timers } from '../../client/index.js';
import { noLocks } from '../../client/tabs/locks.js';
import type { WebSocketConstructor, WebSocketLike } from '../../client/transport/live-socket.js';
import { FakeServer } from './fake-server.js';

/** Interval timers driven by hand; one-shot timers (socket backoff) never fire here. */
class IntervalTimers implements Timers {
  private readonly intervals = new Map<number, () => void>();
  private next = 1;
  setTimeout = () => this.next++;
  clearTimeout = () => {};
  setInterval = (fn: () => void) => {
    const id = this.next++;
    this.intervals.set(id, fn);
    return id;
  };
  clearInterval = (id: unknown) => void this.intervals.delete(id as number);
  tick() {
    for (const fn of this.intervals.values()) fn();
  }
}

/** Sockets that open at once; the test pokes them by hand. */
const sockets: WebSocketLike[] = [];
class OpenSocket implements WebSocketLike {
  onopen: ((event: unknown) => void) | null = null;
  onmessage: ((event: { data: unknown }) => void) | null = null;
  onclose: ((event: { code: number }) => void) | null = null;
  onerror: ((event: unknown) => void) | null = null;
  constructor() {
    sockets.push(this);
    setTimeout(() => this.onopen?.({}), 0);
  }
  close() {}
}

const settle = () => new Promise((r) => setTimeout(r, 50));

describe('live pokes and the safety interval', () => {
  it('a pull a poke asked for that failed is retried at the normal interval, not only by the 5-minute safety net', async () => {
    const server = new FakeServer();
    let gets = 0;
    const fetch = (input: RequestInfo | URL, init?: RequestInit) => {
      const request = input instanceof Request ? input : new Request(input, init);
      if (request.method === 'GET') gets++;
      return server.fetch(request);
    };
    const timers = new IntervalTimers();
    let clock = 1_000_000;
    const engine = createSyncEngine({
      baseUrl: 'http://server.test',
      userId: 'user-1',
      getToken: () => server.validToken,
      fetch,
      indexedDB,
      IDBKeyRange,
      locks: noLocks,
      channel: null,
      events: null,
      appName: 'live-pull-retry',
      timers,
      now: () => clock,
      pullIntervalMs: 60_000,
      WebSocket: OpenSocket as unknown as WebSocketConstructor,
    });
    await engine.start();
    await engine.syncNow();
    await expect.poll(async () => (await engine.status()).live, { timeout: 10_000 }).toBe(true);
    await settle();

    // While pokes flow and the last pull worked, the one-minute tick is skipped (the safety net is 5 minutes).
    clock += 60_000;
    let before = gets;
    timers.tick();
    await settle();
    expect(gets).toBe(before);

    // A poke's pull fails (a 5xx): the change it announced is owed.
    server.faults = ['transient'];
    let failedCycles = 0;
    engine.subscribe((status) => void (status.lastError && failedCycles++));
    for (const socket of sockets) socket.onmessage?.({ data: JSON.stringify({ type: 'poke', scope: 'user', seq: 1 }) });
    // The cycle it asked for ends with the error shown (the status feed speaks when the scheduler goes idle).
    await expect.poll(() => failedCycles, { timeout: 10_000 }).toBeGreaterThan(0);

    // The next one-minute tick pulls again, though pokes still flow.
    clock += 60_000;
    before = gets;
    timers.tick();
    await expect.poll(() => gets, { timeout: 10_000 }).toBeGreaterThan(before);
    await expect.poll(async () => (await engine.status()).lastError, { timeout: 10_000 }).toBeNull();
    await engine.close();
  });
});
