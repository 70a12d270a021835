import { describe, expect, it } from 'vitest';
import { CLOCK_CORRECTION_THRESHOLD_MS, ClientClock } from '../../client/settings/client-clock.js';
import { createHlc, parseHlc } from '../../shared/index.js';

const T0 = 1_800_000_000_000;
const DAY = 24 * 60 * 60_000;

describe('ClientClock', () => {
  it('measures the offset against the midpoint of send and receive, ahead or behind', () => {
    const rebased: number[] = [];
    const clock = new ClientClock({ wall: () => T0, onRebase: (o) => rebased.push(o) });
    // Sent at T0, answered at T0 + 200: the server read its clock at about T0 + 100 of ours.
    expect(clock.sample(T0 + 100 + DAY, T0, T0 + 200)).toBe(true);
    expect(clock.offsetMs).toBe(DAY);
    expect(parseHlc(clock.next()).ms).toBe(T0 + DAY);
    expect(clock.sample(T0 + 100 - DAY, T0, T0 + 200)).toBe(true);
    expect(clock.offsetMs).toBe(-DAY);
    expect(rebased).toEqual([DAY, -DAY]);
  });

  it('ignores differences within the threshold plus half the round trip', () => {
    const clock = new ClientClock({ wall: () => T0 });
    expect(clock.sample(T0 + CLOCK_CORRECTION_THRESHOLD_MS, T0, T0)).toBe(false);
    expect(clock.offsetMs).toBe(0);
    // A slow answer (4 s round trip) cannot tell 2.5 s apart from noise.
    expect(clock.sample(T0 + 2_000 + 2_500, T0, T0 + 4_000)).toBe(false);
    expect(clock.sample(T0 + CLOCK_CORRECTION_THRESHOLD_MS + 1, T0, T0)).toBe(true);
    expect(clock.sample(Number.NaN, T0, T0)).toBe(false);
    expect(clock.sample(T0 + DAY, T0 + 5, T0)).toBe(false);
  });

  it('a stamp refused before the offset was known is honoured by the re-base', () => {
    const clock = new ClientClock({ wall: () => T0 - DAY });
    const ahead = createHlc({ nodeId: 'beefbeefbeefbeef', now: () => T0 }).next();
    expect(clock.observe(ahead)).toBe(false);
    clock.rebase(DAY);
    expect(clock.next() > ahead).toBe(true);
  });

  it('keeps its own stamps across a re-base unless they are beyond the drift limit, or were refused', () => {
    let wall = T0;
    const clock = new ClientClock({ wall: () => wall });
    const own = clock.next();
    wall = T0 - 60_000; // the device clock was a minute fast, now corrected down to the server's
    clock.rebase(0);
    expect(clock.next() > own).toBe(true);
    clock.rebase(0, true);
    expect(parseHlc(clock.next()).ms).toBe(T0 - 60_000);

    const fast = new ClientClock({ wall: () => T0 + DAY });
    const future = fast.next();
    fast.rebase(-DAY);
    const corrected = fast.next();
    expect(parseHlc(corrected).ms).toBe(T0);
    expect(parseHlc(corrected).node).not.toBe(parseHlc(future).node);
  });

  it('resumes above the persisted stamp after a restart, whatever its wall clock says', () => {
    const before = new ClientClock({ wall: () => T0 }).next();
    const after = new ClientClock({ wall: () => T0 - DAY, last: before, offsetMs: 0 });
    expect(after.next() > before).toBe(true);
    expect(new ClientClock({ wall: () => T0, offsetMs: 5_000 }).now()).toBe(T0 + 5_000);
  });
});
