import { describe, expect, it } from 'vitest';
import { createScheduler, type CycleRequest } from '../../client/engine/scheduler.js';
import type { Timers } from '../../client/engine/timers.js';

/** Hand-driven timers: the scheduler's due-timer fires only when the test moves time. */
class ManualTimers implements Timers {
  now = 0;
  private next = 1;
  readonly pending = new Map<number, { at: number; fn: () => void }>();
  setTimeout = (fn: () => void, ms: number) => {
    const id = this.next++;
    this.pending.set(id, { at: this.now + ms, fn });
    return id;
  };
  clearTimeout = (id: unknown) => void this.pending.delete(id as number);
  setInterval = () => 0;
  clearInterval = () => {};
  advance(ms: number) {
    this.now += ms;
    for (const [id, t] of [...this.pending]) {
      if (t.at > this.now) continue;
      this.pending.delete(id);
      t.fn();
    }
  }
}

/** A cycle the test finishes by hand, recording what each run was asked and whether two ever overlapped. */
function recorder() {
  const runs: CycleRequest[] = [];
  const gates: (() => void)[] = [];
  let active = 0;
  let overlapped = false;
  let idle = 0;
  return {
    runs,
    get idle() {
      return idle;
    },
    get overlapped() {
      return overlapped;
    },
    finish: () => gates.shift()?.(),
    delegate: {
      run: async (request: CycleRequest, signal: AbortSignal) => {
        runs.push(request);
        active++;
        if (active > 1) overlapped = true;
        await new Promise<void>((resolve) => {
          gates.push(resolve);
          signal.addEventListener('abort', () => resolve());
        });
        active--;
      },
      onError: () => {},
      onIdle: () => {
        idle++;
      },
    },
  };
}

const tick = () => new Promise((r) => setTimeout(r, 0));

describe('scheduler', () => {
  it('never overlaps cycles and merges requests made while one runs into one rerun with their union', async () => {
    const r = recorder();
    const s = createScheduler(r.delegate, new ManualTimers(), () => 0);
    const first = s.request({ pull: false });
    const second = s.request({ pull: false, wake: true });
    const third = s.request({ pull: true });
    await tick();
    expect(r.runs).toEqual([{ pull: false }]);
    r.finish();
    await tick();
    expect(r.runs).toEqual([{ pull: false }, { pull: true, wake: true }]);
    r.finish();
    await Promise.all([first, second, third]);
    expect(r.overlapped).toBe(false);
    expect(r.idle).toBe(1);
    // Idle again: the next request runs at once.
    void s.request({ pull: false });
    await tick();
    expect(r.runs).toHaveLength(3);
    r.finish();
  });

  it('runs a replay-only cycle when the due-timer fires, and a new dueAt replaces the old one', async () => {
    const r = recorder();
    const timers = new ManualTimers();
    const s = createScheduler(r.delegate, timers, () => timers.now);
    s.dueAt(1_000);
    s.dueAt(5_000);
    expect(timers.pending.size).toBe(1);
    timers.advance(4_999);
    await tick();
    expect(r.runs).toEqual([]);
    timers.advance(1);
    await tick();
    expect(r.runs).toEqual([{ pull: false }]);
    r.finish();
    s.dueAt(null);
    expect(timers.pending.size).toBe(0);
  });

  it('a cycle that throws is reported and the scheduler carries on', async () => {
    const timers = new ManualTimers();
    const errors: unknown[] = [];
    let calls = 0;
    const s = createScheduler(
      {
        run: async () => {
          calls++;
          if (calls === 1) throw new Error('boom');
        },
        onError: (e) => errors.push(e),
        onIdle: () => {},
      },
      timers,
      () => 0,
    );
    await s.request({ pull: true });
    await s.request({ pull: true });
    expect(calls).toBe(2);
    expect(errors).toEqual([new Error('boom')]);
  });

  it('close aborts the running cycle, disarms the timer and refuses new cycles', async () => {
    const r = recorder();
    const timers = new ManualTimers();
    const s = createScheduler(r.delegate, timers, () => timers.now);
    const running = s.request({ pull: true });
    void s.request({ pull: true }); // a rerun is queued
    s.dueAt(10);
    await tick();
    await s.close();
    await running;
    expect(s.signal.aborted).toBe(true);
    expect(timers.pending.size).toBe(0);
    await s.request({ pull: true });
    expect(r.runs).toHaveLength(1);
  });
});
