import { describe, expect, it } from 'vitest';
import { createScheduler, type CycleRequest } from '../../client/engine/scheduler.js';
import type { Timers } from '../../client/engine/timers.js';

/**
 * A request resolves once a cycle that started after it has finished, not when the scheduler next goes idle.
 * Triggers that keep arriving while cycles run (an interval shorter than a cycle on a busy machine, retry
 * due-timers, other callers) can keep the scheduler from ever going idle; before, syncNow() then never returned
 * (found by the chaos run: ten engines on a loaded machine, each drain round waited out its cap).
 */
const noTimers: Timers = { setTimeout: () => 0, clearTimeout: () => {}, setInterval: () => 0, clearInterval: () => {} };
const tick = () => new Promise((r) => setTimeout(r, 0));

/** Cycles the test finishes by hand. */
function gatedCycles() {
  const runs: CycleRequest[] = [];
  const gates: (() => void)[] = [];
  let idle = 0;
  return {
    runs,
    get idle() {
      return idle;
    },
    finish: () => gates.shift()?.(),
    delegate: {
      run: async (request: CycleRequest, signal: AbortSignal) => {
        runs.push(request);
        await new Promise<void>((resolve) => {
          gates.push(resolve);
          signal.addEventListener('abort', () => resolve());
        });
      },
      onError: () => {},
      onIdle: () => {
        idle++;
      },
    },
  };
}

describe('scheduler under triggers that never stop', () => {
  it('each request resolves when the first cycle that started after it ends, though the scheduler never idles', async () => {
    const c = gatedCycles();
    const s = createScheduler(c.delegate, noTimers, () => 0);
    const settled: number[] = [];
    // Request 1 starts cycle 1; request k (k >= 2) is made while cycle k - 1 runs, so cycle k is the first to start
    // after it.
    void s.request({ pull: true }).then(() => settled.push(1));
    await tick();
    for (let cycle = 1; cycle <= 10; cycle++) {
      const k = cycle + 1;
      void s.request({ pull: false }).then(() => settled.push(k));
      c.finish();
      await tick();
      expect(settled).toEqual(Array.from({ length: cycle }, (_, i) => i + 1));
    }
    expect(c.idle).toBe(0);
    c.finish(); // cycle 11: nothing was asked meanwhile, so the scheduler idles and request 11 resolves after onIdle
    await tick();
    expect(settled).toHaveLength(11);
    expect(c.idle).toBe(1);
  });

  it('a request made while a cycle runs does not resolve with that cycle: its own (the rerun) must run first', async () => {
    const c = gatedCycles();
    const s = createScheduler(c.delegate, noTimers, () => 0);
    void s.request({ pull: false });
    await tick();
    let done = false;
    void s.request({ pull: true }).then(() => (done = true));
    c.finish();
    await tick();
    expect(done).toBe(false);
    expect(c.runs).toEqual([{ pull: false }, { pull: true, wake: false }]);
    c.finish();
    await tick();
    expect(done).toBe(true);
  });

  it('close resolves every request still waiting for a cycle that will never run', async () => {
    const c = gatedCycles();
    const s = createScheduler(c.delegate, noTimers, () => 0);
    const first = s.request({ pull: true });
    await tick();
    const queued = s.request({ pull: true });
    await s.close();
    await expect(Promise.all([first, queued])).resolves.toEqual([undefined, undefined]);
    expect(c.runs).toHaveLength(1);
  });
});
