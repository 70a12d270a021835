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
   * Resolves once a cycle that started after this call has finished (after onIdle when nothing else was asked),
   * never later: triggers that keep coming while cycles run do not hold it. At once after close().
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
 *
 * A request's promise belongs to the first cycle that starts after it: requests made while idle to the cycle
 * they start, requests made while a cycle runs to the rerun. It resolves when that cycle ends, not when the
 * scheduler next goes idle: triggers that keep arriving while cycles run (an interval shorter than a cycle on a
 * busy machine, due-timers of retries, other callers) can keep it from ever going idle, and a caller must not
 * wait on them forever.
 */
export function createScheduler(delegate: SchedulerDelegate, timers: Timers, now: () => number): Scheduler {
  const controller = new AbortController();
  let running: Promise<void> | null = null;
  let asked: CycleRequest | null = null;
  /** Callers waiting for the next cycle to start and finish (the rerun of `asked`). */
  let waiting: (() => void)[] = [];
  let timer: unknown = null;

  const loop = async (first: CycleRequest) => {
    let next: CycleRequest | null = first;
    let settled: (() => void)[] = [];
    while (next && !controller.signal.aborted) {
      // This cycle covers everyone who asked before it started; whoever asks from now on waits for the next one.
      const covered = waiting;
      waiting = [];
      asked = null;
      try {
        await delegate.run(next, controller.signal);
      } catch (error) {
        if (controller.signal.aborted) break;
        delegate.onError(error);
      }
      next = asked;
      // More to run: the callers this cycle covered are done now. Otherwise they resolve after onIdle below.
      if (next) for (const resolve of covered) resolve();
      else settled = covered;
    }
    // Closed: nothing will run for those still waiting, so they resolve too.
    settled.push(...waiting.splice(0));
    asked = null;
    running = null;
    await delegate.onIdle();
    for (const resolve of settled) resolve();
  };

  const scheduler: Scheduler = {
    signal: controller.signal,
    request(request) {
      if (controller.signal.aborted) return Promise.resolve();
      const done = new Promise<void>((resolve) => waiting.push(resolve));
      if (running) asked = { pull: (asked?.pull ?? false) || request.pull, wake: (asked?.wake ?? false) || request.wake === true };
      else running = loop(request);
      return done;
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
