import { describe, expect, it } from 'vitest';
import { elect } from '../../client/tabs/leader.js';
import type { LockManagerLike } from '../../client/tabs/locks.js';

/** An in-memory Web Locks stand-in with the semantics the engine relies on: exclusive, queued, ifAvailable. */
class FakeLocks implements LockManagerLike {
  private held = new Set<string>();
  private queues = new Map<string, (() => void)[]>();

  async request(name: string, options: { mode: 'exclusive'; ifAvailable?: boolean; signal?: AbortSignal }, callback: (lock: unknown) => Promise<void>) {
    if (this.held.has(name)) {
      if (options.ifAvailable) return callback(null);
      await new Promise<void>((resolve, reject) => {
        const queue = this.queues.get(name) ?? [];
        queue.push(resolve);
        this.queues.set(name, queue);
        options.signal?.addEventListener('abort', () => {
          this.queues.set(name, (this.queues.get(name) ?? []).filter((r) => r !== resolve));
          reject(new DOMException('aborted', 'AbortError'));
        });
      });
    }
    this.held.add(name);
    try {
      return await callback({ name });
    } finally {
      this.held.delete(name);
      this.queues.get(name)?.shift()?.();
    }
  }
}

const tick = () => new Promise((r) => setTimeout(r, 0));

describe('leader election', () => {
  it('the first tab leads at once; the next follows and takes over, in order, when the leader releases', async () => {
    const locks = new FakeLocks();
    const a = await elect(locks, 'sync');
    const b = await elect(locks, 'sync');
    const c = await elect(locks, 'sync');
    expect([a.isLeader(), b.isLeader(), c.isLeader()]).toEqual([true, false, false]);
    let bLeads = false;
    void b.acquired.then(() => (bLeads = true));
    a.release();
    await tick();
    expect(bLeads).toBe(true);
    expect([a.isLeader(), b.isLeader(), c.isLeader()]).toEqual([false, true, false]);
    b.release();
    await tick();
    expect(c.isLeader()).toBe(true);
    c.release();
  });

  it('a follower that releases leaves the queue without ever leading', async () => {
    const locks = new FakeLocks();
    const a = await elect(locks, 'sync');
    const b = await elect(locks, 'sync');
    const c = await elect(locks, 'sync');
    b.release();
    a.release();
    await tick();
    expect(b.isLeader()).toBe(false);
    expect(c.isLeader()).toBe(true);
    c.release();
  });
});
