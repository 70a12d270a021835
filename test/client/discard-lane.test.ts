import { describe, expect, it } from 'vitest';
import { createSyncEngine } from '../../client/index.js';
import { FakeServer } from './fake-server.js';
import { frozenTimers, nodeEngine } from './node-engine.js';

/**
 * Discard lane (issue 17 item 5): a failed op and the ops queued behind it in its lane go in one action, rolled
 * back locally in one transaction and counted as discards; before, a lane of k ops needed k discards. Another
 * lane, failed head and all, is left as it was.
 */
const ORG = '11111111-1111-4111-8111-111111111111';


describe('discarding a lane', () => {
  it('drops the failed head and the ops behind it, rolls their rows back, counts each, and leaves other lanes alone', async () => {
    const server = new FakeServer();
    const engine = createSyncEngine({
      baseUrl: 'http://server.test',
      userId: 'user-1',
      getToken: () => server.validToken,
      fetch: server.fetch,
      ...nodeEngine,
      appName: `discard-lane-${Math.random()}`,
      timers: frozenTimers,
      pullIntervalMs: 3_600_000,
    });
    await engine.start();
    await engine.syncNow();
    const a = await engine.projects.create(ORG, { name: 'A' });
    const b = await engine.projects.create(ORG, { name: 'B' });
    await expect.poll(async () => engine.db.ops.count()).toBe(0);
    // Idle before each fault is armed: a pull still running would take the fault meant for the edit.
    await engine.syncNow();
    const statuses = async () => (await engine.db.ops.orderBy('order').toArray()).map((op) => `${op.lane === `project:${a.id}` ? 'a' : 'b'}:${op.status}`);

    // Each lane's next edit is refused for good (400) and holds its lane; more edits queue behind them.
    server.faults = ['reject'];
    await engine.projects.update(ORG, a.id, { name: 'A refused' });
    await expect.poll(statuses).toEqual(['a:failed']);
    await engine.syncNow();
    server.faults = ['reject'];
    await engine.projects.update(ORG, b.id, { name: 'B refused' });
    await expect.poll(statuses).toEqual(['a:failed', 'b:failed']);
    await engine.projects.update(ORG, a.id, { name: 'A behind 1' });
    await engine.projects.update(ORG, a.id, { description: 'A behind 2' });
    await engine.projects.update(ORG, b.id, { name: 'B behind' });
    expect(await statuses()).toEqual(['a:failed', 'b:failed', 'a:pending', 'a:pending', 'b:pending']);
    expect(await engine.db.projects.get(a.id)).toMatchObject({ name: 'A behind 1', description: 'A behind 2' });

    const [headA] = await engine.outbox.list();
    expect(await engine.outbox.discardLane(headA!.id)).toBe(3);

    // Lane a: gone, its row back to the server's. Lane b: as it was (its failed head still rolled back).
    expect(await statuses()).toEqual(['b:failed', 'b:pending']);
    expect(await engine.db.projects.get(a.id)).toMatchObject({ name: 'A', description: '', version: 1 });
    expect(await engine.db.projects.get(b.id)).toMatchObject({ name: 'B behind' });
    expect(await engine.counters()).toMatchObject({ enqueued: 7, applied: 2, failed: 2, discarded: 3 });
    // Nothing of lane a reaches the server afterwards; lane b is still held by its failed head.
    await engine.syncNow();
    expect([server.projects.get(a.id)?.name, server.projects.get(b.id)?.name]).toEqual(['A', 'B']);
    expect(await statuses()).toEqual(['b:failed', 'b:pending']);
    const status = await engine.status();
    expect([status.pendingCount, status.failedCount]).toEqual([1, 1]);
    await engine.close();
  });

  it('drops nothing while an op of the lane is being sent', async () => {
    const server = new FakeServer();
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    const engine = createSyncEngine({
      baseUrl: 'http://server.test',
      userId: 'user-1',
      getToken: () => server.validToken,
      // Every write waits until released: the op is `syncing` meanwhile.
      fetch: async (input, init) => {
        const request = input instanceof Request ? input : new Request(input, init);
        if (request.method !== 'GET') await held;
        return server.fetch(request);
      },
      ...nodeEngine,
      appName: `discard-lane-syncing-${Math.random()}`,
      timers: frozenTimers,
      pullIntervalMs: 3_600_000,
    });
    await engine.start();
    const project = await engine.projects.create(ORG, { name: 'Sending' });
    await engine.projects.update(ORG, project.id, { name: 'Behind' });
    await expect.poll(async () => (await engine.db.ops.orderBy('order').toArray()).map((op) => op.status)).toEqual(['syncing', 'pending']);
    const [head] = await engine.outbox.list();
    expect(await engine.outbox.discardLane(head!.id)).toBe(0);
    expect(await engine.db.ops.count()).toBe(2);
    expect((await engine.counters()).discarded).toBe(0);
    release();
    await expect.poll(() => server.projects.get(project.id)?.name).toBe('Behind');
    await engine.close();
  });
});
