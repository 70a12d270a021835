import { afterEach, describe, expect, it, vi } from 'vitest';
import { createSyncEngine, ModuleLoadError, type SyncLogEvent } from '../../client/index.js';
import { loadLeaderRuntime } from '../../client/engine/load-leader-runtime.js';
import { FakeServer } from './fake-server.js';
import { nodeEngine } from './node-engine.js';

const ORG = '11111111-1111-4111-8111-111111111111';
/** The module the engine imports on demand once its tab leads (an app's bundler makes it a separate chunk). */
const RUNTIME = '../../client/engine/leader-runtime.js';

afterEach(() => {
  vi.doUnmock(RUNTIME);
});

describe('the leader runtime, loaded on demand', () => {
  it('a chunk that cannot load is a ModuleLoadError with the loader error as its cause', async () => {
    vi.doMock(RUNTIME, () => {
      throw new Error('Failed to fetch dynamically imported module');
    });
    const failure = await loadLeaderRuntime().catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ModuleLoadError);
    expect(failure).toMatchObject({ code: 'MODULE_LOAD_FAILED', module: 'leader-runtime' });
    expect((failure as ModuleLoadError).cause).toBeInstanceOf(Error);
  });

  it('fails loudly when it cannot load (status and log say MODULE_LOAD_FAILED, nothing is sent) and loads on the next cycle', async () => {
    const server = new FakeServer();
    const sent: string[] = [];
    const events: SyncLogEvent[] = [];
    const engine = createSyncEngine({
      baseUrl: 'http://server.test',
      userId: 'user-1',
      getToken: () => server.validToken,
      fetch: async (input, init) => {
        sent.push(input instanceof Request ? input.url : String(input));
        return server.fetch(input, init);
      },
      ...nodeEngine,
      appName: 'leader-runtime-load',
      logger: (event) => events.push(event),
    });
    vi.doMock(RUNTIME, () => {
      throw new Error('Failed to fetch dynamically imported module');
    });
    await engine.start();
    await engine.projects.create(ORG, { name: 'Queued while the chunk is missing' });
    await engine.syncNow();
    const status = await engine.status();
    expect(status.lastError).toMatchObject({ code: 'MODULE_LOAD_FAILED' });
    expect(status.pendingCount).toBe(1);
    expect(events).toContainEqual(expect.objectContaining({ type: 'module-load-failed', module: 'leader-runtime' }));
    expect(sent).toEqual([]);

    // The failure is not remembered: once the chunk can load, the next cycle loads it and sends the op.
    vi.doUnmock(RUNTIME);
    await engine.syncNow();
    const after = await engine.status();
    expect(after.pendingCount).toBe(0);
    expect(after.lastError).toBeNull();
    expect(server.alive().map((p) => p.name)).toEqual(['Queued while the chunk is missing']);
    await engine.close();
  });

  it('asks again on its own after a growing wait: no write or syncNow is needed once the chunk can load', async () => {
    const server = new FakeServer();
    // Timers by hand: the engine's waits are recorded and fired when the test says.
    const waits: { fn: () => void; ms: number }[] = [];
    const timers = {
      setTimeout: (fn: () => void, ms: number) => waits.push({ fn, ms }),
      clearTimeout: () => {},
      setInterval: () => 0,
      clearInterval: () => {},
    };
    const engine = createSyncEngine({
      baseUrl: 'http://server.test',
      userId: 'user-1',
      getToken: () => server.validToken,
      fetch: server.fetch,
      ...nodeEngine,
      timers,
      appName: 'leader-runtime-retry',
    });
    vi.doMock(RUNTIME, () => {
      throw new Error('Failed to fetch dynamically imported module');
    });
    await engine.start();
    await engine.projects.create(ORG, { name: 'Sent by the retry' });
    await engine.syncNow();
    await engine.syncNow();
    const retries = () => waits.filter((w) => w.ms >= 5_000);
    // One wait armed at a time, and it grows with each failed load.
    expect(retries().map((w) => w.ms)).toEqual([5_000]);
    retries()[0]!.fn();
    await engine.syncNow();
    expect(retries().map((w) => w.ms)).toEqual([5_000, 10_000]);

    vi.doUnmock(RUNTIME);
    retries()[1]!.fn();
    await vi.waitFor(async () => expect((await engine.status()).pendingCount).toBe(0));
    expect(server.alive().map((p) => p.name)).toEqual(['Sent by the retry']);
    await engine.close();
  });
});
