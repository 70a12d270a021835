import type { LockManagerLike } from './locks.js';

export interface Leadership {
  /** Whether this tab holds the sync lock now. */
  readonly isLeader: () => boolean;
  /** Resolves when this tab holds the lock (at once if it was free); never, if it closes first. */
  readonly acquired: Promise<void>;
  /** Gives the lock up (or stops waiting for it); the next tab in line takes over. */
  release(): void;
}

/**
 * One tab per user leads: it holds an exclusive Web Lock for as long as it lives and runs replay and pull; the
 * others wait in the lock's queue and take over, in order, when the leader's tab closes (the browser releases
 * a dead tab's locks). Idempotency keys keep a fallback without locks (every tab leads) safe.
 *
 * Resolves once it is known whether the lock was free: a caller that awaits `elect` leads at once when it can,
 * and otherwise follows (reads through live queries) while its request waits in the queue.
 */
export async function elect(locks: LockManagerLike, name: string): Promise<Leadership> {
  const controller = new AbortController();
  let leader = false;
  let letGo: () => void = () => {};
  const held = new Promise<void>((resolve) => (letGo = resolve));
  let acquired: () => void = () => {};
  const acquiredPromise = new Promise<void>((resolve) => (acquired = resolve));

  const hold = async () => {
    leader = true;
    acquired();
    await held;
    leader = false;
  };

  // Take the lock now if it is free; otherwise queue for it.
  await new Promise<void>((settled) => {
    void locks
      .request(name, { mode: 'exclusive', ifAvailable: true }, async (lock) => {
        if (lock === null || controller.signal.aborted) return settled();
        const holding = hold();
        settled();
        await holding;
      })
      .catch(() => settled());
  });
  if (!leader && !controller.signal.aborted) {
    void locks
      .request(name, { mode: 'exclusive', signal: controller.signal }, async () => {
        if (controller.signal.aborted) return;
        await hold();
      })
      .catch(() => undefined);
  }

  return {
    isLeader: () => leader,
    acquired: acquiredPromise,
    release() {
      controller.abort();
      letGo();
    },
  };
}
