import type { Timers } from './timers.js';

/** What a trigger asks of a cycle. Requests made while a cycle runs are merged (their union runs once more). */
export interface CycleRequest {
  /** Pull every collection after replaying; false: replay only (a write, a backoff coming due). */
  readonly pull: boolean;
  /** A trigger that may mean the network is back (not the due-timer): ops waiting only for it go now. */
  readonly wake?: boolean;
}

export interface SchedulerDelegate {
  /** One cycle. Never overlaps another; `signal` aborts when the scheduler closes. */
  run(request: CycleRequest, signal: AbortSignal): Promise<void>;
  /** A cycle threw: the scheduler carries on (the next trigger runs again), the delegate records it. */
  onError(error: unknown): void;
  /** Every queued request has run: nothing is running now. */
  onIdle(): void | Promise<void>;
}

export interface Scheduler {
  /**
   * Runs a cycle now, or once more after the running one (with the union of everything asked meanwhile).
   * Resolves when the cycle that covers this request has finished.
   */
  request(request: CycleRequest): Promise<void>;
  /** Arms the due-timer: a replay-only cycle at `at` (replacing any earlier timer); null disarms it. */
  dueAt(at: number | null): void;
  /** The signal aborted by close(), for work the delegate starts outside a cycle. */
  readonly signal: AbortSignal;
  /** No new cycles, the timer disarmed, the running cycle aborted and awaited. */
  close(): Promise<void>;
}

/**
 * The sync loop's scheduler (after replicache's process-scheduler): it only knows "run once, merge what was
 * asked while running, abort on close".
 *
 *   idle ──request(r)──▶ running(r) ──done, nothing asked──▶ idle (onIdle)
 *                          │   ▲
 *           request(r') ───┘   └── done, asked meanwhile: running(union of the asks)
 *   any ──close()──▶ closed: the running cycle's signal aborts; request() resolves at once
 */
export function createScheduler(delegate: SchedulerDelegate, timers: Timers, now: () => number): Scheduler {
  const controller = new AbortController();
  let running: Promise<void> | null = null;
  let asked: CycleRequest | null = null;
  let timer: unknown = null;

  const loop = async (first: CycleRequest) => {
    let next: CycleRequest | null = first;
    while (next && !controller.signal.aborted) {
      asked = null;
      try {
        await delegate.run(next, controller.signal);
      } catch (error) {
        if (controller.signal.aborted) break;
        delegate.onError(error);
      }
      next = asked;
    }
    running = null;
    await delegate.onIdle();
  };

  const scheduler: Scheduler = {
    signal: controller.signal,
    request(request) {
      if (controller.signal.aborted) return Promise.resolve();
      if (running) {
        asked = { pull: (asked?.pull ?? false) || request.pull, wake: (asked?.wake ?? false) || request.wake === true };
        return running;
      }
      running = loop(request);
      return running;
    },
    dueAt(at) {
      if (timer !== null) timers.clearTimeout(timer);
      timer = at === null || controller.signal.aborted ? null : timers.setTimeout(() => void scheduler.request({ pull: false }), Math.max(0, at - now()));
    },
    async close() {
      controller.abort();
      scheduler.dueAt(null);
      await running?.catch(() => undefined);
    },
  };
  return scheduler;
}
