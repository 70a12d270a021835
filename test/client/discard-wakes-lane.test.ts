import { describe, expect, it } from 'vitest';
import { createSyncEngine } from '../../client/index.js';
import { FakeServer } from './fake-server.js';
import { frozenTimers, nodeEngine } from './node-engine.js';

/**
 * A failed op holds its lane until the user retries or discards it. Discarding it frees the lane, and the ops
 * queued behind it must go at once: before, only a retry asked for a cycle, so after a discard they sat pending,
 * with no error and no timer, until some unrelated trigger (the interval: a minute by default). Found by the
 * chaos run, whose engines discard failed membership ops and found the ops behind them still pending.
 */
const ORG = '11111111-1111-4111-8111-111111111111';


describe('discarding a failed lane head', () => {
  it('sends the ops queued behind it without any other trigger', async () => {
    const server = new FakeServer();
    const engine = createSyncEngine({
      baseUrl: 'http://server.test',
      userId: 'user-1',
      getToken: () => server.validToken,
      fetch: server.fetch,
      ...nodeEngine,
      appName: `discard-wakes-${Math.random()}`,
      timers: frozenTimers,
      pullIntervalMs: 3_600_000,
    });
    await engine.start();
    await engine.syncNow();
    const project = await engine.projects.create(ORG, { name: 'Start' });
    await expect.poll(() => server.projects.get(project.id)?.name).toBe('Start');
    await expect.poll(async () => (await engine.db.ops.count())).toBe(0);

    // The next edit is refused for good (400): it fails and holds the project's lane.
    server.faults = ['reject'];
    await engine.projects.update(ORG, project.id, { name: 'Refused' });
    await expect.poll(async () => (await engine.db.ops.toArray()).map((op) => op.status)).toEqual(['failed']);
    // Queued behind it: not sent while the failed op holds the lane.
    await engine.projects.update(ORG, project.id, { name: 'Behind' });
    await new Promise((r) => setTimeout(r, 100));
    expect((await engine.db.ops.orderBy('order').toArray()).map((op) => op.status)).toEqual(['failed', 'pending']);
    expect(server.projects.get(project.id)?.name).toBe('Start');

    const [failed] = await engine.outbox.list();
    expect(await engine.outbox.discard(failed!.id)).toBe(true);
    await expect.poll(() => server.projects.get(project.id)?.name, { timeout: 5_000 }).toBe('Behind');
    await expect.poll(async () => (await engine.db.ops.count())).toBe(0);
    expect(await engine.counters()).toMatchObject({ enqueued: 3, applied: 2, failed: 1, discarded: 1 });
    await engine.close();
  });
});
