import { describe, expect, it } from 'vitest';
import { ClientClock } from '../../client/settings/client-clock.js';
import { DEFAULT_MAX_DRIFT_MS, parseHlc } from '../../shared/index.js';

const T0 = 1_800_000_000_000;
const MIN = 60_000;

/**
 * A device a few minutes fast writes a setting before it has measured its offset: the server accepts that stamp
 * (it is within the drift limit). The device's next write of the same setting, made after the re-base, must
 * still be stamped above it, or the user's later write loses to their earlier one. Found by the chaos run
 * (a write made after seeing a register was stamped below it).
 */
describe('ClientClock keeps its own stamps the server accepts', () => {
  for (const fastBy of [3 * MIN, 4 * MIN, DEFAULT_MAX_DRIFT_MS - 1_000]) {
    it(`a device ${fastBy / MIN} min fast: the write after the re-base is stamped above the one before`, () => {
      const serverNow = T0;
      const clock = new ClientClock({ wall: () => serverNow + fastBy });
      const before = clock.next();
      // Within the drift limit of the server's clock: the server takes this stamp.
      expect(parseHlc(before).ms - serverNow).toBeLessThanOrEqual(DEFAULT_MAX_DRIFT_MS);
      // The first answer measures the offset (-fastBy) and re-bases the clock onto the server's time.
      expect(clock.sample(serverNow, serverNow + fastBy, serverNow + fastBy)).toBe(true);
      expect(clock.offsetMs).toBe(-fastBy);
      expect(clock.next() > before).toBe(true);
    });
  }

  it('still drops an own stamp beyond the drift limit (the server refuses it, and everything issued above it)', () => {
    const clock = new ClientClock({ wall: () => T0 + 10 * MIN });
    clock.next();
    clock.sample(T0, T0 + 10 * MIN, T0 + 10 * MIN);
    expect(parseHlc(clock.next()).ms).toBe(T0);
  });
});
